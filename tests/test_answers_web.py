"""The answers end to end: the demo's forms reach the protected report as audited tables and the
ten answers; the coordinator's page stores comments and dismissals (audit-logged) that the
published report carries; readers cannot reach the page; an axe check of the page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from boendeinventering.core.demo_data import generate_demo, load_test_numbers
from boendeinventering.organisation.models import AuditEvent, InventoryYear
from tests.test_answers_core import check_numbers, stated_numbers

YEAR = 2025


def import_demo(tmp_path, persons=600, seed=3):
    from boendeinventering.services import imports, mapping
    from boendeinventering.services.demo_forms import submit_demo_forms

    files = generate_demo(tmp_path / "uttag", persons=persons, seed=seed, year=YEAR)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        imports.import_extract(kind, getattr(files, kind), year=YEAR)
    return submit_demo_forms(YEAR)


@pytest.fixture
def users(installed, settings):
    from boendeinventering.services.users import create_demo_users

    settings.BOINV_TASKS_SYNC = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {role: (name, pw) for name, pw, role, _unit in create_demo_users(YEAR)}


def as_role(users, role) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=users[role][0]))
    return client


def test_demo_report_answers_rest_on_audited_cells(users, tmp_path):
    from boendeinventering.reporting.services import extract_contract_households
    from boendeinventering.services.figures import build_report

    assert import_demo(tmp_path) == 12
    report = build_report(YEAR, protected=True)  # raises unless the audit of every table passes
    form_ids = {t for t in report.tables if t.startswith("form_")}
    assert {"form_utan_tak", "form_situation4", "form_sociala_kontrakt", "form_forturer", "form_avhysning",
            "form_uppsokande", "form_samarbetspartner"} <= form_ids
    assert [a.id for a in report.answers] == [f"q{i}" for i in range(1, 11)]
    assert all(a.status in ("answered", "partly") for a in report.answers), [a.status for a in report.answers]
    assert all(a.text and a.figures or a.id == "q6" for a in report.answers)
    check_numbers(report)
    # q1 states A(Y): the persons of acute_persons_by_sex (every sex cell published in the demo)
    acute = report.tables["acute_persons_by_sex"]
    assert all(not r["suppressed"] for r in acute.rows)
    a_y = sum(r["persons"] for r in acute.rows)
    assert a_y in stated_numbers(report.answers[0].text)
    # the BME comparison uses de-duplicated situation-3 households, not the sum over codes
    s3 = next(r for r in report.tables["persons_by_situation"].rows if r["situation"] == 3)["households"]
    by_code = sum(r["households"] or 0 for r in report.tables["persons_by_kod"].rows if r["situation"] == 3)
    assert extract_contract_households(YEAR) == s3 != by_code
    assert f"{s3} hushåll" in report.answers[9].text.replace("\u00a0", "")
    assert report.recommendation is not None and report.signals
    # the unprotected report states its own (true) figures and carries the same answers
    internal = build_report(YEAR, protected=False)
    assert [a.id for a in internal.answers] == [a.id for a in report.answers]
    check_numbers(internal)


def test_drafts_never_reach_the_report(users, tmp_path):
    from boendeinventering.reporting.models import UnitReport
    from boendeinventering.services.figures import build_report

    import_demo(tmp_path, persons=300)
    UnitReport.objects.filter(kind="uppsokande").update(status=UnitReport.Status.DRAFT)
    report = build_report(YEAR, protected=True)
    assert "form_uppsokande" not in report.tables
    assert "form:uppsokande" not in report.answers[6].sources


def test_coordinator_writes_texts_that_the_report_and_its_publication_carry(users, tmp_path):
    from boendeinventering.services.figures import build_report

    import_demo(tmp_path, persons=300)
    client = as_role(users, "coordinator")
    url = reverse("reporting:answers", args=[YEAR])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hur många har beviljats akuta boendelösningar under året?" in html
    assert "Behovssignaler" in html and "Rekommendation" in html
    # sources in the report's words, not the program's codes (form:utan_tak, insatser)
    sources = re.findall(r"Källor: ([^<]*)</p>", html)
    assert len(sources) == 10 and "Insatser (uttag ur verksamhetssystemet)" in sources[0]
    assert any("Enheternas formulär ”Avhysningsförebyggande arbete”" in s for s in sources)
    assert not [s for s in sources if "form:" in s or re.search(r"(^|; )[a-z]", s)], sources
    signal_id = build_report(YEAR).signals[0].id
    response = client.post(url, {"introduction": "Årets inventering.", "conclusions": "Fler platser behövs.",
                                 "answer-q1": "Antalet har ökat.", f"signal-{signal_id}": "Redan känt.",
                                 f"dismiss-{signal_id}": "1"})
    assert response.status_code == 302
    report = build_report(YEAR)  # the cache follows the texts
    assert report.introduction == "Årets inventering." and report.conclusions == "Fler platser behövs."
    assert report.answers[0].comment == "Antalet har ökat."
    signal = next(s for s in report.signals if s.id == signal_id)
    assert signal.status == "dismissed" and signal.comment == "Redan känt."
    event = AuditEvent.objects.filter(action="report_text_changed").get()
    assert "Inledning" in event.detail and signal_id in event.detail
    # a dismissed signal is no longer listed as a need in q6
    assert signal.title.lower() not in report.answers[5].text
    # the same post again changes nothing and logs nothing
    client.post(url, {"introduction": "Årets inventering.", "conclusions": "Fler platser behövs.",
                      "answer-q1": "Antalet har ökat.", f"signal-{signal_id}": "Redan känt.",
                      f"dismiss-{signal_id}": "1"})
    assert AuditEvent.objects.filter(action="report_text_changed").count() == 1
    # publishing freezes the texts with the figures
    client.post(reverse("web:publish", args=[YEAR]), {"action": "publish", "confirmed": "1"})
    from boendeinventering.core.report.snapshot import report_from_snapshot

    published = report_from_snapshot(InventoryYear.objects.get(year=YEAR).published_report)
    assert published.answers[0].comment == "Antalet har ökat." and published.introduction == "Årets inventering."
    assert len(published.answers) == 10


def test_texts_with_a_personnummer_are_refused(users, installed):
    client = as_role(users, "coordinator")
    url = reverse("reporting:answers", args=[YEAR])
    response = client.post(url, {"introduction": f"Gäller {load_test_numbers()[0]}.", "conclusions": ""})
    assert response.status_code == 400
    assert "personnummer" in response.content.decode()
    from boendeinventering.reporting.models import ReportText

    assert not ReportText.objects.exists()


@pytest.mark.parametrize("role", ["reader", "reporter"])
def test_only_coordinators_reach_the_page(users, role):
    response = as_role(users, role).get(reverse("reporting:answers", args=[YEAR]))
    assert response.status_code == 403


def test_page_without_figures_still_takes_texts(users):
    client = as_role(users, "coordinator")
    url = reverse("reporting:answers", args=[YEAR])
    assert client.get(url).status_code == 200  # no extracts: the report cannot be built, the page says so
    assert client.post(url, {"introduction": "Utkast.", "conclusions": ""}).status_code == 302
    from boendeinventering.reporting.services import report_texts

    assert report_texts(YEAR)["introduction"] == "Utkast."


def test_answers_page_passes_axe(site, page, tmp_path):
    from tests.browser_helpers import login
    from tests.test_accessibility import check_pages

    import_demo(tmp_path, persons=200)
    login(page, site, "coordinator")
    found = check_pages(page, site, [f"/ar/{YEAR}/svar/"])
    assert not found, "\n".join(found)


def test_cellkey_method_protects_the_form_tables_too(users, tmp_path, settings):
    """Under the cell-key method the forms' counts get noise like the register's (their cell keys are
    derived from the cell, there being no records), and the answers state the noisy figures."""
    from boendeinventering.services.figures import build_report

    settings.BOINV_DISCLOSURE_METHOD = "cellkey"
    import_demo(tmp_path, persons=300)
    truth = build_report(YEAR, protected=False)
    report = build_report(YEAR, protected=True)
    assert report.tables["form_utan_tak"].rows[0]["persons"] is not None
    diffs = [abs(r[m] - t[m])
             for tid in ("form_utan_tak_by_sex", "form_forturer_by_group", "form_sociala_kontrakt_by_kod")
             for r, t in zip(report.tables[tid].rows, truth.tables[tid].rows)
             for m in report.tables[tid].measures if isinstance(r.get(m), int)]
    assert max(diffs) <= settings.BOINV_CELLKEY_D and any(diffs)
    assert all(not (1 <= (r.get("persons") or 0) <= settings.BOINV_CELLKEY_JS)
               for r in report.tables["form_utan_tak_by_sex"].rows)
    assert "_cell_keys" not in str(report.tables["form_utan_tak"].rows)
    check_numbers(report)
    assert build_report(YEAR, protected=True).tables["form_utan_tak_by_sex"].rows == \
        report.tables["form_utan_tak_by_sex"].rows  # the same noise every time


def test_published_files_with_forms_hide_small_counts_and_pass_the_audit(users, tmp_path):
    """The forms' tables in the files a municipality publishes: the same checks as the register's
    (tests/test_published_outputs.py): no count 1–4, hidden cells null, the LP audit of the JSON passes."""
    from boendeinventering.services import figures
    from tests.test_published_outputs import _check_html, _check_json, _check_xlsx

    import_demo(tmp_path, persons=400)
    out = {fmt: figures.export(YEAR, fmt, tmp_path / f"rapport.{fmt}") for fmt in ("json", "xlsx", "html")}
    truth = figures.export(YEAR, "json", tmp_path / "internt.json", unprotected=True)
    published, suppressed = _check_json(out["json"], truth)
    assert {"form_utan_tak_by_sex", "form_forturer_by_group"} <= set(published["tables"])
    assert any(r.get("suppressed") for r in published["tables"]["form_forturer_by_group"]["rows"])
    _check_xlsx(out["xlsx"], suppressed)
    _check_html(out["html"], suppressed)


def test_demo_gives_content_to_all_ten_answers(installed, tmp_path):
    """`boinv demo` submits a few units' forms, so a newcomer sees every answer with content; running
    it again changes nothing."""
    from boendeinventering.services.demo import run_demo
    from boendeinventering.services.demo_forms import DEMO_FORMS, submit_demo_forms
    from boendeinventering.services.figures import build_report

    lines: list[str] = []
    run_demo(tmp_path / "demo", persons=300, echo=lines.append)
    # the last year's 12 forms, and the eviction form of each of the two years before (evictions year by year)
    assert any("14 formulär inskickade" in line for line in lines)
    assert any(f"/ar/{YEAR}/svar/" in line for line in lines)
    assert submit_demo_forms(YEAR) == 0
    report = build_report(YEAR)
    assert sum(len(forms) for forms in DEMO_FORMS.values()) == 12
    assert all(a.status != "no_data" and len(a.text) > 80 for a in report.answers), \
        [(a.id, a.status) for a in report.answers]
    forms_used = {s for a in report.answers for s in a.sources if s.startswith("form:")}
    assert forms_used == {f"form:{k}" for k in ("utan_tak", "situation4", "sociala_kontrakt", "forturer",
                                                 "avhysning", "uppsokande", "medarbetarkunskap", "samarbetspartner")}
    check_numbers(report)
