"""Automated accessibility check (WCAG 2.1 A and AA rules of axe-core) of the main pages, in a
real browser against the live server, per role; plus a keyboard check of the login page.

Swedish public bodies must meet WCAG 2.1 AA (lagen om tillgänglighet till digital offentlig
service). axe-core finds only part of what the standard asks, but what it finds must be zero.
axe-core's script comes bundled with axe-playwright-python: nothing is fetched from the network."""

from __future__ import annotations


from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.fixtures.extracts import stays_file
from tests.browser_helpers import login
from tests.test_web_access import YEAR

AXE = Axe()
# WCAG 2.1 A/AA, plus axe's best practices, which hold the landmark and heading rules (one main,
# unique landmarks, heading order, content inside landmarks) that WCAG 1.3.1 and 2.4.1 rest on.
# "incomplete" results (what axe cannot decide, e.g. text contrast inside the SVG charts, whose
# colours are fixed in core/report/chart_svg.py) are not asserted: they need a person to look.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
FORM_KINDS = ("utan_tak", "situation4", "sociala_kontrakt", "forturer", "avhysning", "uppsokande",
              "medarbetarkunskap", "samarbetspartner")


def violations(page) -> list[str]:
    """One line per violated rule and element, enough to find the fault in the template."""
    result = AXE.run(page, options=AXE_OPTIONS).response
    found = [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {node['target']} {node['failureSummary']!r}"
             for v in result["violations"] for node in v["nodes"]]
    # axe retired its duplicate-id rules and lets a describedby that points nowhere pass if one of
    # its ids exists; a help text or error that is never read out is still a fault (1.3.1, 3.3.1).
    return found + [f"{page.url}: {problem}" for problem in page.evaluate(ID_CHECK)]


ID_CHECK = """() => {
  const problems = [];
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push("duplicate id " + el.id);
    seen.add(el.id);
  }
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const el of document.querySelectorAll("[" + attr + "]")) {
      for (const ref of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(ref)) {
          problems.push(attr + " of " + (el.id || el.tagName) + " names missing id " + ref);
        }
      }
    }
  }
  for (const link of document.querySelectorAll('a[href^="#"]')) {  // skip link, error summary
    const target = decodeURIComponent(link.getAttribute("href").slice(1));
    if (target && !document.getElementById(target)) problems.push("link to missing id " + target);
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!document.getElementById(label.htmlFor)) problems.push("label for missing id " + label.htmlFor);
  }
  return problems;
}"""


def check_pages(page, site, paths: list[str], expected_status: int = 200) -> list[str]:
    found = []
    for path in paths:
        response = page.goto(site["url"] + path)
        assert response.status == expected_status, path
        found += violations(page)
    return found


def import_demo_data(tmp_path):
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import imports, mapping

    files = generate_demo(tmp_path / "uttag", persons=200, seed=5, year=YEAR)
    mapping.import_mapping(files.mapping)
    batches = [imports.import_extract(kind, getattr(files, kind)).batch
               for kind in ("insatser", "utbetalningar", "skuldradgivning", "platser")]
    return batches


def test_axe_runs_offline_and_catches_faults(site, page):
    """The check itself: with every request off the live server refused, axe still runs (its script
    is bundled) and reports a field without a label, grey-on-white text and a description that
    points nowhere, put into one of our pages."""
    page.route(lambda url: not url.startswith(site["url"]), lambda route: route.abort())
    page.goto(site["url"] + "/logga-in/")
    page.locator("main").evaluate(  # through the DOM: the page's CSP refuses inline styles
        "m => { m.insertAdjacentHTML('beforeend', '<input name=x aria-describedby=saknas><p class=fault>Grått</p>');"
        " m.querySelector('.fault').style.color = '#b0b0b0'; }")
    found = " ".join(violations(page))
    assert "label (critical)" in found and "color-contrast (serious)" in found, found
    assert "names missing id saknas" in found, found


def test_login_page_and_its_error_state(site, page):
    found = check_pages(page, site, ["/logga-in/"])
    page.get_by_label("Användarnamn").fill("ingen")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found += violations(page)
    assert not found, "\n".join(found)


