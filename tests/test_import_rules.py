"""Imports that never mislead (issue 7 items 1, 2, 3, 5, 12; issue 8 items 3 and 8): columns that
look wrong stop the import until confirmed, idempotency per kind and year, withdraw and
reactivate, empty files, identical payments, new unmapped names, and the audit trail written by
the services whichever interface calls them."""

from __future__ import annotations

import polars as pl
import pytest

from boendeinventering.core.ingest import IngestError
from boendeinventering.core.ingest.columns import check_columns, edit_distance, loose_name
from boendeinventering.core.ingest.read import read_table
from boendeinventering.inventory.models import ImportBatch, ImportData
from boendeinventering.organisation.models import AuditEvent
from boendeinventering.services import audit, imports
from boendeinventering.services.imports import ConfirmationNeeded, import_extract
from boendeinventering.services.storage import active_rows
from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv

PAYMENT_HEADER = "person_id;utbetalningsdatum;belopp;andamal"
NIGHTS = {"start_date": pl.Date, "end_date": pl.Date}


def _stays(path, header=STAY_HEADER, n=3, start=0, end="2025-02-01"):
    """Rows whose end date is in the column that `header` names slutdatum (the 6th)."""
    rows = [f"{pnr(start + i)};;Mottagningsenheten;Akutboendet Tallen;2025-01-0{1 + i};{end};;;;"
            for i in range(n)]
    return write_csv(path, header, rows)


def _header(**renamed) -> str:
    return ";".join(renamed.get(c, c) for c in STAY_HEADER.split(";"))


def _nothing_written():
    assert ImportBatch.objects.count() == 0 and ImportData.objects.count() == 0


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# -- core: matching ---------------------------------------------------------------------------

def test_loose_names_ignore_case_spaces_separators_and_swedish_letters():
    assert loose_name(" Slut_Datum ") == loose_name("slut-datum") == loose_name("slutdatum")
    assert loose_name("Född år") == loose_name("fodd_ar")
    assert edit_distance("slutdatun", "slutdatum") == 1
    assert edit_distance("sluttdatmu", "slutdatum") == 2  # one extra letter, one swap
    assert edit_distance("handlaggare", "slutdatum") == 3  # capped


@pytest.mark.parametrize("header, known", [
    ("Slut_datum", "slutdatum"), ("slutdatun", "slutdatum"), ("SLUT-DATUM", "slutdatum"),
    ("planerat slut datum", "planerat_slutdatum"), ("kostnader", "kostnad"), ("AntalBarn", "antal_barn"),
])
def test_near_misses_are_found_with_the_files_own_header(tmp_path, header, known):
    check = check_columns("insatser", read_table(_stays(tmp_path / "a.csv", _header(**{known: header}))))
    assert [(m.header, m.known) for m in check.near_misses] == [(header.strip(), known)]
    assert check.needs_confirmation
    issue = check.issues()[0]
    assert issue.column == header.strip() and known in issue.reason and "byt rubrik" in issue.reason


def test_unrelated_unknown_columns_are_listed_without_confirmation(tmp_path):
    path = write_csv(tmp_path / "a.csv", STAY_HEADER + ";Handläggare;Kommentar",
                     [f"{pnr(0)};;E;Hotell;2025-01-01;;;;;;Anna;x"])
    check = check_columns("insatser", read_table(path))
    assert check.unknown == ["Handläggare", "Kommentar"] and not check.needs_confirmation


def test_missing_required_column_names_the_resembling_header(installed, tmp_path):
    path = _stays(tmp_path / "a.csv", _header(startdatum="start datum"))
    with pytest.raises(IngestError) as info:
        import_extract("insatser", path)
    issue = info.value.issues[0]
    assert issue.column == "startdatum" and "'start datum'" in issue.reason and "byt rubrik" in issue.reason
    _nothing_written()


# -- item 1: stop, show, confirm --------------------------------------------------------------

