"""A raw personnummer typed in the wrong place never reaches the database, the pages, the logs or
the audit trail: in a free-text or number column, the file name, a column header, the mapping
file, a form's free text or the user name at sign-in (each path was once open)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from boendeinventering.core.ingest import IngestError, read_extract
from boendeinventering.core.ingest.read import read_table
from boendeinventering.inventory.models import ImportBatch, MappingEntry
from boendeinventering.organisation.models import AuditEvent, ImportJob
from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv
from tests.test_web_views import as_role

PAYMENT_HEADER = "person_id;utbetalningsdatum;belopp;andamal;enhet"


def forms_of(number: str) -> list[str]:
    """The ways the number could show up: 12 digits, 10 digits, with a dash."""
    return [number, number[2:], f"{number[2:8]}-{number[8:]}", f"{number[:8]}-{number[8:]}"]


def assert_absent(number: str, *texts: str) -> None:
    for text in texts:
        for form in forms_of(number):
            assert form not in text


def db_text() -> str:
    """Every row of every table, as text (the stored extract rows are compressed parquet and are
    checked separately)."""
    from django.db import connection

    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


# --- a personnummer in a free-text column (enhet, insats, boende, andamal) ----------------------


@pytest.mark.parametrize("column", ["enhet", "insats"])
def test_personnummer_in_a_free_text_column_is_an_invalid_row(tmp_path, column):
    number = pnr(1)
    cells = {"enhet": "Mottagningsenheten", "insats": "Hotell"}
    cells[column] = f"{number[2:8]}-{number[8:]}"
    rows = [f"{pnr(0)};;{cells['enhet']};{cells['insats']};2025-05-01;;;;;",
            f"{pnr(2)};;Mottagningsenheten;Hotell;2025-05-01;;;;;"]
    result = read_extract("insatser", write_csv(tmp_path / "x.csv", STAY_HEADER, rows))
    assert result.invalid_rows == [2]
    assert result.valid.height == 1
    (issue,) = result.issues
    assert issue.row == 2 and issue.column == column and "personnummer" in issue.reason
    assert_absent(number, issue.as_text())
    # a unit code or a short number in a name is still fine
    ok = read_extract("insatser", write_csv(tmp_path / "y.csv", STAY_HEADER, [
        f"{pnr(0)};;Enhet 4711;Hotell 12;2025-05-01;;;;;"]))
    assert ok.ok


def test_personnummer_in_andamal_of_payments_is_refused(tmp_path):
    number = pnr(3)
    rows = [f"{pnr(0)};2025-03-01;1500;Hotell {number};Ekonomiskt bistånd"]
    result = read_extract("utbetalningar", write_csv(tmp_path / "p.csv", PAYMENT_HEADER, rows))
    assert result.invalid_rows == [2] and result.valid.height == 0
    assert result.issues[0].column == "andamal"
    assert_absent(number, result.issues[0].as_text())


def test_skipping_invalid_rows_never_stores_a_personnummer_typed_as_a_local_name(users, tmp_path):
    number = pnr(4)
    client = as_role(users, "coordinator")
    rows = [f"{pnr(0)};;Mottagningsenheten;{number};2025-05-01;;;;;",
            f"{pnr(5)};;Mottagningsenheten;Hotell;2025-05-01;;;;;"]
    content = write_csv(tmp_path / "x.csv", STAY_HEADER, rows).read_bytes()
    client.post(reverse("web:extracts"), {"kind": "insatser", "on_error": "skip", "mode": "add",
                                          "file": SimpleUploadedFile("x.csv", content)})
    batch = ImportBatch.objects.get()
    assert batch.rows_imported == 1 and batch.rows_invalid == 1
    from boendeinventering.services.mapping import seen_local_names

    assert seen_local_names() == ["Hotell"]
    mapping_page = client.get(reverse("web:mapping")).content.decode()
    batch_page = client.get(reverse("web:import_batch", args=[batch.id])).content.decode()
    assert_absent(number, mapping_page, batch_page, db_text())


# --- a personnummer in the name of the uploaded file ---------------------------------------------


def test_personnummer_in_the_file_name_is_masked_everywhere(users, tmp_path):
    number = pnr(6)
    client = as_role(users, "coordinator")
    content = write_csv(tmp_path / "x.csv", STAY_HEADER, [f"{pnr(0)};;Enh;Hotell;2025-05-01;;;;;"]).read_bytes()
    name = f"insatser {number}.csv"
    client.post(reverse("web:extracts"), {"kind": "insatser", "on_error": "refuse", "mode": "add",
                                          "file": SimpleUploadedFile(name, content)})
    job = ImportJob.objects.get()
    batch = ImportBatch.objects.get()
    assert job.status == ImportJob.DONE
    assert batch.file_name.startswith("insatser 1993") and batch.file_name.endswith(".csv")
    pages = [client.get(url).content.decode() for url in (
        reverse("web:extracts"), reverse("web:import_job", args=[job.id]),
        reverse("web:import_batch", args=[batch.id]))]
    pages.append(as_role(users, "administrator").get(reverse("web:audit_log")).content.decode())
    assert_absent(number, *pages, db_text(), *AuditEvent.objects.values_list("detail", flat=True))


def test_personnummer_in_the_file_name_is_masked_by_the_import_service(installed, tmp_path):
    from boendeinventering.services.imports import import_extract

    number = pnr(7)
    path = write_csv(tmp_path / f"{number}.csv", STAY_HEADER, [f"{pnr(0)};;Enh;Hotell;2025-05-01;;;;;"])
    outcome = import_extract("insatser", path)
    assert_absent(number, outcome.batch.file_name, db_text())


# --- a personnummer as a column header -----------------------------------------------------------


def test_personnummer_as_an_unknown_column_header_is_masked(users, tmp_path):
    number = pnr(8)
    client = as_role(users, "coordinator")
    content = write_csv(tmp_path / "x.csv", STAY_HEADER + f";{number}",
                        [f"{pnr(0)};;Enh;Hotell;2025-05-01;;;;;;x"]).read_bytes()
    client.post(reverse("web:extracts"), {"kind": "insatser", "on_error": "refuse", "mode": "add",
                                          "file": SimpleUploadedFile("x.csv", content)})
    batch = ImportBatch.objects.get()
    assert len(batch.unknown_columns) == 1 and batch.unknown_columns[0].startswith("1993")
    page = client.get(reverse("web:import_batch", args=[batch.id])).content.decode()
    assert_absent(number, page, db_text())


def test_file_without_header_row_names_no_personnummer_in_its_errors(users, tmp_path):
    # No header: the first data row is taken as the header, and a person's number used as both
    # person_id and hushall_id made a "duplicate column" error quoting the number.
    number = pnr(9)
    client = as_role(users, "coordinator")
    content = write_csv(tmp_path / "x.csv", f"{number};{number};Enh;Hotell;2025-05-01",
                        [f"{pnr(0)};{pnr(0)};Enh;Hotell;2025-05-01"]).read_bytes()
    client.post(reverse("web:extracts"), {"kind": "insatser", "on_error": "refuse", "mode": "add",
                                          "file": SimpleUploadedFile("x.csv", content)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.REFUSED and "flera gånger" in job.issues[0]["reason"]
    page = client.get(reverse("web:import_job", args=[job.id])).content.decode()
    assert_absent(number, page, db_text())


def test_read_table_masks_header_names_in_its_errors(tmp_path):
    number = pnr(10)
    with pytest.raises(IngestError) as caught:
        read_table(f"{number};{number}\r\nx;y\r\n".encode())
    assert_absent(number, str(caught.value), *(i.column or "" for i in caught.value.issues))


# --- a personnummer in the mapping file ----------------------------------------------------------


def test_mapping_file_errors_mask_personnummer_and_such_names_are_refused(installed, tmp_path):
    from boendeinventering.services.mapping import import_mapping

    number = pnr(11)
    path = tmp_path / "mappning.csv"
    path.write_text(f"lokal_benamning;kod\r\nTallen {number};hotell\r\nTallen {number};hvb\r\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        import_mapping(path)
    assert_absent(number, str(caught.value))
    assert [i.row for i in caught.value.issues] == [2, 3]

    path.write_text(f"lokal_benamning;kod\r\n{number};hotell\r\nTallen;hotell\r\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        import_mapping(path)
    (issue,) = caught.value.issues
    assert issue.row == 2 and issue.column == "lokal_benamning" and "personnummer" in issue.reason
    assert_absent(number, str(caught.value))
    assert MappingEntry.objects.count() == 0  # nothing half-written


# --- a personnummer in a supplementary form's free text ------------------------------------------


def test_personnummer_in_a_form_text_is_refused_with_a_swedish_message(db):
    from boendeinventering.reporting import services

    number = pnr(12)
    with pytest.raises(services.InvalidAnswers) as caught:
        services.validate("utan_tak", {"metod": f"Vi frågade om {number[2:8]}-{number[8:]} och andra."})
    assert "personnummer" in " ".join(caught.value.errors["metod"])
    assert_absent(number, str(caught.value))
    answers = services.validate("utan_tak", {"metod": "Handläggarna på enhet 4711 tillfrågades vecka 12."})
    assert answers["metod"].startswith("Handläggarna")


# --- a personnummer typed as the user name at sign-in --------------------------------------------


def test_failed_sign_in_with_a_personnummer_as_user_name_stores_it_masked(db):
    # People used to e-ID often type their personnummer into the user name field.
    from django.test import Client

    number = pnr(13)
    for _ in range(6):  # past the lock-out limit: the lock-out event too
        Client().post(reverse("web:login"), {"username": number, "password": "fel"})
    assert AuditEvent.objects.filter(action="login_failed").exists()
    assert AuditEvent.objects.filter(action="locked_out").exists()
    assert_absent(number, db_text())


@pytest.mark.parametrize("column", ["antal_barn", "kostnad"])
def test_personnummer_in_a_number_column_is_not_taken_as_a_number(tmp_path, column):
    # A shifted column put the number in antal_barn: it parsed as the integer 199308..., was stored
    # (the raw number, as an integer) and summed as children.
    number = pnr(15)
    cells = {"antal_barn": "1", "kostnad": "1500"}
    cells[column] = number[2:]
    rows = [f"{pnr(0)};;Enh;Hotell;2025-05-01;;;;{cells['antal_barn']};{cells['kostnad']}"]
    result = read_extract("insatser", write_csv(tmp_path / "x.csv", STAY_HEADER, rows))
    assert result.invalid_rows == [2] and result.valid.height == 0
    assert result.issues[0].column == column and "personnummer" in result.issues[0].reason
    assert_absent(number, result.issues[0].as_text())
    ok = read_extract("insatser", write_csv(tmp_path / "y.csv", STAY_HEADER, [
        f"{pnr(0)};;Enh;Hotell;2025-05-01;;;;2;1 234 567,50"]))
    assert ok.ok and ok.valid["cost"][0] == 1234567.5
