"""Imports that never mislead, in a real browser (issue 7 items 1, 2, 3): a misspelt column stops
the upload until the coordinator confirms; the same file for another year is another import and
"Ersätt" with an earlier file brings it back; an import is withdrawn and reactivated with a
confirmation and shows in the log. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv
from tests.browser_helpers import login, shot
from tests.test_web_access import YEAR

FILE_LABEL = "Fil (CSV eller Excel .xlsx)"


def upload(page, site, path, *, year=YEAR, replace=False, tick=()):
    page.goto(site["url"] + "/uttag/")
    page.get_by_label("Slag av uttag").select_option("insatser")
    page.get_by_label("Uttaget gäller inventeringsår").select_option(str(year))
    page.get_by_label(FILE_LABEL).set_input_files(str(path))
    if replace:
        page.get_by_label(re.compile("^Ersätt")).check()
    for label in tick:
        page.get_by_label(label).check()
    page.get_by_role("button", name="Ladda upp och importera").click()


def finished(page, text):
    expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=20_000)  # polled, then reloaded


def test_misspelt_column_waits_for_importera_anda(site, page, tmp_path):
    header = STAY_HEADER.replace(";slutdatum;", ";Slut_datum;") + ";Handläggare"
    path = write_csv(tmp_path / "insatser.csv", header,
                     [f"{pnr(i)};;Mottagningsenheten;Akutboendet Tallen;{YEAR}-02-01;{YEAR}-02-09;;;;;Anna"
                      for i in range(4)])
    login(page, site, "coordinator")
    upload(page, site, path)
    finished(page, "Avvisad.")
    issues = page.locator("table.issues")
    expect(issues).to_contain_text("Slut_datum")
    expect(issues).to_contain_text("liknar slutdatum")
    expect(page.locator(".result")).to_contain_text("Importera ändå")
    assert "--accept-columns" not in page.content()
    from boendeinventering.inventory.models import ImportBatch

    assert ImportBatch.objects.count() == 0  # nothing written before the user confirms
    shot(page, "import-kolumner-bekrafta")

    # the confirmation form is filled in as the job was; the file is chosen again
    expect(page.get_by_label("Importera ändå om kolumnerna ser fel ut")).to_be_checked()
    page.get_by_label(FILE_LABEL).set_input_files(str(path))
    page.get_by_role("button", name="Importera ändå").click()
    finished(page, "Klar.")
    expect(page.get_by_test_id("unknown-columns")).to_contain_text("Slut_datum, Handläggare")
    expect(page.get_by_text("Kolumnen Slut_datum liknar slutdatum men användes inte")).to_be_visible()
    expect(page.get_by_test_id("new-unmapped")).to_contain_text("Akutboendet Tallen")
    shot(page, "import-kolumner-klar")
    page.get_by_test_id("new-unmapped").get_by_role("link", name=re.compile("Mappning")).click()
    expect(page.get_by_text("Akutboendet Tallen")).to_be_visible()


def test_same_file_per_year_and_ersatt_brings_an_earlier_file_back(site, page, tmp_path):
    from boendeinventering.organisation.models import InventoryYear

    InventoryYear.objects.get_or_create(year=YEAR + 1)
    right = stays_file(tmp_path / "insatser.csv", n=5)
    wrong = stays_file(tmp_path / "insatser-fel.csv", n=2, start=40)
    login(page, site, "coordinator")
    from boendeinventering.inventory.models import ImportBatch

    upload(page, site, right)
    finished(page, "5 rader importerades av 5 lästa.")
    first = ImportBatch.objects.get().pk  # ids are not reset between browser tests
    upload(page, site, right)
    finished(page, f"Filen är redan importerad för samma år (import {first})")
    upload(page, site, right, year=YEAR + 1)
    finished(page, "5 rader importerades av 5 lästa.")  # another year: another import
    expect(page.get_by_text(f"inventeringsår {YEAR + 1}")).to_be_visible()

    upload(page, site, wrong, replace=True)
    finished(page, f"Importen ersätter import {first}")
    wrong_id = ImportBatch.objects.get(file_name="insatser-fel.csv").pk
    upload(page, site, right, replace=True)
    finished(page, "är nu aktiv igen")
    expect(page.locator(".result")).to_contain_text(f"Den ersätter import {wrong_id}")
    page.get_by_role("link", name="Tillbaka till uttag").click()
    history = page.locator("#historik + .table-scroll table")
    expect(history.locator("tr", has_text="insatser-fel.csv")).to_contain_text(f"Ersatt av {first}")
    expect(history.locator("tr", has_text="insatser-fel.csv")).to_contain_text(str(YEAR))
    expect(history).to_contain_text(str(YEAR + 1))
    shot(page, "uttag-historik-ar")


def test_withdraw_and_reactivate_with_confirmation(site, page, tmp_path):
    login(page, site, "coordinator")
    upload(page, site, stays_file(tmp_path / "insatser.csv", n=3))
    finished(page, "Klar.")
    from boendeinventering.inventory.models import ImportBatch

    n = ImportBatch.objects.get().pk
    page.get_by_role("link", name=f"Import {n} i historiken").click()
    expect(page.get_by_test_id("batch-year")).to_have_text(str(YEAR))
    page.get_by_role("link", name="Återkalla importen …").click()
    expect(page.get_by_role("heading", name=f"Återkalla import {n}?")).to_be_visible()
    expect(page.get_by_text("kan återaktiveras")).to_be_visible()
    shot(page, "import-aterkalla")
    page.get_by_role("button", name=f"Återkalla import {n}").click()
    expect(page.get_by_test_id("batch-state")).to_contain_text("Återkallad")
    expect(page.get_by_text(f"Import {n} är återkallad")).to_be_visible()
    assert not ImportBatch.objects.get().active

    page.get_by_role("link", name="Återaktivera importen …").click()
    page.get_by_role("button", name=f"Återaktivera import {n}").click()
    expect(page.get_by_test_id("batch-state")).to_have_text("Aktiv")

    page.goto(site["url"] + "/logg/")
    log = page.locator("table")
    expect(log.get_by_role("cell", name="Import återkallad", exact=True)).to_be_visible()
    expect(log.get_by_role("cell", name="Import återaktiverad", exact=True)).to_be_visible()
    expect(log.get_by_role("cell", name="Import av uttag", exact=True)).to_have_count(1)  # by the service, once
    from boendeinventering.organisation.models import AuditEvent

    assert AuditEvent.objects.filter(action="import").count() == 1


def test_empty_file_needs_the_checkbox(site, page, tmp_path):
    empty = write_csv(tmp_path / "tom.csv", STAY_HEADER, [])
    login(page, site, "coordinator")
    upload(page, site, empty)
    finished(page, "Avvisad.")
    expect(page.locator(".result")).to_contain_text("inga datarader")
    expect(page.get_by_label("Filen får sakna rader (uttaget ska vara tomt)")).to_be_checked()
    page.get_by_label(FILE_LABEL).set_input_files(str(empty))
    page.get_by_role("button", name="Importera ändå").click()
    finished(page, "0 rader importerades av 0 lästa.")
