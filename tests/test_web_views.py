"""The web pages do what they say: uploads with errors, mapping, report pages, audit trail,
sign-in lock-out, security headers, language, production settings."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from boendeinventering.inventory.models import ImportBatch, MappingEntry
from boendeinventering.organisation.models import AuditEvent, ImportJob, InventoryYear
from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv
from tests.test_web_access import YEAR, fake_report

ROOT = Path(__file__).resolve().parents[1]


def as_role(users, role) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=users[role][0]))
    return client


def upload(client, path: Path, kind="insatser", on_error="refuse", mode="add"):
    with open(path, "rb") as fh:
        file = SimpleUploadedFile(path.name, fh.read(), content_type="text/csv")
    return client.post(reverse("web:extracts"), {"kind": kind, "file": file, "on_error": on_error, "mode": mode})


def bad_pnr(i: int) -> str:
    number = pnr(i)
    return number[:-1] + str((int(number[-1]) + 1) % 10)  # checksum fails


def test_refused_upload_lists_errors_masked_then_good_file_imports(users, tmp_path):
    client = as_role(users, "coordinator")
    rows = [f"{pnr(1)};;Mottagningsenheten;Hotell;2025-05-01;;;;;",
            f"{bad_pnr(2)};;Mottagningsenheten;Hotell;2025-05-01;;;;;"]
    response = upload(client, write_csv(tmp_path / "fel.csv", STAY_HEADER, rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:import_job", args=[job.id])
    assert job.status == ImportJob.REFUSED and job.rows_invalid == 1 and ImportBatch.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "Avvisad" in page and "person_id" in page and "kontrollsiffra" in page
    assert bad_pnr(2) not in page and bad_pnr(2)[2:] not in page  # the value is masked
    assert AuditEvent.objects.filter(action="import_refused").count() == 1

    response = upload(client, stays_file(tmp_path / "ok.csv", n=4))
    job = ImportJob.objects.order_by("-created_at").first()
    assert job.status == ImportJob.DONE
    batch = ImportBatch.objects.get()
    assert batch.rows_imported == 4 and job.batch_id == batch.id
    state = json.loads(client.get(reverse("web:import_job_status", args=[job.id])).content)
    assert state["finished"] and state["status"] == "done"
    history = client.get(reverse("web:extracts")).content.decode()
    assert batch.file_digest[:12] in history and "ok.csv" in history and "Aktiv" in history
    event = AuditEvent.objects.get(action="import")
    assert "ok.csv" in event.detail and event.username == users["coordinator"][0]


def test_uploaded_file_is_deleted_after_import(users, tmp_path, settings):
    client = as_role(users, "coordinator")
    upload(client, stays_file(tmp_path / "ok.csv", n=2))
    assert list((Path(settings.DATA_DIR) / "uploads").iterdir()) == []


def test_many_errors_are_paginated_and_skip_invalid_keeps_them(users, tmp_path):
    client = as_role(users, "coordinator")
    rows = [f"{pnr(i)};;Enhet;Hotell;2025-05-01;;;;;" for i in range(3)]
    rows += [f"{pnr(10 + i)};;Enhet;Hotell;2025-13-01;;;;;" for i in range(150)]
    upload(client, write_csv(tmp_path / "manga.csv", STAY_HEADER, rows), on_error="skip")
    batch = ImportBatch.objects.get()
    assert batch.rows_imported == 3 and batch.rows_invalid == 150
    url = reverse("web:import_batch", args=[batch.id])
    first = client.get(url).content.decode()
    second = client.get(url + "?sida=2").content.decode()
    assert "150 fel" in first and "Sida 1 av 2" in first and "Sida 2 av 2" in second
    cell = '<td role="cell" data-label="Kolumn">startdatum</td>'  # _issues.html's column cell
    assert first.count(cell) == 100 and second.count(cell) == 50


def test_upload_refuses_other_file_types(users, tmp_path):
    client = as_role(users, "coordinator")
    path = tmp_path / "uttag.pdf"
    path.write_bytes(b"%PDF")
    response = upload(client, path)
    assert response.status_code == 200 and "CSV-fil" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_mapping_editor_lists_names_and_saves(users, tmp_path):
    from boendeinventering.services.imports import import_extract

    import_extract("insatser", stays_file(tmp_path / "a.csv", n=3))  # "Akutboendet Tallen", unmapped
    client = as_role(users, "administrator")
    page = client.get(reverse("web:mapping")).content.decode()
    assert "Akutboendet Tallen" in page and "1 benämning saknar kod" in page
    from boendeinventering.web.views.mapping import field_name

    response = client.post(reverse("web:mapping"), {field_name("Akutboendet Tallen"): "akutboende"})
    assert response.status_code == 302
    assert MappingEntry.objects.get().code == "akutboende"
    event = AuditEvent.objects.get(action="mapping_changed")
    assert "Akutboendet Tallen → akutboende" in event.detail
    assert "0 benämningar saknar kod" in client.get(reverse("web:mapping")).content.decode()


def test_mapping_editor_can_accept_all_suggestions(users, tmp_path):
    from boendeinventering.services.imports import import_extract

    import_extract("insatser", stays_file(tmp_path / "a.csv", n=2))
    client = as_role(users, "coordinator")
    client.post(reverse("web:mapping"), {"use_suggestions": "1"})
    assert MappingEntry.objects.get().code == "akutboende"


@pytest.fixture
def fake_figures(monkeypatch):
    monkeypatch.setattr("boendeinventering.web.views.reports.get_report", fake_report)
    monkeypatch.setattr("boendeinventering.web.figures_view.get_report", fake_report)


def test_report_page_shows_dash_footnote_and_swedish_numbers(users, fake_figures):
    InventoryYear.objects.filter(year=YEAR).update(published_at="2025-03-05T10:00:00Z")
    page = as_role(users, "reader").get(reverse("web:report", args=[YEAR])).content.decode()
    assert "Uppgiften har tagits bort för att skydda enskilda personers integritet" in page
    assert '<td class="num">–</td>' in page
    assert "1\u00a0234" in page  # thousands with a no-break space
    assert "<svg" in page and "Akut hemlöshet" in page  # chart of persons per situation
    assert AuditEvent.objects.filter(action__startswith="unprotected").count() == 0


def test_unprotected_view_and_download_are_audited(users, fake_figures):
    client = as_role(users, "coordinator")
    page = client.get(reverse("web:report_unprotected", args=[YEAR])).content.decode()
    assert "EJ RÖJANDESKYDDAD" in page and "Uppgiften har tagits bort" not in page
    response = client.get(reverse("web:report_unprotected_download", args=[YEAR, "json"]))
    assert response.status_code == 200
    assert "ej-rojandeskyddad" in response["Content-Disposition"]
    assert json.loads(response.content)["protected"] is False
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "unprotected_viewed" in actions and "unprotected_downloaded" in actions
    quality = client.get(reverse("web:quality", args=[YEAR])).content.decode()
    assert "4\u00a0321" in quality and AuditEvent.objects.filter(action="quality_viewed").exists()


def test_protected_download_formats(users, fake_figures):
    client = as_role(users, "coordinator")
    data = json.loads(client.get(reverse("web:report_download", args=[YEAR, "json"])).content)
    assert data["protected"] is True
    xlsx = client.get(reverse("web:report_download", args=[YEAR, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("web:report_download", args=[YEAR, "odt"])).status_code == 404


def test_unmapped_names_give_a_friendly_page(users, monkeypatch):
    from boendeinventering.core.classify import UnmappedNamesError

    def unmapped(*args, **kwargs):
        raise UnmappedNamesError([("Akutboendet Tallen", "akutboende")])

    monkeypatch.setattr("boendeinventering.web.views.reports.get_report", unmapped)
    response = as_role(users, "coordinator").get(reverse("web:report", args=[YEAR]))
    page = response.content.decode()
    assert response.status_code == 200 and "Akutboendet Tallen" in page and reverse("web:mapping") in page


def test_publish_lets_readers_in_and_is_audited(users, fake_figures):
    reader = as_role(users, "reader")
    assert reader.get(reverse("web:report", args=[YEAR])).status_code == 404
    response = as_role(users, "coordinator").post(reverse("web:publish", args=[YEAR]),
                                                  {"action": "publish", "confirmed": "1"})
    assert response.status_code == 302
    assert InventoryYear.objects.get(year=YEAR).published_at is not None
    assert AuditEvent.objects.filter(action="published").exists()
    assert reader.get(reverse("web:report", args=[YEAR])).status_code == 200
    assert str(YEAR) in reader.get(reverse("web:home")).content.decode()


@pytest.mark.parametrize("url_name", ["web:report", "web:report_download"])
def test_failed_disclosure_audit_does_not_show_true_values_to_a_reader(users, monkeypatch, url_name):
    # The audit's text lists each suppressed cell with its true value ("Sant värde"); the
    # report page showed it whole to anyone who may see the protected report.
    from django.utils import timezone

    from boendeinventering.core.protect import DisclosureError
    from boendeinventering.organisation.models import InventoryYear
    from tests.test_web_access import YEAR

    def failing(year, protected=True, **_):
        raise DisclosureError("Röjandekontrollen underkände tabellerna; inget skrevs.\n"
                              "Tabell  Rad  Mått  Sant värde\npersons_by_kod  1, hotell  Personer  SECRET-TRUE-3\n")

    monkeypatch.setattr("boendeinventering.web.views.reports.get_report", failing)
    monkeypatch.setattr("boendeinventering.web.figures_view.get_report", failing)
    InventoryYear.objects.update_or_create(year=YEAR, defaults={"published_at": timezone.now()})
    args = [YEAR] if url_name == "web:report" else [YEAR, "json"]
    page = as_role(users, "reader").get(reverse(url_name, args=args)).content.decode()
    assert "Röjandekontrollen underkände" in page and "SECRET-TRUE-3" not in page
    # the coordinator, who may see unprotected figures anyway, still gets the whole audit
    page = as_role(users, "coordinator").get(reverse(url_name, args=args)).content.decode()
    assert "SECRET-TRUE-3" in page


def test_year_creation_participation_and_status(users):
    from boendeinventering.organisation.models import Unit

    client = as_role(users, "coordinator")
    assert client.post(reverse("web:years"), {"year": 2026}).status_code == 302
    unit = Unit.objects.get(name="Beroendeenheten")
    response = client.post(reverse("web:year", args=[2026]),
                           {"unit": unit.pk, "contact_name": "Kim Kontakt", "deadline": "2027-03-05"})
    assert response.status_code == 302
    page = client.get(reverse("web:year", args=[2026])).content.decode()
    assert "Kim Kontakt" in page and "5 mars 2027" in page and "inte importerat" in page
    assert f'data-testid="submitted-{unit.pk}">0<' in page  # from reporting.services.unit_status


def test_login_audit_and_lockout_after_five_failures(users):
    client = Client()
    name, password = users["reader"]
    response = client.post(reverse("web:login"), {"username": name, "password": password})
    assert response.status_code == 302 and AuditEvent.objects.filter(action="login", username=name).exists()
    client = Client()
    for _ in range(5):
        page = client.post(reverse("web:login"), {"username": name, "password": "fel"})
    assert AuditEvent.objects.filter(action="login_failed", username=name).count() >= 4
    # Locked: even the right password is refused, with the Swedish lock-out page.
    response = client.post(reverse("web:login"), {"username": name, "password": password})
    assert "Kontot är tillfälligt spärrat" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out").exists()
    assert page.status_code in (200, 429)


def test_security_headers(users):
    response = as_role(users, "coordinator").get(reverse("web:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()  # no inline scripts anywhere on the page


def test_language_switch_to_english(users):
    client = as_role(users, "coordinator")
    assert '<html lang="sv">' in client.get(reverse("web:home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("web:home"))
    assert '<html lang="en">' in response.content.decode() and response["Content-Language"] == "en"


def test_demo_users_are_idempotent(users):
    from boendeinventering.organisation.models import Participation
    from boendeinventering.services.users import create_demo_users

    again = create_demo_users(YEAR)
    assert [(n, r) for n, _p, r, _u in again] == [
        ("admin", "administrator"), ("samordnare", "coordinator"), ("rapportor", "reporter"), ("lasare", "reader")]
    assert get_user_model().objects.count() == 4
    assert Participation.objects.filter(inventory_year__year=YEAR).count() == 5
    assert get_user_model().objects.get(username="rapportor").check_password(again[2][1])


def test_cli_user_create(installed, monkeypatch, capsys):
    from boendeinventering.cli_commands import run
    from boendeinventering.cli import _parser

    monkeypatch.setenv("BOINV_PASSWORD", "ett-långt-lösenord-för-test")
    args = _parser().parse_args(["user", "create", "kim", "--role", "reporter", "--unit", "Socialpsykiatrin"])
    assert run(args) == 0
    user = get_user_model().objects.get(username="kim")
    assert user.check_password("ett-långt-lösenord-för-test") and user.profile.unit.name == "Socialpsykiatrin"
    args = _parser().parse_args(["user", "create", "lo", "--role", "reporter"])
    assert run(args) == 1 and "enhet" in capsys.readouterr().err


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "BOINV_PRODUCTION": "1", "BOINV_SECRET_KEY": secrets.token_urlsafe(60),
           "BOINV_ALLOWED_HOSTS": "boinv.kommun.example", "BOINV_DATA_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "boendeinventering.settings"}
    for name in ("BOINV_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests set the latter
        env.pop(name, None)
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_report_pages_with_real_figures_from_imported_extracts(users, tmp_path):
    """No stand-in: the demo municipality's extracts imported, then the pages computed for real."""
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import imports, mapping

    files = generate_demo(tmp_path / "uttag", persons=200, seed=5, year=YEAR)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        imports.import_extract(kind, getattr(files, kind))
    coordinator = as_role(users, "coordinator")
    protected = coordinator.get(reverse("web:report", args=[YEAR]))
    assert protected.status_code == 200
    page = protected.content.decode()
    assert "Akut hemlöshet" in page and ">–<" in page
    assert "Uppgiften har tagits bort för att skydda enskilda personers integritet" in page
    internal = coordinator.get(reverse("web:report_unprotected", args=[YEAR]))
    assert internal.status_code == 200 and ">–<" not in internal.content.decode()
    download = coordinator.get(reverse("web:report_download", args=[YEAR, "json"]))
    body = b"".join(download.streaming_content) if download.streaming else download.content
    exported = json.loads(body)
    assert exported["protected"] is True and exported["tables"]["persons_by_kod"]["rows"]


