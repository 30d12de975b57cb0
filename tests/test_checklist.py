"""The year's checklist (services.checklist) and the confirmed year operations (services.year_workflow)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from boendeinventering.organisation.models import FormerParticipation, InventoryYear, Participation, Role, Unit
from boendeinventering.services import checklist, year_workflow
from boendeinventering.services.imports import import_extract
from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv

YEAR = 2025


@pytest.fixture
def year(installed):
    return InventoryYear.objects.create(year=YEAR)


@pytest.fixture
def units(year):
    a = Unit.objects.create(name="Mottagningsenheten")
    b = Unit.objects.create(name="Beroendeenheten")
    Participation.objects.create(inventory_year=year, unit=a, contact_name="Kim", deadline=dt.date(YEAR + 1, 2, 1))
    Participation.objects.create(inventory_year=year, unit=b, deadline=dt.date(YEAR + 1, 3, 1))
    return a, b


def step(c, key):
    return next(s for s in c.steps if s.key == key)


def submit_all(year, unit):
    from boendeinventering.reporting.kinds import KINDS
    from boendeinventering.reporting.models import UnitReport

    for kind in KINDS:
        UnitReport.objects.create(inventory_year=year, unit=unit, kind=kind, status=UnitReport.Status.SUBMITTED,
                                  not_applicable=True, data={"ej_aktuellt": True})


def test_next_step_walks_through_the_year(year, units, tmp_path):
    c = checklist.build(year)
    assert [e.kind for e in c.extracts][:3] == ["insatser", "utbetalningar", "skuldradgivning"]
    assert c.next_step == "Ladda upp insatser för 2025."
    import_extract("insatser", stays_file(tmp_path / "insatser.csv"), year=YEAR)
    c = checklist.build(year)
    assert c.next_step == "Ladda upp utbetalningar för 2025."
    assert step(c, "extracts").detail.startswith("Saknas: utbetalningar, budget- och skuldrådgivning")


def test_no_units_comes_first(year):
    assert checklist.build(year).next_step == "Lägg till de enheter som ska lämna underlag för 2025."


def test_only_the_years_imports_count_and_untagged_ones_are_marked(year, tmp_path):
    import_extract("insatser", stays_file(tmp_path / "a.csv", n=4), year=YEAR - 1)
    assert not checklist.build(year).extracts[0].imported  # an import for 2024 is not 2025's
    import_extract("insatser", stays_file(tmp_path / "b.csv", n=3, start=10))  # no year: every year
    insatser = checklist.build(year).extracts[0]
    assert (insatser.batches, insatser.untagged, insatser.rows) == (1, 1, 3)


def test_unmapped_names_are_counted_until_mapped(year, units, tmp_path):
    from boendeinventering.services import mapping

    import_extract("insatser", stays_file(tmp_path / "a.csv"), year=YEAR)
    c = checklist.build(year)
    assert c.unmapped == ["Akutboendet Tallen"]
    assert step(c, "mapping").status == checklist.PROBLEM
    mapping.save_entries([("Akutboendet Tallen", "akutboende")])
    c = checklist.build(year)
    assert c.unmapped == [] and step(c, "mapping").status == checklist.DONE


def test_units_submitted_and_overdue(year, units):
    a, b = units
    submit_all(year, a)
    before = checklist.build(year, today=dt.date(YEAR + 1, 1, 15))
    assert before.units_submitted == 1 and before.overdue == []
    after = checklist.build(year, today=dt.date(YEAR + 1, 3, 2))  # past b's deadline
    assert [str(u.unit) for u in after.overdue] == ["Beroendeenheten"]
    assert step(after, "forms").status == checklist.PROBLEM
    assert "Beroendeenheten" in step(after, "forms").detail


def test_next_step_after_forms_close_audit_publish(year, units, tmp_path, monkeypatch):
    for unit in units:
        submit_all(year, unit)
    monkeypatch.setattr(checklist, "extract_status", lambda y: [
        checklist.ExtractStatus(k, k, batches=1, rows=1) for k in ("insatser", "utbetalningar", "skuldradgivning")])
    monkeypatch.setattr(checklist, "unmapped_names_for_year", lambda *a, **k: [])
    assert checklist.build(year).next_step == "Stäng rapporteringen för 2025."
    year.is_open = False
    year.save()
    assert checklist.build(year).next_step == "Kör röjandekontrollen för 2025."
    checklist.record_audit(year, False, "Cell x röjer y.")
    assert checklist.build(year).next_key == "audit"
    checklist.record_audit(year, True, "Godkänd.")
    assert checklist.build(year).next_step == "Publicera den röjandeskyddade rapporten för 2025."


def test_audit_is_remembered_until_the_data_changes(year, units, tmp_path):
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import mapping

    files = generate_demo(tmp_path / "uttag", persons=150, seed=3, year=YEAR)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        import_extract(kind, getattr(files, kind), year=YEAR)
    assert checklist.build(year).audit == checklist.AUDIT_NOT_RUN
    status, text = checklist.run_audit(year)
    assert status == checklist.AUDIT_PASSED and text
    assert checklist.build(year).audit == checklist.AUDIT_PASSED
    # A new import (or another reference date) makes the remembered result stale.
    more = write_csv(tmp_path / "fler.csv", STAY_HEADER,
                     [f"{pnr(400 + i)};;Mottagningsenheten;Hotell Baltic;{YEAR}-06-01;;;;;" for i in range(3)])
    import_extract("insatser", more, year=YEAR, accept_columns=True)  # fewer columns than the demo
    assert checklist.build(year).audit == checklist.AUDIT_NOT_RUN
    checklist.run_audit(year)
    year_workflow.set_reference_date(None, year, dt.date(YEAR, 6, 30))
    assert checklist.build(year).audit == checklist.AUDIT_NOT_RUN


def test_audit_blocked_by_unmapped_names_remembers_nothing(year, units, tmp_path):
    import_extract("insatser", stays_file(tmp_path / "a.csv"), year=YEAR)
    status, text = checklist.run_audit(year)
    assert status == checklist.AUDIT_BLOCKED and "mappning" in text
    assert checklist.build(year).audit == checklist.AUDIT_NOT_RUN


# --- year_workflow ---------------------------------------------------------------------------------

def test_removing_and_adding_again_keeps_contact_and_deadline(year, units):
    a, _b = units
    participation = Participation.objects.get(inventory_year=year, unit=a)
    year_workflow.remove_participation(None, participation)
    assert not Participation.objects.filter(inventory_year=year, unit=a).exists()
    again = year_workflow.add_participation(None, year, a)
    assert (again.contact_name, again.deadline) == ("Kim", dt.date(YEAR + 1, 2, 1))
    assert not FormerParticipation.objects.exists()
    # values given anew win over the kept ones
    year_workflow.remove_participation(None, again)
    newer = year_workflow.add_participation(None, year, a, contact_name="Ny", deadline=dt.date(YEAR + 1, 4, 1))
    assert (newer.contact_name, newer.deadline) == ("Ny", dt.date(YEAR + 1, 4, 1))


def test_removed_units_reporter_loses_access(year, units):
    from boendeinventering.reporting import services
    from boendeinventering.services.users import create_user

    a, _b = units
    reporter = create_user("rapportor-a", Role.REPORTER, unit=a, password="x-långt-lösenord-123")
    assert services.can_view(reporter, year, a)
    consequences = year_workflow.remove_consequences(Participation.objects.get(inventory_year=year, unit=a))
    assert any("rapportor-a" in p and "kommer inte längre åt" in p for p in consequences.points)
    assert any("Kim" in p and "1 februari 2026" in p for p in consequences.points)
    year_workflow.remove_participation(None, Participation.objects.get(inventory_year=year, unit=a))
    assert not services.can_view(reporter, year, a)
    assert get_user_model().objects.get(username="rapportor-a").is_active  # the account itself stays


def test_close_and_publish_summaries_name_units_and_drafts(year, units):
    from boendeinventering.reporting.models import UnitReport

    a, b = units
    submit_all(year, a)
    UnitReport.objects.create(inventory_year=year, unit=b, kind="utan_tak", data={"antal": 3})
    close = year_workflow.close_consequences(year)
    assert close.units_not_reported == ["Beroendeenheten"]
    assert close.drafts == ["Beroendeenheten: Utan tak över huvudet"]
    assert any("1 utkast fryses" in p for p in close.points)
    publish = year_workflow.publish_consequences(year)
    assert publish.units_not_reported == ["Beroendeenheten"]
    assert any("fortfarande öppen" in p for p in publish.points)


def test_deadline_must_fall_after_the_year_began(year):
    from boendeinventering.web.forms import ParticipationForm

    unit = Unit.objects.create(name="Socialpsykiatrin")
    form = ParticipationForm({"unit": unit.pk, "deadline": "2024-12-31"}, inventory_year=year)
    assert not form.is_valid()
    assert form.errors["deadline"] == ["Sista dag måste ligga efter att inventeringsåret började, "
                                       "alltså 1 januari 2025 eller senare."]
    assert ParticipationForm({"unit": unit.pk, "deadline": "2025-01-01"}, inventory_year=year).is_valid()


def test_reference_date_defaults_to_year_end_and_must_lie_in_or_just_after_the_year(year):
    assert year.effective_reference_date == dt.date(YEAR, 12, 31)
    year_workflow.set_reference_date(None, year, dt.date(YEAR + 1, 3, 31))
    assert InventoryYear.objects.get(year=YEAR).effective_reference_date == dt.date(YEAR + 1, 3, 31)
    with pytest.raises(ValueError, match="mellan 1 januari 2025 och 30 juni 2026"):
        year_workflow.set_reference_date(None, year, dt.date(YEAR + 1, 7, 1))
    year_workflow.set_reference_date(None, year, None)
    assert InventoryYear.objects.get(year=YEAR).effective_reference_date == dt.date(YEAR, 12, 31)


def test_web_reference_date_reaches_the_report(year, units, tmp_path, client):
    """The coordinator's reference date on the year page is the one the web report is computed at."""
    import json

    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import mapping
    from boendeinventering.services.users import create_user

    files = generate_demo(tmp_path / "uttag", persons=100, seed=4, year=YEAR)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        import_extract(kind, getattr(files, kind), year=YEAR)
    client.force_login(create_user("samordnare-r", Role.COORDINATOR, password="x-långt-lösenord-123"))
    refused = client.post(f"/ar/{YEAR}/referensdatum/", {"reference_date": "2027-01-01"})
    assert refused.status_code == 400 and "Referensdatumet måste ligga" in refused.content.decode()
    assert client.post(f"/ar/{YEAR}/referensdatum/", {"reference_date": "2026-03-31"}).status_code == 302
    report = json.loads(client.get(f"/ar/{YEAR}/rapport/json/").content)
    assert report["reference_date"] == "2026-03-31"


