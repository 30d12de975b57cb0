"""The year workflow in a real browser: confirmations before publishing, closing and removing a
unit (issue 7 item 7), and every main page of every role at 390 px wide (item 10). Screenshots of
the narrow pages go to test-artifacts/ (390-<role>-<page>.png) for a person to look at."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.test_accessibility import import_demo_data, violations
from tests.browser_helpers import ARTIFACTS, login, logout
from tests.test_web_access import YEAR


WIDTH = 390


def test_removing_a_unit_asks_first_and_its_reporter_loses_access(site, page):
    from boendeinventering.organisation.models import Participation, Unit

    unit = Unit.objects.get(name="Mottagningsenheten")  # the demo reporter's unit
    kept = Participation.objects.get(inventory_year__year=YEAR, unit=unit)
    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/")
    expect(page.get_by_test_id("next-step")).to_contain_text("Ladda upp insatser för 2025")
    page.get_by_role("link", name="Ta bort Mottagningsenheten").click()
    # The confirmation says what it means; cancelling changes nothing.
    expect(page.get_by_role("heading", name=f"Ta bort Mottagningsenheten från inventeringen {YEAR}?")).to_be_visible()
    expect(page.get_by_test_id("consequences")).to_contain_text("rapportor")
    expect(page.get_by_test_id("consequences")).to_contain_text("kommer inte längre åt årets formulär")
    page.get_by_role("link", name="Avbryt").click()
    assert Participation.objects.filter(pk=kept.pk).exists()
    page.get_by_role("link", name="Ta bort Mottagningsenheten").click()
    page.get_by_role("button", name="Ja, ta bort enheten").click()
    expect(page.get_by_text("Mottagningsenheten är borttagen från inventeringen")).to_be_visible()
    logout(page)

    login(page, site, "reporter")
    expect(page.get_by_role("link", name=f"Underlag för {YEAR}")).to_have_count(0)
    response = page.goto(f"{site['url']}/ar/{YEAR}/underlag/enhet/{unit.pk}/utan_tak/")
    assert response.status == 403
    logout(page)

    # Added again: contact and deadline come back without being typed in.
    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/")
    page.get_by_role("button", name="Lägg till igen Mottagningsenheten").click()
    row = page.locator("tr", has_text="Mottagningsenheten")
    expect(row).to_contain_text(kept.contact_name)
    expect(row).to_contain_text("15 februari 2026")


def test_deadline_before_the_year_is_refused_in_swedish(site, page):
    from boendeinventering.organisation.models import Participation, Unit

    unit = Unit.objects.get(name="Stadsmissionen")
    Participation.objects.filter(unit=unit).delete()
    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/")
    form = page.locator("form.stack", has=page.get_by_role("button", name="Lägg till", exact=True))
    form.get_by_label("Enhet").select_option(label="Stadsmissionen")
    form.get_by_label("Sista dag").fill(f"{YEAR - 1}-12-01")
    form.get_by_role("button", name="Lägg till", exact=True).click()
    expect(page.get_by_text("Sista dag måste ligga efter att inventeringsåret började")).to_be_visible()
    assert page.get_by_label("Sista dag").get_attribute("aria-invalid") == "true"


def test_closing_and_publishing_ask_first_with_a_summary(site, page, tmp_path, monkeypatch):
    from boendeinventering.organisation.models import InventoryYear
    from boendeinventering.reporting.models import UnitReport
    from boendeinventering.organisation.models import Unit
    from tests.test_web_access import fake_report

    monkeypatch.setattr("boendeinventering.web.views.years.get_report", fake_report, raising=False)
    monkeypatch.setattr("boendeinventering.web.figures_view.get_report", fake_report)
    year = InventoryYear.objects.get(year=YEAR)
    UnitReport.objects.create(inventory_year=year, unit=Unit.objects.get(name="Beroendeenheten"), kind="utan_tak",
                              data={"antal": 2})
    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/")
    page.get_by_role("link", name="Stäng rapporteringen").click()
    expect(page.get_by_test_id("drafts")).to_contain_text("Beroendeenheten: Utan tak över huvudet")
    expect(page.get_by_test_id("units-not-reported")).to_contain_text("Mottagningsenheten")
    expect(page.get_by_test_id("consequences")).to_contain_text("1 utkast fryses")
    page.get_by_role("button", name="Ja, stäng rapporteringen").click()
    expect(page.get_by_text(f"Rapporteringen för {YEAR} är stängd.")).to_be_visible()
    assert not InventoryYear.objects.get(year=YEAR).is_open

    page.get_by_role("link", name="Publicera den röjandeskyddade rapporten för läsare").click()
    expect(page.get_by_test_id("consequences")).to_contain_text("Läsarna ser rapporten som den ser ut nu")
    assert InventoryYear.objects.get(year=YEAR).published_at is None  # nothing happens before the answer
    page.get_by_role("button", name="Ja, publicera").click()
    expect(page.get_by_text("är publicerad för läsare")).to_be_visible()
    assert InventoryYear.objects.get(year=YEAR).published_at is not None
    expect(page.get_by_test_id("next-step")).to_contain_text("är publicerad")


def test_form_errors_name_the_figures_and_take_the_focus(site, page):
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    login(page, site, "reporter")
    page.goto(f"{site['url']}/ar/{YEAR}/underlag/enhet/{unit.pk}/utan_tak/")
    page.locator("input[name=antal]").fill("5")
    page.locator("input[name=kvinnor]").fill("5")
    page.locator("input[name=man]").fill("3")
    page.get_by_role("button", name="Spara utkast").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Kvinnor 5 och män 3 är tillsammans 8, men uppskattat antal personer under "
                                    "året är 5.")
    expect(summary).to_be_focused()
    for name in ("kvinnor", "man", "antal"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("aria-invalid") == "true", name
        described = field.get_attribute("aria-describedby").split()
        assert any(page.locator(f"#{d}").inner_text().startswith("Fördelningen efter kön") for d in described), name
    text = page.locator("main").inner_text()
    assert "::" not in text and "?:" not in text


# --- 390 px -------------------------------------------------------------------------------------

def _fits(page, role: str, path: str, expected_status: int = 200) -> list[str]:
    response = page.goto(path)
    assert response.status == expected_status, path
    width = page.evaluate("document.documentElement.scrollWidth")
    shown = urlsplit(path)
    name = re.sub(r"[^a-z0-9]+", "-", f"{shown.path}?{shown.query}".strip("/?").lower()).strip("-") or "start"
    page.screenshot(path=str(ARTIFACTS / f"390-{role}-{name}.png"), full_page=True)
    wide = [] if width <= WIDTH else page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))""")
    problems = [] if width <= WIDTH else [f"{path} ({role}): {width} px wide: {wide}"]
    text = page.locator("main").inner_text()
    problems += [f"{path} ({role}): a double punctuation mark {mark!r}" for mark in ("::", "?:", ".:") if mark in text]
    # Every table sits in a box of its own that scrolls, is named, and is focusable when it scrolls.
    for box in page.evaluate("""() => [...document.querySelectorAll('main table')].map(t => {
        const box = t.parentElement;
        return {ok: box.classList.contains('table-scroll'), overflow: getComputedStyle(box).overflowX,
                named: box.hasAttribute('aria-labelledby') || box.hasAttribute('aria-label'),
                scrolls: box.scrollWidth > box.clientWidth + 1, focusable: box.tabIndex >= 0};
    })"""):
        if not (box["ok"] and box["overflow"] == "auto" and box["named"]):
            problems.append(f"{path} ({role}): a table without a named scrolling box: {box}")
        if box["scrolls"] and not box["focusable"]:
            problems.append(f"{path} ({role}): a scrolling table box that the keyboard cannot reach")
    return problems


