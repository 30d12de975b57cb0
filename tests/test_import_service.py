"""Importing through the service: atomic, idempotent, nothing half-written (SPEC 5)."""

from __future__ import annotations

import polars as pl
import pytest

from boendeinventering.core.ingest import IngestError
from boendeinventering.core.schema import MEASURE_STAYS
from boendeinventering.inventory.models import ImportBatch, ImportData, Pseudonym
from boendeinventering.services.imports import ImportRefused, import_extract
from boendeinventering.services.storage import active_rows, batch_rows
from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv


def stored_stays() -> pl.DataFrame:
    return batch_rows(ImportBatch.objects.values_list("id", flat=True), {"row_no": pl.Int64, **MEASURE_STAYS})


def _nothing_written():
    assert ImportBatch.objects.count() == 0
    assert ImportData.objects.count() == 0
    assert Pseudonym.objects.count() == 0


def test_import_stores_pseudonyms_not_numbers(installed, tmp_path):
    outcome = import_extract("insatser", stays_file(tmp_path / "a.csv", n=6))
    assert outcome.created and outcome.batch.rows_imported == 6
    stays = stored_stays()
    assert stays.height == 6
    assert Pseudonym.objects.count() == 6
    digests = set(Pseudonym.objects.values_list("digest", flat=True))
    assert all(len(d) == 64 for d in digests)
    assert not any(pnr(i) in d or pnr(i)[2:] in d for i in range(6) for d in digests)
    stay = stays.sort("row_no").row(0, named=True)
    assert stay["row_no"] == 2 and stay["cost"] == pytest.approx(1234.5) and stay["sex"] in ("kvinna", "man")
    assert stays["person"].n_unique() == 6


def test_same_file_twice_changes_nothing(installed, tmp_path):
    path = stays_file(tmp_path / "a.csv")
    first = import_extract("insatser", path)
    second = import_extract("insatser", path)
    assert not second.created and second.batch.pk == first.batch.pk
    assert ImportBatch.objects.count() == 1 and stored_stays().height == 6


def test_same_person_in_two_imports_gets_one_pseudonym(installed, tmp_path):
    import_extract("insatser", stays_file(tmp_path / "a.csv", n=3))
    import_extract("insatser", write_csv(tmp_path / "b.csv", STAY_HEADER,
                                         [f"{pnr(0)};;Beroendeenheten;HVB Granen;2025-03-01;;;;0;"]))
    assert Pseudonym.objects.count() == 3
    assert stored_stays()["person"].n_unique() == 3


@pytest.mark.parametrize(
    "row, column, reason_part",
    [
        (f"{pnr(0)};;Enhet;Hotell;2025-13-01;;;;;", "startdatum", "datum"),
        (f"{pnr(0)};;Enhet;Hotell;2025-05-01;2025-04-01;;;;", "slutdatum", "före"),
        (f"{pnr(0)};;Enhet;Hotell;2025-05-01;;;;;-5", "kostnad", "negativ"),
        (f"{pnr(0)[:-1]}{(int(pnr(0)[-1]) + 1) % 10};;Enhet;Hotell;2025-05-01;;;;;", "person_id", "kontrollsiffra"),
        (f"{pnr(0)};;Enhet;Hotell;2025-05-01;;;kanske;;", "ordnat_boende_efter", ""),
        (f"{pnr(0)};;Enhet;Hotell;2025-05-01;;;;två;", "antal_barn", ""),
    ],
)
def test_invalid_row_refuses_whole_file(installed, tmp_path, row, column, reason_part):
    good = f"{pnr(1)};;Enhet;Hotell;2025-05-01;;;;;"
    path = write_csv(tmp_path / "bad.csv", STAY_HEADER, [good, row])
    with pytest.raises(ImportRefused) as info:
        import_extract("insatser", path)
    issue = info.value.issues[0]
    assert issue.row == 3 and issue.column == column
    assert reason_part.lower() in issue.reason.lower()
    text = " ".join(i.as_text() for i in info.value.issues)
    assert pnr(0) not in text and pnr(0)[2:] not in text
    _nothing_written()


