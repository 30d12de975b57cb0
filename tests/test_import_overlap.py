"""The overlap check reads each earlier import's digest keys (models.ImportDigests), not its rows
(issue 12): the same rows are found as by comparing the full stored digests, across parts,
withdrawals, replacements, backfill of imports stored before the keys existed, and shredding."""

from __future__ import annotations

import polars as pl
import pytest

from boendeinventering.inventory.models import ImportBatch, ImportData, ImportDigests
from boendeinventering.services import imports
from boendeinventering.services.imports import import_extract
from boendeinventering.services.storage import batch_rows, digest_keys, digests_found_in
from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv

PAYMENT_HEADER = "person_id;utbetalningsdatum;belopp;andamal;enhet"


def _stay(i: int) -> str:
    return f"{pnr(i % 5)};;Mottagningsenheten;Akutboendet Tallen;2025-0{1 + i % 9}-{10 + i};;;;0;{i},50"


def _stays(tmp_path, name: str, numbers) -> object:
    return write_csv(tmp_path / name, STAY_HEADER, [_stay(i) for i in numbers])


def _digests(batch_id: int) -> pl.Series:
    return batch_rows([batch_id], {"row_digest": pl.Utf8})["row_digest"]


def _overlap_by_full_digests(batch_id: int, others: list[int]) -> int:
    """The check as it was: every row of the import whose whole hex digest an earlier one holds."""
    earlier = set(batch_rows(others, {"row_digest": pl.Utf8})["row_digest"].to_list())
    return sum(d in earlier for d in _digests(batch_id).to_list())


def test_digest_keys_are_the_first_128_bits():
    digests = pl.Series(["ff" * 32, "0123456789abcdef" + "fedcba9876543210" + "00" * 16])
    keys = digest_keys(digests)
    assert keys["hi"].to_list() == [2**64 - 1, 0x0123456789ABCDEF]
    assert keys["lo"].to_list() == [2**64 - 1, 0xFEDCBA9876543210]


def test_every_stored_part_has_its_keys(installed, tmp_path, settings):
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    batch = import_extract("insatser", _stays(tmp_path, "a.csv", range(7))).batch
    parts = ImportData.objects.filter(batch=batch).count()
    assert parts > 1 and ImportDigests.objects.filter(batch=batch).count() == parts
    stored = pl.concat([pl.read_parquet(bytes(k)) for k in
                        ImportDigests.objects.filter(batch=batch).values_list("keys", flat=True)])
    assert stored.sort(["hi", "lo"]).equals(digest_keys(_digests(batch.pk)).sort(["hi", "lo"]))


@pytest.mark.parametrize("chunk", [1, 5, 4_000_000])
def test_overlap_across_parts_is_what_the_full_digests_give(installed, tmp_path, settings, monkeypatch, chunk):
    from boendeinventering.services import storage

    monkeypatch.setattr(storage, "OVERLAP_CHUNK", chunk)  # earlier parts' keys looked up 1, 5 or all at once
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    first = import_extract("insatser", _stays(tmp_path, "a.csv", range(0, 5)), year=2025).batch
    second = import_extract("insatser", _stays(tmp_path, "b.csv", range(3, 9)), year=2025).batch
    third = import_extract("insatser", _stays(tmp_path, "c.csv", range(1, 12)), year=2025)
    assert second.rows_overlapping == 2 == _overlap_by_full_digests(second.pk, [first.pk])
    assert third.batch.rows_overlapping == 8 == _overlap_by_full_digests(third.batch.pk, [first.pk, second.pk])
    assert "8 rader finns redan i en annan aktiv import av insatser" in third.warnings[0]
    found = digests_found_in(_digests(third.batch.pk), [first.pk, second.pk])
    assert found.to_list() == [True] * 8 + [False] * 3
    # another year's imports are not compared with
    other_year = import_extract("insatser", _stays(tmp_path, "d.csv", range(0, 3)), year=2024)
    assert other_year.batch.rows_overlapping == 0 and not other_year.warnings