def test_restart_cleans_up_interrupted_uploads(users):
    from boendeinventering.services import tasks

    leftover = tasks.upload_dir() / "avbruten.csv"
    leftover.write_text("person_id;enhet\n", encoding="utf-8")
    job = ImportJob.objects.create(id="00000000-0000-0000-0000-000000000001", kind="insatser",
                                   file_name="x.csv", status=ImportJob.RUNNING)
    assert tasks.recover_after_restart() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED and "ladda upp filen igen" in job.message
    assert not leftover.exists()


def test_upload_is_tagged_with_the_chosen_inventory_year(users, tmp_path):
    coordinator = as_role(users, "coordinator")
    page = coordinator.get(reverse("web:extracts")).content.decode()
    assert 'name="year"' in page and f'value="{YEAR}" selected' in page.replace("  ", " ")
    path = stays_file(tmp_path / "a.csv", n=3)
    with open(path, "rb") as fh:
        file = SimpleUploadedFile(path.name, fh.read(), content_type="text/csv")
    coordinator.post(reverse("web:extracts"), {"kind": "insatser", "file": file, "on_error": "refuse",
                                               "mode": "add", "year": str(YEAR)})
    assert ImportBatch.objects.get().year == YEAR


def test_readers_see_the_report_as_published_not_later_imports(users, tmp_path):
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import imports, mapping

    files = generate_demo(tmp_path / "uttag", persons=200, seed=8, year=YEAR)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        imports.import_extract(kind, getattr(files, kind), year=YEAR)
    coordinator, reader = as_role(users, "coordinator"), as_role(users, "reader")
    coordinator.post(reverse("web:publish", args=[YEAR]), {"action": "publish", "confirmed": "1"})

    def persons_in_situation_1(client):
        body = client.get(reverse("web:report_download", args=[YEAR, "json"])).content
        rows = json.loads(body)["tables"]["persons_by_situation"]["rows"]
        return next(r["persons"] for r in rows if r["situation"] == 1)

    published = persons_in_situation_1(reader)
    more = write_csv(tmp_path / "fler.csv", STAY_HEADER,
                     [f"{pnr(300 + i)};;Mottagningsenheten;Hotell Baltic;{YEAR}-06-01;;;;;" for i in range(10)])
    # the small file lacks columns the demo's extract had: confirmed, as the user would
    imports.import_extract("insatser", more, year=YEAR, accept_columns=True)
    assert persons_in_situation_1(reader) == published  # frozen at publication
    assert persons_in_situation_1(coordinator) == published + 10  # the coordinator previews the live figures
    # issue 7.8: the preview is marked in the file name and inside, the published file is not
    preview = coordinator.get(reverse("web:report_download", args=[YEAR, "json"]))
    assert preview["Content-Disposition"] == f'attachment; filename="inventering-{YEAR}-ej-publicerad.json"'
    assert json.loads(preview.content)["publication_status"] == "ej publicerad"
    frozen = reader.get(reverse("web:report_download", args=[YEAR, "json"]))
    assert frozen["Content-Disposition"] == f'attachment; filename="inventering-{YEAR}.json"'
    assert json.loads(frozen.content)["publication_status"] == "publicerad"
    docx_preview = coordinator.get(reverse("web:report_download", args=[YEAR, "docx"]))
    assert "ej-publicerad.docx" in docx_preview["Content-Disposition"]
    import io

    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(docx_preview.content)).paragraphs)
    assert "EJ PUBLICERAD – förhandsversion" in text
    page = reader.get(reverse("web:report", args=[YEAR])).content.decode()
    assert "Akut hemlöshet" in page
    coordinator.post(reverse("web:publish", args=[YEAR]), {"action": "publish", "confirmed": "1"})  # publish again
    assert persons_in_situation_1(reader) == published + 10