def test_missing_required_column_names_it_and_writes_nothing(installed, tmp_path):
    path = write_csv(tmp_path / "bad.csv", "person_id;enhet;startdatum", [f"{pnr(0)};E;2025-01-01"])
    with pytest.raises(IngestError) as info:
        import_extract("insatser", path)
    assert any(i.column == "insats" for i in info.value.issues)
    _nothing_written()


def test_garbage_file_is_refused(installed, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01\x02PK\x00garbage" * 100)
    with pytest.raises(IngestError):
        import_extract("insatser", path)
    _nothing_written()


def test_skip_invalid_keeps_reasons_masked(installed, tmp_path):
    bad = f"{pnr(0)[:-1]}{(int(pnr(0)[-1]) + 1) % 10};;Enhet;Hotell;2025-05-01;;;;;"
    path = write_csv(tmp_path / "mixed.csv", STAY_HEADER, [f"{pnr(1)};;Enhet;Hotell;2025-05-01;;;;;", bad])
    outcome = import_extract("insatser", path, skip_invalid=True)
    batch = outcome.batch
    assert batch.rows_imported == 1 and batch.rows_invalid == 1
    assert batch.issues[0]["row"] == 3 and batch.issues[0]["column"] == "person_id"
    assert pnr(0)[4:] not in str(batch.issues)


def test_identical_rows_in_file_counted_once(installed, tmp_path):
    row = f"{pnr(0)};;Enhet;Hotell;2025-05-01;;;;;100"
    outcome = import_extract("insatser", write_csv(tmp_path / "d.csv", STAY_HEADER, [row, row, row]))
    assert outcome.batch.rows_imported == 1 and outcome.batch.rows_duplicate == 2
    assert stored_stays().height == 1


def test_replace_keeps_history_and_deactivates_earlier(installed, tmp_path):
    first = import_extract("insatser", stays_file(tmp_path / "a.csv", n=4))
    corrected = import_extract("insatser", stays_file(tmp_path / "b.csv", n=5), replace=True)
    first.batch.refresh_from_db()
    assert not first.batch.active and first.batch.replaced_by_id == corrected.batch.id
    assert corrected.replaced == [first.batch.id]
    assert ImportBatch.objects.count() == 2 and stored_stays().height == 9  # history keeps both
    assert active_rows("insatser", MEASURE_STAYS).height == 5  # only the corrected file counts


def test_adding_an_overlapping_file_warns(installed, tmp_path):
    import_extract("insatser", stays_file(tmp_path / "a.csv", n=4))
    second = import_extract("insatser", stays_file(tmp_path / "b.csv", n=5))
    assert second.batch.rows_overlapping == 4
    assert second.warnings and "--replace" in second.warnings[0]


def test_rows_found_in_several_earlier_imports_are_counted_once(installed, tmp_path):
    """The overlap is read one earlier import at a time: a row that two earlier files both hold is
    still one overlapping row of the new file, and rows in neither are not counted."""
    import_extract("insatser", stays_file(tmp_path / "a.csv", n=4))  # rows 0-3
    second = import_extract("insatser", stays_file(tmp_path / "b.csv", n=3))  # rows 0-2: in a as well
    assert second.batch.rows_overlapping == 3
    third = import_extract("insatser", stays_file(tmp_path / "c.csv", n=8))  # rows 0-7: 0-3 seen before
    from boendeinventering.services.storage import batch_rows, digests_found_in

    mine = batch_rows([third.batch.id], {"row_digest": pl.Utf8})["row_digest"]
    earlier = [b.id for b in ImportBatch.objects.exclude(pk=third.batch.id)]
    found = digests_found_in(mine, earlier)
    assert found.to_list() == [True] * 4 + [False] * 4  # rows 0-2 are in a and b: once each
    assert third.batch.rows_overlapping == 4


def test_unknown_columns_are_reported(installed, tmp_path):
    path = write_csv(tmp_path / "u.csv", STAY_HEADER + ";Handläggare",
                     [f"{pnr(0)};;Enhet;Hotell;2025-05-01;;;;;;Anna"])
    outcome = import_extract("insatser", path)
    assert outcome.batch.unknown_columns == ["Handläggare"]  # as the file writes it


PAYMENT_HEADER = "person_id;utbetalningsdatum;belopp;andamal"
DEBT_HEADER = "arende_id;person_id;inkommet_datum;hyresskuld"


@pytest.mark.parametrize(
    "kind, header, row, column, reason_part",
    [
        ("utbetalningar", PAYMENT_HEADER, f"{pnr(0)};2025-03-01;tusen;Hotellnatt", "belopp", ""),
        ("utbetalningar", PAYMENT_HEADER, f"{pnr(0)};2025-03-01;-100;Hotellnatt", "belopp", "negativ"),
        ("utbetalningar", PAYMENT_HEADER, f"{pnr(0)};;100;Hotellnatt", "utbetalningsdatum", ""),
        ("skuldradgivning", DEBT_HEADER, f"A-1;{pnr(0)};2025-03-01;kanske", "hyresskuld", ""),
        ("insatser", STAY_HEADER, f"{pnr(0)[:4]}13{pnr(0)[6:]};;E;Hotell;2025-05-01;;;;;", "person_id", "datum"),
    ],
)
def test_invalid_rows_of_each_kind_refuse_the_file(installed, tmp_path, kind, header, row, column, reason_part):
    with pytest.raises(ImportRefused) as info:
        import_extract(kind, write_csv(tmp_path / "bad.csv", header, [row]))
    issue = info.value.issues[0]
    assert (issue.row, issue.column) == (2, column)
    assert reason_part in issue.reason.lower()
    assert pnr(0)[4:] not in " ".join(i.as_text() for i in info.value.issues)
    _nothing_written()


def test_wrong_delimiter_reports_missing_columns(installed, tmp_path):
    path = tmp_path / "tab.csv"
    path.write_text(STAY_HEADER.replace(";", "\t") + f"\n{pnr(0)}\tE\tHotell\t2025-01-01\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        import_extract("insatser", path)
    issues = info.value.issues
    assert {"obligatorisk kolumn saknas"} <= {i.reason for i in issues}
    # the reason first: the columns are there, the separator is wrong
    assert issues[0].row == 1 and issues[0].reason.startswith("filen har bara en kolumn: kolumnerna ska skiljas "
                                                               "med semikolon (;) eller komma (,)")
    assert "tabbar" in issues[0].reason
    _nothing_written()


def test_utf16_file_is_refused_with_advice(installed, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_text(STAY_HEADER + f"\n{pnr(0)};;E;Hotell;2025-01-01;;;;;\n", encoding="utf-16")
    with pytest.raises(IngestError) as info:
        import_extract("insatser", path)
    assert "UTF-16" in " ".join(i.reason for i in info.value.issues)
    _nothing_written()


def test_too_large_file_is_refused(installed, tmp_path, settings):
    settings.BOINV_MAX_FILE_BYTES = 200
    with pytest.raises(IngestError) as info:
        import_extract("insatser", stays_file(tmp_path / "big.csv", n=20))
    assert "stor" in " ".join(i.reason for i in info.value.issues).lower()
    _nothing_written()


def test_forced_wrong_encoding_still_imports_nothing_half(installed, tmp_path):
    """cp1252 bytes read as UTF-8 on the user's say-so: refused whole, not mangled."""
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, [f"{pnr(0)};;Enhet;Härbärget Stigen;2025-01-01;;;;;"])
    with pytest.raises(IngestError):
        import_extract("insatser", path, encoding="utf-8")
    _nothing_written()


def test_next_years_extract_does_not_double_this_years_nights(installed, tmp_path):
    """The 2026 extract repeats a stay that began in 2025: 2025's figures use the 2025 import."""
    from boendeinventering.services import figures, mapping

    mapping.save_entries([("Hotell", "hotell")])
    this_year = write_csv(tmp_path / "2025.csv", STAY_HEADER, [f"{pnr(i)};;E;Hotell;2025-12-01;;;;;" for i in range(6)])
    next_year = write_csv(tmp_path / "2026.csv", STAY_HEADER,
                          [f"{pnr(i)};;E;Hotell;2025-12-01;2026-01-15;;;;" for i in range(6)])
    import_extract("insatser", this_year, year=2025)
    import_extract("insatser", next_year, year=2026)
    y2025 = figures.build_report(2025, protected=False).tables["persons_by_kod"].rows[0]
    assert (y2025["persons"], y2025["nights"]) == (6, 6 * 31)
    y2026 = figures.build_report(2026, protected=False).tables["persons_by_kod"].rows[0]
    assert (y2026["persons"], y2026["nights"]) == (6, 6 * 14)


def test_replace_acts_within_the_year(installed, tmp_path):
    first_2025 = import_extract("insatser", stays_file(tmp_path / "a.csv", n=3), year=2025)
    first_2026 = import_extract("insatser", stays_file(tmp_path / "b.csv", n=4), year=2026)
    import_extract("insatser", stays_file(tmp_path / "c.csv", n=5), year=2026, replace=True)
    first_2025.batch.refresh_from_db()
    first_2026.batch.refresh_from_db()
    assert first_2025.batch.active and not first_2026.batch.active


def test_overlong_local_name_is_an_invalid_row(installed, tmp_path):
    long_name = "Hotell " + "x" * 250
    with pytest.raises(ImportRefused) as info:
        import_extract("insatser", write_csv(tmp_path / "long.csv", STAY_HEADER,
                                             [f"{pnr(0)};;E;{long_name};2025-01-01;;;;;"]))
    issue = info.value.issues[0]
    assert (issue.row, issue.column) == (2, "insats") and "för lång" in issue.reason
    _nothing_written()


def test_same_file_imported_concurrently_is_one_import(installed, tmp_path, monkeypatch):
    """Two imports of one file racing: the loser sees the winner's import, not an error."""
    from boendeinventering.services import imports

    path = stays_file(tmp_path / "a.csv", n=3)
    winner = import_extract("insatser", path)
    # the loser checked for an earlier import before the winner committed
    monkeypatch.setattr(imports.ImportBatch.objects, "filter", _stale_first_check(imports.ImportBatch.objects.filter))
    loser = import_extract("insatser", path)
    assert not loser.created and loser.batch.pk == winner.batch.pk
    assert ImportBatch.objects.count() == 1


def _stale_first_check(real_filter):
    calls = {"n": 0}

    def filter_(*args, **kwargs):
        calls["n"] += 1
        result = real_filter(*args, **kwargs)
        return result.none() if calls["n"] == 1 else result

    return filter_


def test_surrogate_ids_keep_order_reuse_ids_and_add_the_missing_across_chunks(installed, monkeypatch):
    from boendeinventering.services import storage

    monkeypatch.setattr(storage, "SURROGATE_CHUNK", 2)  # several statements, as for a national file
    known = Pseudonym.objects.create(digest="b" * 64)
    digests = ["a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64]
    ids = storage.surrogate_ids(Pseudonym._meta.db_table, digests)
    stored = dict(Pseudonym.objects.values_list("digest", "id"))
    assert ids == [stored[d] for d in digests]
    assert ids[1] == known.id and len(set(ids)) == 5 and Pseudonym.objects.count() == 5
    assert storage.surrogate_ids(Pseudonym._meta.db_table, digests[::-1]) == ids[::-1]  # nothing new
    assert Pseudonym.objects.count() == 5


def test_stored_person_is_the_hmac_of_namespace_and_number(installed, tmp_path):
    """The stored pseudonyms are exactly HMAC-SHA256(key, "pnr:" + number), as before the bulk paths."""
    import hashlib
    import hmac

    from boendeinventering.services import installation

    import_extract("insatser", stays_file(tmp_path / "a.csv", n=4))
    key = installation.key()
    by_id = dict(Pseudonym.objects.values_list("id", "digest"))
    stays = stored_stays().sort("row_no")
    expected = {hmac.new(key, f"pnr:{pnr(i)}".encode(), hashlib.sha256).hexdigest() for i in range(4)}
    assert {by_id[p] for p in stays["person"].to_list()} == expected