def test_misspelt_end_date_stops_the_import_until_confirmed(installed, tmp_path):
    path = _stays(tmp_path / "a.csv", _header(slutdatum="Slut_datum"))
    with pytest.raises(ConfirmationNeeded) as info:
        import_extract("insatser", path, year=2025)
    assert info.value.reasons == ["columns"]
    assert "--accept-columns" in str(info.value)
    assert [(i.column, "slutdatum" in i.reason) for i in info.value.issues] == [("Slut_datum", True)]
    _nothing_written()
    assert _events(audit.IMPORT_REFUSED)  # the refusal is in the audit trail

    outcome = import_extract("insatser", path, year=2025, accept_columns=True)
    assert outcome.created and outcome.batch.unknown_columns == ["Slut_datum"]
    assert any("Slut_datum" in w and "slutdatum" in w for w in outcome.warnings)
    assert active_rows("insatser", NIGHTS, 2025)["end_date"].null_count() == 3  # accepted: not used


def test_web_message_names_the_web_option_not_the_flag(installed, tmp_path):
    path = _stays(tmp_path / "a.csv", _header(slutdatum="slutdatun"))
    with pytest.raises(ConfirmationNeeded) as info:
        import_extract("insatser", path, interface="web")
    assert "Importera ändå" in str(info.value) and "--" not in str(info.value)
    import_extract("insatser", stays_file(tmp_path / "b.csv", n=4), interface="web")
    second = import_extract("insatser", stays_file(tmp_path / "c.csv", n=5), interface="web")
    assert second.warnings and "Ersätt" in second.warnings[0] and "--replace" not in second.warnings[0]


def test_a_column_the_latest_import_had_must_not_vanish_silently(installed, tmp_path):
    import_extract("insatser", _stays(tmp_path / "a.csv"), year=2025)
    lacking = write_csv(tmp_path / "b.csv", "person_id;enhet;insats;startdatum",
                        [f"{pnr(5)};Mottagningsenheten;Hotell;2025-03-01"])
    with pytest.raises(ConfirmationNeeded) as info:
        import_extract("insatser", lacking, year=2025, replace=True)
    missing = {i.column for i in info.value.issues}
    assert {"slutdatum", "kostnad", "antal_barn"} <= missing
    assert ImportBatch.objects.count() == 1 and ImportBatch.objects.get().active
    outcome = import_extract("insatser", lacking, year=2025, replace=True, accept_columns=True)
    assert outcome.created and outcome.replaced and any("slutdatum" in w for w in outcome.warnings)


def test_errors_name_the_header_as_written_in_the_file(installed, tmp_path):
    path = _stays(tmp_path / "a.csv", _header(slutdatum="SlutDatum"), end="2025-13-01")
    with pytest.raises(imports.ImportRefused) as info:
        import_extract("insatser", path)
    assert {i.column for i in info.value.issues} == {"SlutDatum"}


# -- item 2: idempotency per kind and year ----------------------------------------------------

def test_same_file_for_another_year_is_a_new_import(installed, tmp_path):
    path = stays_file(tmp_path / "a.csv", n=3)
    first = import_extract("insatser", path, year=2025)
    again = import_extract("insatser", path, year=2025)
    other = import_extract("insatser", path, year=2026)
    assert first.created and not again.created and again.batch.pk == first.batch.pk
    assert other.created and other.batch.pk != first.batch.pk and other.batch.year == 2026
    assert "samma år" in imports.done_message(again)
    assert ImportBatch.objects.count() == 2


def test_the_database_allows_one_import_per_file_kind_and_year(installed, tmp_path):
    from django.db import IntegrityError, transaction

    batch = import_extract("insatser", stays_file(tmp_path / "a.csv", n=2), year=2025).batch
    for year in (2025, None):
        if year is None:
            batch = import_extract("insatser", stays_file(tmp_path / "b.csv", n=3)).batch
        with pytest.raises(IntegrityError), transaction.atomic():
            ImportBatch.objects.create(kind="insatser", year=year, file_name="x", file_digest=batch.file_digest)