def test_year_page_lists_only_the_years_imports_and_marks_untagged_ones(year, units, tmp_path, client):
    from boendeinventering.services.users import create_user

    import_extract("insatser", stays_file(tmp_path / "forra-aret.csv", n=2), year=YEAR - 1)
    import_extract("insatser", stays_file(tmp_path / "i-ar.csv", n=3, start=5), year=YEAR)
    import_extract("insatser", stays_file(tmp_path / "alla-ar.csv", n=2, start=30))  # no year: every year
    client.force_login(create_user("samordnare-i", Role.COORDINATOR, password="x-långt-lösenord-123"))
    page = client.get(f"/ar/{YEAR}/").content.decode()
    imports_table = page[page.index('data-testid="year-imports"'):]
    imports_table = imports_table[:imports_table.index("</table>")]
    assert "i-ar.csv" in imports_table and "forra-aret.csv" not in imports_table
    assert "alla-ar.csv" in imports_table and "Alla år (inget år angivet)" in imports_table


def test_next_step_after_publishing_says_when_the_published_figures_are_stale(year, units, tmp_path, monkeypatch):
    monkeypatch.setattr(checklist, "unmapped_names_for_year", lambda *a, **k: [])
    import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=3), year=YEAR)
    year.published_at = dt.datetime(YEAR + 1, 3, 1, tzinfo=dt.UTC)
    year.save()
    checklist.record_audit(year, True, "Godkänd vid publiceringen.")  # as publish_year does
    assert checklist.build(year).next_step == "Inventeringen 2025 är publicerad. Inget mer behöver göras."
    # a correction imported after publishing: readers still see the old figures
    import_extract("insatser", stays_file(tmp_path / "rattelse.csv", n=2, start=50), year=YEAR)
    c = checklist.build(year)
    assert c.next_key == "publish"
    assert c.next_step.startswith("Uppgifterna för 2025 har ändrats sedan rapporten publicerades")
    assert "återkalla publiceringen och publicera igen" in c.next_step