def test_withdrawn_and_replaced_imports_are_not_counted_until_active_again(installed, tmp_path):
    first = import_extract("insatser", _stays(tmp_path, "a.csv", range(0, 4)), year=2025).batch
    imports.withdraw(first.pk)
    second = import_extract("insatser", _stays(tmp_path, "b.csv", range(0, 6)), year=2025)
    assert second.batch.rows_overlapping == 0 and not second.warnings
    back = imports.reactivate(first.pk, replace=False)
    assert back.warnings and back.warnings[0].startswith("4 rader finns redan")
    corrected = import_extract("insatser", _stays(tmp_path, "c.csv", range(0, 5)), year=2025, replace=True)
    assert set(corrected.replaced) == {first.pk, second.batch.pk}
    third = import_extract("insatser", _stays(tmp_path, "d.csv", range(4, 7)), year=2025)
    assert third.batch.rows_overlapping == 1  # row 4 of the corrected file; 5 only in a replaced one


def test_identical_rows_kept_are_each_counted_as_overlapping(installed, tmp_path):
    row = f"{pnr(0)};2025-03-01;950,00;Hotellnatt;Enheten"
    other = f"{pnr(1)};2025-03-02;500,00;Hotellnatt;Enheten"
    import_extract("utbetalningar", write_csv(tmp_path / "a.csv", PAYMENT_HEADER, [row]), year=2025)
    kept = import_extract("utbetalningar", write_csv(tmp_path / "b.csv", PAYMENT_HEADER, [row, row, other]),
                          year=2025, keep_identical_rows=True)
    assert kept.batch.rows_imported == 3 and kept.batch.rows_overlapping == 2


def test_imports_stored_before_the_keys_are_checked_and_get_their_keys(installed, tmp_path, settings):
    settings.BOINV_IMPORT_SLICE_ROWS = 3
    first = import_extract("insatser", _stays(tmp_path, "a.csv", range(0, 7)), year=2025).batch
    made = {p: bytes(k) for p, k in ImportDigests.objects.filter(batch=first).values_list("part", "keys")}
    ImportDigests.objects.all().delete()  # as an installation's imports made before ImportDigests
    second = import_extract("insatser", _stays(tmp_path, "b.csv", range(5, 9)), year=2025).batch
    assert second.rows_overlapping == 2
    remade = {p: bytes(k) for p, k in ImportDigests.objects.filter(batch=first).values_list("part", "keys")}
    assert remade.keys() == made.keys()
    assert all(pl.read_parquet(remade[p]).sort(["hi", "lo"]).equals(pl.read_parquet(made[p]).sort(["hi", "lo"]))
               for p in made)


def test_the_same_file_twice_adds_no_keys(installed, tmp_path):
    path = _stays(tmp_path, "a.csv", range(0, 4))
    import_extract("insatser", path, year=2025)
    keys = ImportDigests.objects.count()
    again = import_extract("insatser", path, year=2025)
    assert not again.created and ImportDigests.objects.count() == keys and ImportBatch.objects.count() == 1


def test_a_failed_import_leaves_no_keys(installed, tmp_path, settings, monkeypatch):
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    real = imports.store_batch_rows

    def store(batch, frame, part=0):
        if part == 2:
            raise RuntimeError("disken är full")
        return real(batch, frame, part)

    monkeypatch.setattr(imports, "store_batch_rows", store)
    with pytest.raises(RuntimeError):
        import_extract("insatser", _stays(tmp_path, "a.csv", range(0, 7)))
    assert not ImportDigests.objects.exists() and not ImportBatch.objects.exists()


