"""Supplementary unit forms (reporting app): validation, draft -> submit -> reopen, access, status, summary."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from boendeinventering.organisation.models import InventoryYear, Participation, Profile, Role, Unit
from boendeinventering.reporting import services
from boendeinventering.reporting.forms import MSG_BOTH, MSG_EMPTY, MSG_NEGATIVE, SUBMIT, ReportForm, form_data
from boendeinventering.reporting.kinds import KINDS, MISSING
from boendeinventering.reporting.models import UnitReport, UnitReportEvent

UTAN_TAK_NUMBERS = [n.name for n in KINDS["utan_tak"].numbers()]


def utan_tak(**values):
    """A complete utan_tak answer: every number 'saknas' unless given."""
    answers = {name: MISSING for name in UTAN_TAK_NUMBERS}
    answers.update(values)
    return answers


def errors_of(kind, answers, mode):
    with pytest.raises(services.InvalidAnswers) as info:
        services.validate(kind, answers, mode)
    return info.value.errors


# --- validation (no database) -------------------------------------------------------------------

def test_negative_number_is_refused_even_in_draft():
    errors = errors_of("utan_tak", {"antal": -1}, "draft")
    assert errors["antal"] == [MSG_NEGATIVE]


def test_non_integer_is_refused():
    errors = errors_of("situation4", {"antal": "tolv"}, "draft")
    assert "antal" in errors


def test_sex_breakdown_above_total_is_refused():
    errors = errors_of("utan_tak", {"antal": 5, "kvinnor": 3, "man": 2, "okant_kon": 1}, "draft")
    # the rule, then the figures it compares, so the reporter sees what to change
    assert errors["__all__"] == ["Fördelningen efter kön är större än antalet personer. Kvinnor 3, män 2 och "
                                 "okänt kön 1 är tillsammans 6, men uppskattat antal personer under året är 5."]
    one = errors_of("situation4", {"antal": 3, "med_barn": 4}, "draft")["__all__"]
    assert one == ["Antalet med barn är större än antalet personer. Varav personer med barn under 18 år i "
                   "hushållet 4 är fler än uppskattat antal personer under året, som är 3."]
    # equal to the total is fine, and a part marked 'saknas' does not count
    assert services.validate("utan_tak", {"antal": 5, "kvinnor": 3, "man": 2, "okant_kon": MISSING}, "draft")


def test_parts_are_not_checked_against_a_missing_total():
    answers = services.validate("utan_tak", utan_tak(antal=MISSING, kvinnor=7, man=9), SUBMIT)
    assert answers["antal"] == MISSING and answers["kvinnor"] == 7


def test_of_which_rules():
    assert errors_of("situation4", {"antal": 3, "med_barn": 4}, "draft")["__all__"]
    assert errors_of("avhysning", {"arenden": 2, "avvarjda": 3}, "draft")["__all__"]
    assert errors_of("avhysning", {"genomforda": 1, "genomforda_barn": 2}, "draft")["__all__"]
    assert errors_of("sociala_kontrakt", {"socialt_kontrakt": 10, "socialt_overtagna": 11}, "draft")["__all__"]
    # averted + carried out may exceed handled cases (evictions without a case), so that is allowed
    assert services.validate("avhysning", {"arenden": 2, "avvarjda": 2, "genomforda": 5}, "draft")


def test_number_together_with_missing_is_refused():
    data = form_data(KINDS["utan_tak"], {"antal": 4})
    data["antal_saknas"] = "on"
    form = ReportForm(KINDS["utan_tak"], data, mode="draft")
    assert not form.is_valid()
    assert form.error_messages()["antal"] == [MSG_BOTH]


def test_empty_numbers_allowed_in_draft_but_not_on_submit():
    answers = services.validate("utan_tak", {"antal": 3}, "draft")
    assert answers["antal"] == 3 and answers["kvinnor"] is None
    errors = errors_of("utan_tak", {"antal": 3}, SUBMIT)
    assert set(errors) == set(UTAN_TAK_NUMBERS) - {"antal"}
    assert all(msgs == [MSG_EMPTY] for msgs in errors.values())
    assert services.validate("utan_tak", utan_tak(antal=3), SUBMIT)["kvinnor"] == MISSING


def test_not_applicable_needs_no_numbers_but_refuses_filled_answers():
    assert services.validate("avhysning", {"ej_aktuellt": True}, SUBMIT) == {"ej_aktuellt": True}
    errors = errors_of("avhysning", {"ej_aktuellt": True, "arenden": 4}, SUBMIT)
    assert "ej aktuellt" in errors["__all__"][0]


def test_partner_rows_validated_and_empty_rows_dropped():
    kind = "samarbetspartner"
    assert "__all__" in errors_of(kind, {"rader": []}, SUBMIT)  # at least one row on submit
    assert services.validate(kind, {"rader": []}, "draft")["rader"] == []
    errors = errors_of(kind, {"rader": [{"ser": "Unga som sover hos kompisar", "antal": 3}]}, "draft")
    assert "rader-0-organisation" in errors
    errors = errors_of(kind, {"rader": [{"organisation": "Stadsmissionen"}]}, SUBMIT)
    assert errors["rader-0-antal"] == [MSG_EMPTY]
    answers = services.validate(kind, {"rader": [{"organisation": "Stadsmissionen", "typ": "civilsamhalle",
                                                  "antal": 12}, {}]}, SUBMIT)
    assert answers["rader"] == [{"organisation": "Stadsmissionen", "typ": "civilsamhalle", "ser": "", "antal": 12}]


def test_unknown_keys_and_choices_are_not_stored():
    answers = services.validate("utan_tak", {"antal": 2, "personnummer": "x", "platser": ["talt"]}, "draft")
    assert "personnummer" not in answers and answers["platser"] == ["talt"]
    assert "platser" in errors_of("utan_tak", {"platser": ["palats"]}, "draft")


# --- database fixtures --------------------------------------------------------------------------

def make_user(username, role, unit=None):
    user = get_user_model().objects.create_user(username=username, password=None)
    Profile.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def world(db):
    year = InventoryYear.objects.create(year=2025, is_open=True)
    closed = InventoryYear.objects.create(year=2024, is_open=False)
    a = Unit.objects.create(name="Mottagningsenheten")
    b = Unit.objects.create(name="Ekonomiskt bistånd")
    outsider = Unit.objects.create(name="Äldreomsorgen")
    for unit in (a, b):
        Participation.objects.create(inventory_year=year, unit=unit)
        Participation.objects.create(inventory_year=closed, unit=unit)
    return {
        "year": year, "closed": closed, "a": a, "b": b, "outsider": outsider,
        "rep_a": make_user("anna", Role.REPORTER, a),
        "rep_b": make_user("bertil", Role.REPORTER, b),
        "rep_out": make_user("olle", Role.REPORTER, outsider),
        "coord": make_user("cecilia", Role.COORDINATOR),
        "admin": make_user("adam", Role.ADMIN),
        "reader": make_user("rut", Role.READER),
    }


# --- draft -> submit -> reopen --------------------------------------------------------------------

def test_draft_submit_reopen_flow_keeps_history(world):
    w = world
    report = services.save_draft(w["rep_a"], w["year"], w["a"], "utan_tak", {"antal": 4})
    assert report.status == UnitReport.Status.DRAFT and report.data["antal"] == 4

    report = services.submit(w["rep_a"], w["year"], w["a"], "utan_tak", utan_tak(antal=4, kvinnor=1))
    assert report.status == UnitReport.Status.SUBMITTED
    assert report.submitted_by == w["rep_a"] and report.submitted_at is not None

    with pytest.raises(services.ReportLocked):
        services.save_draft(w["rep_a"], w["year"], w["a"], "utan_tak", {"antal": 5})
    with pytest.raises(PermissionDenied):
        services.reopen(w["rep_a"], report, "vill ändra")
    with pytest.raises(services.ReportingError):
        services.reopen(w["coord"], report, "   ")

    report = services.reopen(w["coord"], report, "Fel antal kvinnor")
    assert report.status == UnitReport.Status.DRAFT
    with pytest.raises(services.ReportLocked):  # a draft cannot be reopened
        services.reopen(w["coord"], report, "igen")

    services.save_draft(w["rep_a"], w["year"], w["a"], "utan_tak", utan_tak(antal=4, kvinnor=2))
    report = services.submit(w["rep_a"], w["year"], w["a"], "utan_tak", utan_tak(antal=4, kvinnor=2))
    assert report.data["kvinnor"] == 2

    events = list(report.events.values_list("action", "username", "reason"))
    assert events == [
        ("saved", "anna", ""), ("submitted", "anna", ""), ("reopened", "cecilia", "Fel antal kvinnor"),
        ("saved", "anna", ""), ("submitted", "anna", ""),
    ]
    from boendeinventering.organisation.models import AuditEvent
    reopened = AuditEvent.objects.get(action="form_reopened")
    assert reopened.username == "cecilia" and "Fel antal kvinnor" in reopened.detail
    assert AuditEvent.objects.filter(action="form_submitted", username="anna").count() == 2


def test_invalid_submit_changes_nothing(world):
    w = world
    services.save_draft(w["rep_a"], w["year"], w["a"], "situation4", {"antal": 2})
    with pytest.raises(services.InvalidAnswers):
        services.submit(w["rep_a"], w["year"], w["a"], "situation4", {"antal": 2, "med_barn": 3})
    report = UnitReport.objects.get(kind="situation4")
    assert report.status == UnitReport.Status.DRAFT and report.data["med_barn"] is None


def test_service_refuses_other_unit_closed_year_and_staff_edits(world):
    w = world
    with pytest.raises(PermissionDenied):
        services.save_draft(w["rep_b"], w["year"], w["a"], "utan_tak", {"antal": 1})
    with pytest.raises(PermissionDenied):
        services.save_draft(w["coord"], w["year"], w["a"], "utan_tak", {"antal": 1})
    with pytest.raises(services.ReportLocked):
        services.save_draft(w["rep_a"], w["closed"], w["a"], "utan_tak", {"antal": 1})
    with pytest.raises(services.ReportLocked):  # not taking part this year
        services.save_draft(w["rep_out"], w["year"], w["outsider"], "utan_tak", {"antal": 1})
    assert not UnitReport.objects.exists()


# --- views and access -----------------------------------------------------------------------------

def form_url(w, unit="a", kind="utan_tak", year=2025):
    return reverse("reporting:form", kwargs={"year": year, "unit_id": w[unit].pk, "kind": kind})


def list_url(w, unit="a", year=2025):
    return reverse("reporting:unit_forms", kwargs={"year": year, "unit_id": w[unit].pk})


def test_reporter_fills_in_saves_draft_and_submits_through_the_pages(world, client):
    w = world
    client.force_login(w["rep_a"])
    page = client.get(list_url(w))
    assert page.status_code == 200
    assert "Personer som sover utan tak över huvudet" in page.content.decode()

    page = client.get(form_url(w))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="antal_saknas"' in html and 'value="submit"' in html

    response = client.post(form_url(w), {"antal": "6", "kvinnor": "2", "action": "draft"})
    assert response.status_code == 302
    report = UnitReport.objects.get(unit=w["a"], kind="utan_tak")
    assert report.status == "draft" and report.data["kvinnor"] == 2

    # submit with empty numbers: errors shown, nothing submitted
    response = client.post(form_url(w), {"antal": "6", "kvinnor": "2", "action": "submit"})
    assert response.status_code == 200
    assert "Formuläret innehåller fel" in response.content.decode()
    assert MSG_EMPTY in response.content.decode()
    assert UnitReport.objects.get(pk=report.pk).status == "draft"

    data = form_data(KINDS["utan_tak"], utan_tak(antal=6, kvinnor=2))
    response = client.post(form_url(w), {**data, "action": "submit"})
    assert response.status_code == 302
    assert UnitReport.objects.get(pk=report.pk).status == "submitted"

    # submitted: read-only for the reporter, and posting again is refused
    html = client.get(form_url(w)).content.decode()
    assert 'value="submit"' not in html and "Inskickat" in html
    changed = form_data(KINDS["utan_tak"], utan_tak(antal=7))
    response = client.post(form_url(w), {**changed, "action": "draft"}, follow=True)
    assert "redan inskickat" in response.content.decode()
    report = UnitReport.objects.get(pk=report.pk)
    assert report.status == "submitted" and report.data["antal"] == 6


def test_partner_rows_through_the_page(world, client):
    w = world
    client.force_login(w["rep_a"])
    html = client.get(form_url(w, kind="samarbetspartner")).content.decode()
    assert 'name="rader-TOTAL_FORMS"' in html
    post = {"rader-TOTAL_FORMS": "3", "rader-INITIAL_FORMS": "0", "action": "submit",
            "rader-0-organisation": "Brukarrådet", "rader-0-typ": "brukarrad", "rader-0-antal": "8",
            "rader-1-organisation": "Kyrkan", "rader-1-antal_saknas": "on"}
    assert client.post(form_url(w, kind="samarbetspartner"), post).status_code == 302
    report = UnitReport.objects.get(kind="samarbetspartner")
    assert [r["organisation"] for r in report.data["rader"]] == ["Brukarrådet", "Kyrkan"]
    assert report.data["rader"][1]["antal"] == MISSING


def test_reporter_cannot_see_other_units_forms(world, client):
    w = world
    services.submit(w["rep_a"], w["year"], w["a"], "utan_tak", utan_tak(antal=9, metod="Enhetens egen metodtext"))
    client.force_login(w["rep_b"])
    assert client.get(list_url(w, "a")).status_code == 403
    response = client.get(form_url(w, "a"))
    assert response.status_code == 403 and "Enhetens egen metodtext" not in response.content.decode()
    assert client.post(form_url(w, "a"), {"antal": "1", "action": "draft"}).status_code == 403
    assert client.get(reverse("reporting:summary", kwargs={"year": 2025})).status_code == 403
    assert client.get(list_url(w, "b")).status_code == 200
    assert UnitReport.objects.get(unit=w["a"]).data["antal"] == 9


def test_reader_has_no_access(world, client):
    w = world
    client.force_login(w["reader"])
    for url in (reverse("reporting:index"), list_url(w), form_url(w),
                reverse("reporting:summary", kwargs={"year": 2025})):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(form_url(world))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_unknown_year_unit_or_kind_is_404(world, client):
    w = world
    client.force_login(w["coord"])
    assert client.get(form_url(w, kind="okand")).status_code == 404
    assert client.get(form_url(w, year=1999)).status_code == 404
    assert client.get(list_url(w, "outsider")).status_code == 404  # not taking part


def test_closed_year_is_read_only(world, client):
    w = world
    client.force_login(w["rep_a"])
    page = client.get(form_url(w, year=2024))
    assert page.status_code == 200
    html = page.content.decode()
    assert "stängt" in html and 'value="submit"' not in html
    assert client.post(form_url(w, year=2024), {"antal": "1", "action": "draft"}).status_code == 403
    assert not UnitReport.objects.exists()


def test_coordinator_reads_and_reopens_but_cannot_edit(world, client):
    w = world
    services.submit(w["rep_a"], w["year"], w["a"], "avhysning",
                    {"underrattelser": 10, "arenden": 8, "avvarjda": 5, "genomforda": 2, "genomforda_barn": 1,
                     "malgrupper": "Fler unga vuxna med hyresskulder"})
    client.force_login(w["coord"])
    html = client.get(form_url(w, kind="avhysning")).content.decode()
    assert "Fler unga vuxna med hyresskulder" in html and 'value="submit"' not in html
    assert "Öppna formuläret igen" in html
    assert client.post(form_url(w, kind="avhysning"), {"arenden": "1", "action": "draft"}).status_code == 403

    reopen_url = reverse("reporting:reopen", kwargs={"year": 2025, "unit_id": w["a"].pk, "kind": "avhysning"})
    response = client.post(reopen_url, {"reason": ""})
    assert response.status_code == 200 and "Ange varför formuläret öppnas igen." in response.content.decode()
    assert UnitReport.objects.get(kind="avhysning").status == "submitted"

    assert client.post(reopen_url, {"reason": "Genomförda avhysningar saknar en"}).status_code == 302
    report = UnitReport.objects.get(kind="avhysning")
    assert report.status == "draft"
    event = report.events.get(action=UnitReportEvent.Action.REOPENED)
    assert event.user == w["coord"] and event.reason == "Genomförda avhysningar saknar en"

    client.force_login(w["rep_a"])
    assert client.post(reopen_url, {"reason": "själv"}).status_code == 403
    html = client.get(form_url(w, kind="avhysning")).content.decode()
    assert 'value="submit"' in html and "Genomförda avhysningar saknar en" in html


# --- status and summary ---------------------------------------------------------------------------

def test_unit_status_counts(world):
    w = world
    services.save_draft(w["rep_a"], w["year"], w["a"], "utan_tak", {"antal": 1})
    services.submit(w["rep_a"], w["year"], w["a"], "situation4", {"antal": 3, "med_barn": 1})
    services.submit(w["rep_a"], w["year"], w["a"], "forturer", {"ej_aktuellt": True})
    rows = {row["unit"].name: row for row in services.unit_status(w["year"])}
    assert set(rows) == {"Mottagningsenheten", "Ekonomiskt bistånd"}
    a, b = rows["Mottagningsenheten"], rows["Ekonomiskt bistånd"]
    total = len(KINDS)
    assert (a["forms_total"], a["drafts"], a["submitted"], a["not_started"], a["not_applicable"]) == \
        (total, 1, 2, total - 3, 1)
    assert a["last_change"] == UnitReport.objects.get(kind="forturer").updated_at
    assert (b["drafts"], b["submitted"], b["not_started"], b["last_change"]) == (0, 0, total, None)


def test_summary_totals_submitted_answers_only(world, client):
    w = world
    services.submit(w["rep_a"], w["year"], w["a"], "utan_tak",
                    utan_tak(antal=6, kvinnor=2, man=3, platser=["talt", "bil"], metod="Handläggarna"))
    services.submit(w["rep_b"], w["year"], w["b"], "utan_tak", utan_tak(antal=4, man=4, platser=["talt"]))
    services.save_draft(w["rep_a"], w["year"], w["a"], "situation4", {"antal": 100})
    services.submit(w["rep_b"], w["year"], w["b"], "situation4", {"ej_aktuellt": True})

    forms = {entry["kind"].slug: entry for entry in services.summary(w["year"])}
    fields = {f["name"]: f for s in forms["utan_tak"]["sections"] for f in s["fields"]}
    assert (fields["antal"]["total"], fields["antal"]["with_figure"], fields["antal"]["missing"]) == (10, 2, 0)
    assert (fields["kvinnor"]["total"], fields["kvinnor"]["with_figure"], fields["kvinnor"]["missing"]) == (2, 1, 1)
    assert fields["man"]["total"] == 7
    assert dict(fields["platser"]["options"])["Tält"] == 2 and dict(fields["platser"]["options"])["Bil"] == 1
    s4 = forms["situation4"]
    s4_fields = {f["name"]: f for s in s4["sections"] for f in s["fields"]}
    assert s4_fields["antal"]["total"] is None  # the draft's 100 is not counted
    assert (s4["submitted"], s4["drafts"], s4["not_applicable"]) == (1, 1, 1)

    client.force_login(w["coord"])
    page = client.get(reverse("reporting:summary", kwargs={"year": 2025}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Internt underlag för samordnare" in html and "<td>10</td>" in html


def test_bme_comparison_in_summary(world):
    w = world
    answers = {f"{code}_{part}": 0 for code in ("socialt", "forsok", "traning", "bostad_forst")
               for part in ("kontrakt", "vuxna", "barn", "overtagna")}
    answers.update(socialt_kontrakt=20, bostad_forst_kontrakt=5, bme_antal=27)
    services.submit(w["rep_a"], w["year"], w["a"], "sociala_kontrakt", answers)
    entry = next(e for e in services.summary(w["year"]) if e["kind"].slug == "sociala_kontrakt")
    assert entry["bme"] == [{"unit": w["a"], "contracts": 25, "bme": 27, "difference": -2}]


def test_summary_extract_comparison_is_optional(world, client):
    client.force_login(world["coord"])
    page = client.get(reverse("reporting:summary", kwargs={"year": 2025}) + "?uttag=1")
    assert page.status_code == 200
    # no installation and no extracts here: the page says so instead of failing
    assert "Jämförelsen med uttagen kan inte göras just nu" in page.content.decode()