def test_replace_with_an_earlier_replaced_file_brings_it_back(installed, tmp_path):
    right = stays_file(tmp_path / "a.csv", n=4)
    first = import_extract("insatser", right, year=2025).batch
    wrong = import_extract("insatser", stays_file(tmp_path / "b.csv", n=2, start=50), year=2025, replace=True).batch
    back = import_extract("insatser", right, year=2025, replace=True)
    first.refresh_from_db()
    wrong.refresh_from_db()
    assert back.reactivated and back.batch.pk == first.pk and back.replaced == [wrong.pk]
    assert first.active and not wrong.active and wrong.replaced_by_id == first.pk
    assert active_rows("insatser", NIGHTS, 2025).height == 4
    assert "aktiv igen" in imports.done_message(back)
    assert _events(audit.IMPORT_REACTIVATED)


# -- item 3 / issue 8 item 3: withdraw, reactivate, empty files --------------------------------

def test_withdraw_and_reactivate(installed, tmp_path):
    batch = import_extract("insatser", stays_file(tmp_path / "a.csv", n=3), year=2025, user="anna").batch
    imports.withdraw(batch.pk, user="anna")
    batch.refresh_from_db()
    assert not batch.active and batch.withdrawn_by == "anna" and batch.state_label == "Återkallad"
    assert active_rows("insatser", NIGHTS, 2025).height == 0
    assert ImportData.objects.filter(batch=batch).exists()  # kept in history
    with pytest.raises(ValueError, match="inte aktiv"):
        imports.withdraw(batch.pk, user="anna")
    outcome = imports.reactivate(batch.pk, user="anna")
    batch.refresh_from_db()
    assert outcome.reactivated and batch.active and batch.withdrawn_at is None
    assert active_rows("insatser", NIGHTS, 2025).height == 3
    with pytest.raises(ValueError, match="redan aktiv"):
        imports.reactivate(batch.pk)
    with pytest.raises(ValueError, match="ingen import med nummer 999"):
        imports.withdraw(999)
    (withdrawn,) = _events(audit.IMPORT_WITHDRAWN)
    assert withdrawn.username == "anna" and f"import {batch.pk}" in withdrawn.detail


def test_reactivating_a_replaced_import_swaps_back_and_a_withdrawn_one_is_added(installed, tmp_path):
    first = import_extract("insatser", stays_file(tmp_path / "a.csv", n=3), year=2025).batch
    second = import_extract("insatser", stays_file(tmp_path / "b.csv", n=4), year=2025, replace=True).batch
    outcome = imports.reactivate(first.pk)
    second.refresh_from_db()
    assert outcome.replaced == [second.pk] and not second.active
    imports.withdraw(first.pk)
    imports.reactivate(second.pk)  # replaced by first, which is no longer active: just added
    added = imports.reactivate(first.pk, replace=False)
    assert added.replaced == [] and added.warnings and "3 rader" in added.warnings[0]


def test_header_only_file_is_refused_unless_meant(installed, tmp_path):
    original = import_extract("insatser", stays_file(tmp_path / "a.csv", n=3), year=2025).batch
    empty = write_csv(tmp_path / "tom.csv", STAY_HEADER, [])
    with pytest.raises(ConfirmationNeeded) as info:
        import_extract("insatser", empty, year=2025, replace=True)
    assert info.value.reasons == ["empty"] and "--allow-empty" in str(info.value) and "noll rader" in str(info.value)
    assert ImportBatch.objects.count() == 1 and active_rows("insatser", NIGHTS, 2025).height == 3

    outcome = import_extract("insatser", empty, year=2025, replace=True, allow_empty=True)
    assert outcome.created and outcome.batch.rows_imported == 0 and outcome.replaced == [original.pk]
    # the original file can come back
    back = import_extract("insatser", stays_file(tmp_path / "a.csv", n=3), year=2025, replace=True)
    assert back.reactivated and back.batch.pk == original.pk
    assert active_rows("insatser", NIGHTS, 2025).height == 3