def test_keys_sharing_the_first_64_bits_are_told_apart(installed):
    from boendeinventering.services.storage import store_digest_keys

    batch = ImportBatch.objects.create(kind="insatser", year=2025, file_name="x.csv", file_digest="d")
    hi = "00ff00ff00ff00ff"
    stored = [hi + "1" * 16 + "ab" * 16, hi + "3" * 16 + "ab" * 16, "ff" * 32, hi + "3" * 16 + "ab" * 16]
    store_digest_keys(batch.pk, 0, pl.Series(stored))
    asked = pl.Series([hi + "2" * 16 + "ab" * 16, hi + "3" * 16 + "ab" * 16, "ff" * 32, "00" * 32,
                       hi + "1" * 16 + "ab" * 16, hi + "3" * 16 + "ab" * 16])
    assert digests_found_in(asked, [batch.pk]).to_list() == [False, True, True, False, True, True]
    assert digests_found_in(asked.clear(), [batch.pk]).to_list() == []
    assert digests_found_in(asked, []).to_list() == [False] * 6


# -- the local names seen in the active imports, kept on each import (issue 12) -----------------

def _names_in_rows() -> list[str]:
    """What seen_local_names read before: the names column out of every active import's rows."""
    from boendeinventering.core.taxonomy import normalise_name
    from boendeinventering.services.storage import active_rows

    names = set(active_rows("insatser", {"insats": pl.Utf8})["insats"].drop_nulls())
    names |= set(active_rows("utbetalningar", {"purpose": pl.Utf8})["purpose"].drop_nulls())
    return sorted(names, key=normalise_name)


def test_local_names_are_kept_on_the_import_and_read_from_there(installed, tmp_path):
    from boendeinventering.services.mapping import seen_local_names

    stays = [_stay(0), _stay(1).replace("Akutboendet Tallen", "Hotell Nattljus")]
    first = import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, stays), year=2025).batch
    payments = import_extract("utbetalningar", write_csv(tmp_path / "p.csv", PAYMENT_HEADER, [
        f"{pnr(0)};2025-03-01;950,00;Hotellnatt;Enheten", f"{pnr(1)};2025-03-02;500,00;Hyresskuld;Enheten"]),
        year=2025).batch
    assert first.local_names == ["Akutboendet Tallen", "Hotell Nattljus"]
    assert payments.local_names == ["Hotellnatt", "Hyresskuld"]
    assert seen_local_names() == _names_in_rows() == ["Akutboendet Tallen", "Hotell Nattljus", "Hotellnatt",
                                                      "Hyresskuld"]
    imports.withdraw(payments.pk)
    assert seen_local_names() == _names_in_rows() == ["Akutboendet Tallen", "Hotell Nattljus"]


def test_imports_made_before_local_names_were_kept_get_them_from_their_rows(installed, tmp_path):
    from boendeinventering.services.mapping import seen_local_names

    stays = [_stay(0), _stay(1).replace("Akutboendet Tallen", "Hotell Nattljus")]
    batch = import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, stays), year=2025).batch
    ImportBatch.objects.update(local_names=None)  # as an import made before the field existed
    assert seen_local_names() == ["Akutboendet Tallen", "Hotell Nattljus"]
    batch.refresh_from_db()
    assert batch.local_names == ["Akutboendet Tallen", "Hotell Nattljus"]


def test_the_overlap_warning_names_what_each_extract_would_count_twice():
    # "dygn och kostnader" is what stays count; a debt-counselling case has neither
    assert "räknas dygn och kostnader för" in imports._overlap_warning(3, "insatser", "cli")
    assert "räknas beloppen för" in imports._overlap_warning(3, "utbetalningar", "cli")
    assert "räknas ärendena för" in imports._overlap_warning(3, "skuldradgivning", "web")
    assert "räknas platserna för" in imports._overlap_warning(3, "platser", "cli")


def test_progress_says_pseudonymising_only_for_rows_with_identifiers(installed, tmp_path):
    said: list[str] = []
    import_extract("insatser", _stays(tmp_path, "a.csv", range(3)), year=2025, progress=said.append)
    assert "Pseudonymiserar 3 rader …" in said
    places = write_csv(tmp_path / "platser.csv", "boende;kod;platser;fran_datum;till_datum",
                       ["Tallen;Akutboendet Tallen;8;2025-01-01;"])
    said.clear()
    import_extract("platser", places, year=2025, progress=said.append)
    assert said and not any(s.startswith("Pseudonymiserar") for s in said), said