def test_login_page_keyboard_order_and_visible_focus(site, page):
    page.goto(site["url"] + "/logga-in/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    skip = page.locator(".skip-link")
    expect(skip).to_be_in_viewport()  # shown on focus, not left off-screen
    outline = skip.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert outline == ["solid", "3px"], outline  # boinv.css's ring, not the browser's thin default

    # Following the skip link lands in the main content, so the next Tab is inside it.
    page.keyboard.press("Enter")
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order == ["id_username", "id_password", "Logga in"], order
    for field_id in ("id_username", "id_password"):
        page.locator(f"#{field_id}").focus()
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                              " return [s.outlineStyle, s.outlineWidth]; }")
        assert style == ["solid", "3px"], (field_id, style)

    # From the top without the skip link, the header's controls come first, then the form's fields.
    page.goto(site["url"] + "/logga-in/")
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert seen.index("id_username") < seen.index("id_password") < seen.index("Logga in"), seen


def test_reporter_pages(site, page):
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    login(page, site, "reporter")
    base = f"/ar/{YEAR}/underlag/enhet/{unit.pk}/"
    found = check_pages(page, site, ["/", "/underlag/", base] + [f"{base}{kind}/" for kind in FORM_KINDS])
    # The form's error state: submitting with nothing answered.
    page.goto(f"{site['url']}{base}utan_tak/")
    page.get_by_role("button", name="Skicka in").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary a").first).to_be_visible()  # links to the fields, checked below
    expect(page.locator(".field-error").first).to_be_visible()
    found += violations(page)
    assert not found, "\n".join(found)


def test_coordinator_pages_with_imported_demo_data(site, page, tmp_path):
    batches = import_demo_data(tmp_path)
    from boendeinventering.services.imports import import_extract

    import_extract("insatser", stays_file(tmp_path / "okand.csv", n=3),  # an unmapped name for the editor
                   accept_columns=True)  # lacks columns the demo extract had: confirmed
    login(page, site, "coordinator")
    found = check_pages(page, site, [
        "/", "/ar/", f"/ar/{YEAR}/", f"/ar/{YEAR}/underlag/", "/uttag/", f"/uttag/import/{batches[0].pk}/",
        f"/uttag/import/{batches[0].pk}/aterkalla/", "/mappning/", "/logg/",
    ])
    expect(page.get_by_role("table").first).to_be_visible()
    from boendeinventering.services import mapping

    mapping.save_entries(mapping.unmapped_with_suggestions())  # so the figures can be computed
    found += check_pages(page, site, [f"/ar/{YEAR}/rapport/", f"/ar/{YEAR}/internt/", f"/ar/{YEAR}/datakvalitet/"])
    assert not found, "\n".join(found)


def test_unmapped_names_page(site, page, tmp_path):
    from boendeinventering.services.imports import import_extract

    import_extract("insatser", stays_file(tmp_path / "okand.csv", n=3))
    login(page, site, "coordinator")
    found = check_pages(page, site, [f"/ar/{YEAR}/rapport/"])
    assert not found, "\n".join(found)


def test_administrator_pages(site, page):
    from django.contrib.auth import get_user_model

    from boendeinventering.organisation.models import Unit

    login(page, site, "administrator")
    user = get_user_model().objects.get(username=site["users"]["reporter"][0])
    unit = Unit.objects.get(name="Stadsmissionen")
    found = check_pages(page, site, ["/", "/anvandare/", f"/anvandare/{user.pk}/", "/enheter/",
                                     f"/enheter/{unit.pk}/", "/installningar/"])
    # The new-user form's error state, as the server renders it (the browser's own check bypassed).
    page.goto(site["url"] + "/anvandare/")
    form = page.locator("form.stack")
    form.evaluate("f => { f.noValidate = true; }")
    form.get_by_role("button").click()
    expect(page.locator(".field-error").first).to_be_visible()
    found += violations(page)
    assert not found, "\n".join(found)


def test_reader_pages_and_error_pages(site, page, tmp_path):
    from django.utils import timezone

    from boendeinventering.organisation.models import InventoryYear

    import_demo_data(tmp_path)
    InventoryYear.objects.filter(year=YEAR).update(published_at=timezone.now())
    login(page, site, "reader")
    found = check_pages(page, site, ["/", f"/ar/{YEAR}/rapport/"])
    found += check_pages(page, site, ["/uttag/"], expected_status=403)
    found += check_pages(page, site, ["/finns-inte/"], expected_status=404)
    assert not found, "\n".join(found)