def test_all_rows_invalid_with_skip_invalid_is_an_empty_import(installed, tmp_path):
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, [f"{pnr(0)};;E;Hotell;2025-13-01;;;;;"])
    with pytest.raises(ConfirmationNeeded, match="Ingen rad i filen är korrekt"):
        import_extract("insatser", path, skip_invalid=True)
    _nothing_written()


def test_withdrawn_file_imported_again_is_reactivated(installed, tmp_path):
    path = stays_file(tmp_path / "a.csv", n=3)
    batch = import_extract("insatser", path).batch
    imports.withdraw(batch.pk)
    again = import_extract("insatser", path)
    assert again.reactivated and again.batch.pk == batch.pk and ImportBatch.objects.count() == 1


# -- identical rows ---------------------------------------------------------------------------

def test_identical_payments_counted_once_unless_the_user_keeps_them(installed, tmp_path):
    row = f"{pnr(0)};2025-03-01;950,00;Hotellnatt"
    path = write_csv(tmp_path / "p.csv", PAYMENT_HEADER, [row, row, f"{pnr(1)};2025-03-01;500;Hotellnatt"])
    once = import_extract("utbetalningar", path, year=2025)
    assert once.batch.rows_imported == 2 and once.batch.rows_duplicate == 1
    kept = import_extract("utbetalningar", path, year=2026, keep_identical_rows=True)
    assert kept.batch.rows_imported == 3 and kept.batch.rows_duplicate == 0 and kept.identical_kept == 1
    assert kept.batch.keep_identical_rows
    amounts = active_rows("utbetalningar", {"amount": pl.Float64}, 2026)["amount"]
    assert amounts.sum() == pytest.approx(2400.0)
    assert "räknades var för sig" in imports.done_message(kept)
    with pytest.raises(ValueError, match="bara utbetalningar"):
        import_extract("insatser", stays_file(tmp_path / "s.csv"), keep_identical_rows=True)


# -- item 5: new unmapped local names ---------------------------------------------------------

def test_result_names_the_new_unmapped_local_names(installed, tmp_path):
    from boendeinventering.services.mapping import save_entries

    save_entries([("Hotell Baltic", "hotell")])
    first = write_csv(tmp_path / "a.csv", STAY_HEADER, [
        f"{pnr(0)};;E;Akutboendet Tallen;2025-01-01;;;;;", f"{pnr(1)};;E;Hotell Baltic;2025-01-01;;;;;"])
    outcome = import_extract("insatser", first)
    assert outcome.new_unmapped == ["Akutboendet Tallen"]
    second = write_csv(tmp_path / "b.csv", STAY_HEADER, [
        f"{pnr(2)};;E;akutboendet tallen;2025-01-01;;;;;", f"{pnr(3)};;E;Stödboendet Björken;2025-01-01;;;;;"])
    assert import_extract("insatser", second).new_unmapped == ["Stödboendet Björken"]  # not seen before


# -- item 12: the services write the audit trail ----------------------------------------------

def test_services_record_imports_and_mapping_changes(installed, tmp_path):
    from boendeinventering.services.mapping import save_entries

    import_extract("insatser", stays_file(tmp_path / "a.csv", n=2), user="kommandorad", year=2025)
    (event,) = _events(audit.IMPORT)
    assert event.username == "kommandorad" and "insatser 2025" in event.detail and "2 rader" in event.detail
    import_extract("insatser", stays_file(tmp_path / "a.csv", n=2), user="kommandorad", year=2025)
    assert len(_events(audit.IMPORT)) == 1  # already imported: nothing happened, nothing recorded
    save_entries([("Akutboendet Tallen", "akutboende")], user="kommandorad")
    save_entries([("Akutboendet Tallen", "akutboende")], user="kommandorad")  # unchanged: no event
    (changed,) = _events(audit.MAPPING_CHANGED)
    assert "Akutboendet Tallen → akutboende" in changed.detail
