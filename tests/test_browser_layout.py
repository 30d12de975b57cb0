"""Layout a user would stumble on, measured in a real browser: the import history fits a 1280 px
screen (its Status column was scrolled out of sight), a unit's form keeps each question above its
field with "Uppgift saknas" in one piece at 390 px, and the answers page's text boxes are as wide
as the text column with their labels above them."""

from __future__ import annotations

from tests.browser_helpers import login, shot
from tests.fixtures.extracts import stays_file, write_csv
from tests.test_web_access import YEAR


def test_import_history_fits_a_desktop_screen(site, page, tmp_path):
    from boendeinventering.services import imports

    imports.import_extract("insatser", stays_file(tmp_path / "insatser-mottagningsenheten.csv", n=2), year=YEAR)
    debt = write_csv(tmp_path / "skuldradgivning-budget-och-skuld.csv", "Arende_ID;Person_ID;Inkommet_datum;Hyresskuld",
                     ["BUS-1;;2025-02-10;ja"])
    imports.import_extract("skuldradgivning", debt, year=YEAR)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, site, "coordinator")
    page.goto(site["url"] + "/uttag/")
    box = page.locator("#historik + .table-scroll")
    widths = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths  # no sideways scrolling on a desktop screen
    status = box.get_by_role("columnheader", name="Status")
    right = status.evaluate("e => e.getBoundingClientRect().right")
    assert right <= 1280, right
    shot(page, "uttag-historik-1280")


def test_unit_form_keeps_each_question_above_its_field_on_a_phone(site, page):
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, site, "reporter")
    page.goto(f"{site['url']}/ar/{YEAR}/underlag/enhet/{unit.pk}/sociala_kontrakt/")
    fields = page.locator(".form-section .field:has(.missing-choice)")
    assert fields.count() >= 8
    for i in range(fields.count()):
        field = fields.nth(i)
        label = field.locator("> label").bounding_box()
        number = field.locator("input[inputmode=numeric], input[type=number]").first.bounding_box()
        missing = field.locator(".missing-choice").bounding_box()
        assert label["y"] + label["height"] <= number["y"] + 1, i  # the question stands above its field
        assert missing["height"] < 30, (i, missing)  # "Uppgift saknas" on one line, not "Uppgift / saknas"
        assert missing["x"] + missing["width"] <= 390, (i, missing)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "underlag-formular-390")


def test_answers_page_text_boxes_span_the_text_column(site, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, site, "coordinator")
    page.goto(f"{site['url']}/ar/{YEAR}/svar/")
    for name in ("introduction", "conclusions"):
        box = page.locator(f"textarea#{name}").bounding_box()
        label = page.locator(f"label[for={name}]").bounding_box()
        assert box["width"] >= 600, (name, box)  # the browser's default is about 180 px
        assert label["y"] + label["height"] <= box["y"] + 1, name


def test_choices_in_a_unit_form_read_as_answers_not_questions(site, page):
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    login(page, site, "reporter")
    page.goto(f"{site['url']}/ar/{YEAR}/underlag/enhet/{unit.pk}/samarbetspartner/")
    legend = page.locator("fieldset.field-choice legend").first
    option = page.locator("fieldset.field-choice label").first
    question = page.locator(".form-row .field > label").first
    assert option.evaluate("e => getComputedStyle(e).fontWeight") == "400"  # "Brukarråd", an answer
    assert int(question.evaluate("e => getComputedStyle(e).fontWeight")) >= 600  # "Organisation", a question
    assert int(legend.evaluate("e => getComputedStyle(e).fontWeight")) >= 600  # "Typ av organisation"


def test_pages_load_without_a_missing_file(site, page):
    """The browser asks for the tab's icon on the first page: without one every visit logged a
    'Not Found: /favicon.ico' on the server and a failed load in the browser's console."""
    failed = []
    page.on("console", lambda msg: failed.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    login(page, site, "coordinator")
    assert page.locator("link[rel=icon]").count() == 1
    icon = page.request.get(site["url"] + page.locator("link[rel=icon]").get_attribute("href"))
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    assert failed == []


def test_a_table_wider_than_a_phone_says_it_scrolls_sideways(site, page):
    """At 390 px the reporter's list of forms scrolls sideways; with no scroll bar on a phone its
    date column looked like broken text ("3 / n / 2 / 1"), so the box says that it scrolls."""
    from boendeinventering.organisation.models import Unit

    unit = Unit.objects.get(name="Mottagningsenheten")
    url = f"{site['url']}/ar/{YEAR}/underlag/enhet/{unit.pk}/"
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, site, "reporter")
    page.goto(url)
    box = page.locator("main .table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    hint = page.locator("main .scroll-hint").first
    assert hint.is_visible() and "dra i sidled" in hint.inner_text()
    assert hint.evaluate("(h) => h.nextElementSibling.classList.contains('table-scroll')")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url)
    assert not page.locator("main .table-scroll").first.evaluate("b => b.scrollWidth > b.clientWidth")
    assert page.locator("main .scroll-hint:visible").count() == 0


def test_import_errors_read_whole_on_a_phone(site, page, tmp_path):
    """At 390 px each error of a refused import is a block of its own (Rad, Kolumn, Värde, Orsak),
    so the reason is on the screen; at 1280 px it is the table it was. axe still finds no fault."""
    from tests.fixtures.extracts import STAY_HEADER, pnr
    from tests.test_accessibility import violations

    bad = write_csv(tmp_path / "insatser-fel.csv", STAY_HEADER,
                    [f"{pnr(1)};;Mottagningsenheten;Hotell;2025-14-01;;;;;",
                     f"{pnr(2)};;Mottagningsenheten;Hotell;2025-05-01;;;;;abc"])
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, site, "coordinator")
    page.goto(site["url"] + "/uttag/")
    page.get_by_label("Fil (CSV eller Excel .xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Ladda upp och importera").click()
    page.wait_for_selector("table.issues", timeout=20_000)
    reasons = page.locator("table.issues td[data-label=Orsak]")
    assert reasons.count() == 2
    for i in range(2):
        box = reasons.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # on the screen, not past its edge
    assert reasons.first.evaluate("e => getComputedStyle(e, '::before').content") == '"Orsak: "'
    assert page.get_by_role("cell", name="ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)").count() == 1  # still a table
    assert not violations(page)
    shot(page, "import-fel-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("table.issues tr").nth(1).evaluate("e => getComputedStyle(e).display") == "table-row"