def test_every_main_page_fits_390_px_for_every_role(site, browser, tmp_path):  # noqa: F811
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from boendeinventering.organisation.models import InventoryYear, Unit
    from boendeinventering.services import mapping

    batches = import_demo_data(tmp_path)
    mapping.save_entries(mapping.unmapped_with_suggestions())
    InventoryYear.objects.filter(year=YEAR).update(published_at=timezone.now())
    unit = Unit.objects.get(name="Mottagningsenheten")
    reporter = get_user_model().objects.get(username=site["users"]["reporter"][0])
    forms = f"/ar/{YEAR}/underlag/enhet/{unit.pk}/"
    pages = {
        "coordinator": ["/", "/ar/", f"/ar/{YEAR}/", f"/ar/{YEAR}/underlag/", "/underlag/", forms,
                        f"{forms}utan_tak/", "/uttag/", f"/uttag/import/{batches[0].pk}/", "/mappning/", "/logg/",
                        f"/ar/{YEAR}/rapport/", f"/ar/{YEAR}/internt/", f"/ar/{YEAR}/datakvalitet/",
                        f"/ar/{YEAR}/publicera/?action=close", f"/ar/{YEAR}/svar/", f"/ar/{YEAR}/kronofogden/"],
        "administrator": ["/", "/anvandare/", f"/anvandare/{reporter.pk}/", "/enheter/", f"/enheter/{unit.pk}/",
                          "/installningar/", f"/ar/{YEAR}/"],
        "reporter": ["/", "/underlag/", forms, f"{forms}utan_tak/", f"{forms}sociala_kontrakt/",
                     f"{forms}samarbetspartner/"],
        "reader": ["/", f"/ar/{YEAR}/rapport/"],
    }
    problems, a11y = [], []
    for role, paths in pages.items():
        context = browser.new_context(locale="sv-SE", viewport={"width": WIDTH, "height": 844},
                                      base_url=site["url"])
        page = context.new_page()
        login(page, site, role)
        for path in paths:
            problems += _fits(page, role, site["url"] + path)
        if role == "coordinator":
            a11y += violations(page)  # the confirmation page, narrow
        context.close()
    # The anonymous sign-in page too.
    context = browser.new_context(locale="sv-SE", viewport={"width": WIDTH, "height": 844})
    page = context.new_page()
    problems += _fits(page, "anonym", site["url"] + "/logga-in/")
    context.close()
    assert not problems, "\n".join(problems)
    assert not a11y, "\n".join(a11y)
