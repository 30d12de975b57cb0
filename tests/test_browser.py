"""End to end in a real browser (Playwright + Debian's Chromium) against the live server:
sign-in, a reporter's form, the coordinator's upload with errors, the reader's limits, lock-out.
Screenshots of the main pages go to test-artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser_helpers import login, logout, shot
from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv
from tests.test_web_access import YEAR, fake_report

def test_reporter_submits_a_form_and_the_coordinator_sees_it(site, page):
    login(page, site, "reporter")
    shot(page, "start-rapportor")
    page.get_by_role("link", name=f"Underlag för {YEAR}").click()
    shot(page, "underlag-enhet")
    page.get_by_role("link", name=re.compile("sover utan tak")).first.click()
    page.locator("input[name=antal]").fill("6")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Utkastet är sparat")).to_be_visible()
    # Submit: every number answered (0 where the unit has none).
    for field in page.locator("input[inputmode=numeric], input[type=number]").all():
        if not field.input_value():
            field.fill("0")
    page.locator("input[name=antal]").fill("6")
    page.get_by_role("button", name="Skicka in").click()
    expect(page.get_by_text("är inskickat")).to_be_visible()
    shot(page, "underlag-inskickat")  # after the click: a full-page shot resizes the page under the mouse
    logout(page)

    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/")
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    expect(page.locator(f"[data-testid=submitted-{unit.pk}]")).to_have_text("1")
    shot(page, "inventeringsar")


def test_coordinator_uploads_extract_with_errors_then_a_good_one(site, page, tmp_path):
    bad_number = pnr(3)[:-1] + str((int(pnr(3)[-1]) + 1) % 10)
    bad = write_csv(tmp_path / "insatser-fel.csv", STAY_HEADER,
                    [f"{pnr(1)};;Mottagningsenheten;Hotell;2025-05-01;;;;;",
                     f"{bad_number};;Mottagningsenheten;Hotell;2025-05-01;;;;;",
                     f"{pnr(2)};;Mottagningsenheten;Hotell;2025-14-01;;;;;"])
    login(page, site, "coordinator")
    page.get_by_role("link", name="Uttag").first.click()
    page.get_by_label("Slag av uttag").select_option("insatser")
    page.get_by_label("Fil (CSV eller Excel .xlsx)").set_input_files(str(bad))
    page.get_by_label("Avvisa hela filen (rekommenderas)").check()
    page.get_by_role("button", name="Ladda upp och importera").click()
    expect(page.get_by_text("Avvisad.")).to_be_visible(timeout=20_000)  # polled, then reloaded
    issues = page.locator("table.issues")
    expect(issues).to_contain_text("kontrollsiffra")
    expect(issues).to_contain_text("startdatum")
    assert bad_number not in page.content()
    shot(page, "import-avvisad")

    page.get_by_role("link", name="Tillbaka till uttag").click()
    page.get_by_label("Fil (CSV eller Excel .xlsx)").set_input_files(str(stays_file(tmp_path / "insatser.csv", n=5)))
    page.get_by_role("button", name="Ladda upp och importera").click()
    expect(page.get_by_text("Klar.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("5 rader importerades av 5 lästa.")).to_be_visible()
    page.get_by_role("link", name="Tillbaka till uttag").click()
    expect(page.locator("#historik + .table-scroll table")).to_contain_text("insatser.csv")  # boinv.js wraps tables
    shot(page, "uttag")
    page.get_by_role("link", name="Mappning").first.click()
    expect(page.get_by_text("Akutboendet Tallen")).to_be_visible()
    shot(page, "mappning")


def test_reader_sees_published_report_but_not_unprotected_figures(site, page, monkeypatch):
    from django.utils import timezone

    from boendeinventering.organisation.models import InventoryYear

    monkeypatch.setattr("boendeinventering.web.views.reports.get_report", fake_report)
    InventoryYear.objects.filter(year=YEAR).update(published_at=timezone.now())
    login(page, site, "reader")
    page.get_by_role("link", name=f"Inventeringen {YEAR}").click()
    expect(page.get_by_role("heading", name="Personer per boendeform")).to_be_visible()
    expect(page.get_by_text("Uppgiften har tagits bort för att skydda enskilda personers integritet")).to_be_visible()
    shot(page, "rapport-lasare")
    response = page.goto(f"{site['url']}/ar/{YEAR}/internt/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Åtkomst nekad")).to_be_visible()


def test_lockout_after_repeated_failed_logins(site, page):
    name, password = site["users"]["reader"]
    for _ in range(5):
        page.goto(site["url"] + "/logga-in/")
        page.get_by_label("Användarnamn").fill(name)
        page.get_by_label("Lösenord").fill("fel-lösenord")
        page.get_by_role("button", name="Logga in").click()
    page.goto(site["url"] + "/logga-in/")
    page.get_by_label("Användarnamn").fill(name)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Kontot är tillfälligt spärrat")).to_be_visible()
    shot(page, "spärrad")
