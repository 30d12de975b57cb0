"""Every URL of the application × every role, against a table of expected status codes.

A URL added without an entry in EXPECTED fails `test_every_url_has_an_entry`, so nobody can add
a page without deciding who may open it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from boendeinventering.core.tables import Report, Table

ROLES = ("anonymous", "administrator", "coordinator", "reporter", "reader")
YEAR = 2025

# name -> status per role, in ROLES order. GET requests. 302 for anonymous = to the login page.
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    "set_language": (302, 302, 302, 302, 302),  # GET changes nothing, just goes back
    "web:home": (302, 200, 200, 200, 200),
    "web:login": (200, 302, 302, 302, 302),  # signed-in users go on to the start page
    "web:logout": (405, 405, 405, 405, 405),  # POST only
    "web:years": (302, 200, 200, 403, 403),
    "web:year": (302, 200, 200, 403, 403),
    "web:participation_remove": (302, 200, 200, 403, 403),  # GET: what removing means, then confirm
    "web:publish": (302, 403, 200, 403, 403),  # GET: what publishing means, then confirm
    "web:reference_date": (302, 403, 405, 403, 403),  # POST only
    "web:run_audit": (302, 403, 405, 403, 403),  # POST only
    "web:report": (302, 200, 200, 403, 200),
    "web:report_download": (302, 200, 200, 403, 200),
    "web:report_unprotected": (302, 403, 200, 403, 403),
    "web:report_unprotected_download": (302, 403, 200, 403, 403),
    "web:quality": (302, 403, 200, 403, 403),
    "web:extracts": (302, 403, 200, 403, 403),
    "web:import_job": (302, 403, 200, 403, 403),
    "web:import_job_status": (302, 403, 200, 403, 403),
    "web:import_batch": (302, 403, 200, 403, 403),
    "web:import_withdraw": (302, 403, 200, 403, 403),  # GET: the confirmation page
    "web:import_reactivate": (302, 403, 200, 403, 403),
    "web:mapping": (302, 200, 200, 403, 403),
    "web:audit_log": (302, 200, 200, 403, 403),
    "web:users": (302, 200, 403, 403, 403),
    "web:user_edit": (302, 200, 403, 403, 403),
    "web:units": (302, 200, 403, 403, 403),
    "web:unit_edit": (302, 200, 403, 403, 403),
    "web:settings": (302, 200, 403, 403, 403),
    "reporting:index": (302, 200, 200, 200, 403),
    "reporting:summary": (302, 200, 200, 403, 403),
    "reporting:unit_forms": (302, 200, 200, 200, 403),  # the reporter's own unit
    "reporting:form": (302, 200, 200, 200, 403),
    "reporting:reopen": (302, 405, 405, 403, 403),  # POST only
    "reporting:answers": (302, 200, 200, 403, 403),  # the report's answers and the coordinator's texts
    "reporting:kronofogden": (302, 403, 200, 403, 403),  # uploading statistics, like extracts
}


def fake_report(year: int = YEAR, protected: bool = True, **_) -> Report:
    """A small report with one suppressed cell, standing in for services.figures in web tests."""
    rows = [
        {"situation": 1, "kod": "hotell", "persons": 12, "households": 10},
        {"situation": 1, "kod": "vandrarhem", "persons": None if protected else 3,
         "households": None if protected else 3,
         **({"suppressed": ["persons", "households"]} if protected else {})},
    ]
    table = Table("persons_by_kod", "Personer per boendeform", ["situation", "kod"], ["persons", "households"], rows)
    situation = Table("persons_by_situation", "Personer per situation", ["situation"], ["persons"],
                      [{"situation": 1, "persons": 1234}, {"situation": 2, "persons": 56}])
    quality = Table("quality", "Datakvalitet", ["indicator"], ["value"],
                    [{"indicator": "Rader i insatser", "value": 4321}])
    return Report(kommun="0180", year=year, reference_date=dt.date(year, 12, 31),
                  tables={"persons_by_situation": situation, "persons_by_kod": table}, protected=protected,
                  method_notes=["Testrapport."], quality=quality)


def all_named_urls(resolver=None, namespace=""):
    """(qualified name, parameter names) of every named URL pattern, through includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


@pytest.fixture
def world(installed, settings, monkeypatch):
    """Demo users and units, a published year, an import job and batch: one of everything a URL names."""
    from boendeinventering.inventory.models import ImportBatch
    from boendeinventering.organisation.models import ImportJob, InventoryYear, Participation, Unit
    from boendeinventering.reporting.kinds import KINDS
    from boendeinventering.services.users import create_demo_users

    settings.BOINV_TASKS_SYNC = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
    monkeypatch.setattr("boendeinventering.web.views.reports.get_report", fake_report)
    monkeypatch.setattr("boendeinventering.web.figures_view.get_report", fake_report)
    users = {role: name for name, _pw, role, _unit in create_demo_users(YEAR)}
    year = InventoryYear.objects.get(year=YEAR)
    year.published_at = timezone.now()
    year.save()
    unit = Unit.objects.get(name="Mottagningsenheten")
    batch = ImportBatch.objects.create(kind="insatser", file_name="uttag.csv", file_digest="ab" * 32,
                                       issues=[{"row": 2, "column": "startdatum", "value": "x",
                                                "reason": "ogiltigt datum"}])
    job = ImportJob.objects.create(id=uuid.uuid4(), kind="insatser", file_name="uttag.csv", status=ImportJob.DONE,
                                   batch_id=batch.id)
    samples = {
        "year": YEAR, "unit_id": unit.pk, "kind": next(iter(KINDS)), "fmt": "json", "job_id": job.id,
        "batch_id": batch.id, "participation_id": Participation.objects.filter(inventory_year=year).first().pk,
        "user_id": get_user_model().objects.get(username=users["reader"]).pk,
    }
    return {"users": users, "samples": samples}


def client_for(role: str, users: dict) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=users[role]))
    return client


def test_every_url_has_an_entry(db):
    names = {name for name, _ in all_named_urls()}
    missing = sorted(names - set(EXPECTED))
    assert not missing, f"URL utan rad i åtkomsttabellen: {missing}"
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"Rader i åtkomsttabellen utan URL: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_access_table(world, role):
    client = client_for(role, world["users"])
    wrong = []
    for name, params in all_named_urls():
        missing = [p for p in params if p not in world["samples"]]
        assert not missing, f"{name}: inget exempelvärde för {missing}"
        url = reverse(name, kwargs={p: world["samples"][p] for p in params})
        expected = EXPECTED[name][ROLES.index(role)]
        response = client.get(url)
        if response.status_code != expected:
            wrong.append((name, url, expected, response.status_code))
        if role == "anonymous" and expected == 302 and name != "set_language":
            assert "/logga-in/" in response["Location"], name
    assert not wrong, "\n".join(f"{n} {u}: väntade {e}, fick {g}" for n, u, e, g in wrong)


def test_reader_gets_404_for_unpublished_year_and_reporter_403_for_other_unit(world):
    from boendeinventering.organisation.models import InventoryYear, Unit

    InventoryYear.objects.filter(year=YEAR).update(published_at=None)
    reader = client_for("reader", world["users"])
    assert reader.get(reverse("web:report", args=[YEAR])).status_code == 404
    assert reader.get(reverse("web:report_download", args=[YEAR, "json"])).status_code == 404
    coordinator = client_for("coordinator", world["users"])
    assert coordinator.get(reverse("web:report", args=[YEAR])).status_code == 200  # preview
    other = Unit.objects.get(name="Beroendeenheten")
    reporter = client_for("reporter", world["users"])
    assert reporter.get(reverse("reporting:unit_forms", args=[YEAR, other.pk])).status_code == 403


def test_post_only_actions_refuse_the_wrong_roles(world):
    for role in ("administrator", "reporter", "reader"):
        response = client_for(role, world["users"]).post(reverse("web:publish", args=[YEAR]), {"action": "unpublish"})
        assert response.status_code == 403, role
    response = client_for("anonymous", world["users"]).post(reverse("web:publish", args=[YEAR]))
    assert response.status_code == 302
