"""What the coordinator reads on the log, extract and answers pages is Swedish words, not the
program's codes: register and change names in the log (not "Participation object (5)", "create"),
kinds of extract in the history (not "skuldradgivning"), the report's sources (not "form:utan_tak"),
and the Mappning page (not the command line) when a local name has no code."""

from __future__ import annotations

import re

from django.urls import reverse

from boendeinventering.inventory.models import MappingEntry
from tests.fixtures.extracts import stays_file, write_csv
from tests.test_web_access import YEAR
from tests.test_web_views import as_role, upload


def test_audit_log_names_registers_objects_and_changes_in_swedish(users):
    MappingEntry.objects.create(local_name="Härbärget Stigen", name_key="harbarget stigen", code="harbarge")
    html = as_role(users, "coordinator").get(reverse("web:audit_log")).content.decode()
    changes = html[html.index("Senaste ändringar i register"):]
    assert f"Deltagande enhet: Mottagningsenheten {YEAR}" in changes
    assert "Mappning: Härbärget Stigen → harbarge" in changes
    assert "Enhet: Mottagningsenheten" in changes and f"Inventeringsår: {YEAR}" in changes
    assert "<td>Skapad</td>" in changes
    # Django's and django-auditlog's English never reaches the page
    assert " object (" not in changes
    for english in ("participation:", "mapping entry:", "inventory year:", "unit:", "profile:"):
        assert english not in changes, english
    assert not re.search(r"<td>(create|update|delete)</td>", changes)


def test_audit_log_names_a_deleted_mapping_from_the_logged_change(users):
    entry = MappingEntry.objects.create(local_name="Nödlogi", name_key="nodlogi", code="annan_akut")
    entry.delete()
    html = as_role(users, "coordinator").get(reverse("web:audit_log")).content.decode()
    changes = html[html.index("Senaste ändringar i register"):]
    assert "Mappning: Nödlogi → annan_akut</td><td>Borttagen</td>" in changes.replace("\n", "")


def test_the_log_records_readable_names_for_new_changes(users):
    from auditlog.models import LogEntry

    entry = MappingEntry.objects.create(local_name="Nödlogi", name_key="nodlogi", code="annan_akut")
    logged = LogEntry.objects.get_for_object(entry).get()
    assert logged.object_repr == "Nödlogi → annan_akut"
    participation_reprs = set(LogEntry.objects.filter(content_type__model="participation")
                              .values_list("object_repr", flat=True))
    assert f"Mottagningsenheten {YEAR}" in participation_reprs, participation_reprs


def test_extract_history_names_the_kind_in_words(users, tmp_path):
    client = as_role(users, "coordinator")
    debt = write_csv(tmp_path / "skuld.csv", "Arende_ID;Person_ID;Inkommet_datum;Hyresskuld",
                     ["BUS-1;;2025-02-10;ja", "BUS-2;;2025-03-10;nej"])
    upload(client, debt, kind="skuldradgivning")
    upload(client, stays_file(tmp_path / "insatser.csv", n=2))
    html = client.get(reverse("web:extracts")).content.decode()
    history = html[html.index('id="historik"'):]
    recent = html[html.index("Senaste uppladdningar"):html.index('id="historik"')]
    for table in (history, recent):
        assert "<td>Budget- och skuldrådgivning</td>" in table and "<td>Insatser</td>" in table
        assert "<td>skuldradgivning</td>" not in table and "<td>insatser</td>" not in table
    # the year page names them as the checklist above it does ("Skuldrådgivning" was the model's word)
    year = client.get(reverse("web:year", args=[YEAR])).content.decode()
    imports = year[year.index('data-testid="year-imports"'):]
    assert "<td>Budget- och skuldrådgivning</td>" in imports and "<td>Skuldrådgivning</td>" not in imports


def test_answers_page_sends_unmapped_names_to_the_mapping_page(users, tmp_path):
    from boendeinventering.services import imports

    imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=3), year=YEAR)
    html = as_role(users, "coordinator").get(reverse("reporting:answers", args=[YEAR])).content.decode()
    notice = html[html.index('data-testid="unmapped-problem"'):]
    notice = notice[:notice.index("</p>")]
    assert "1 lokal benämning i uttagen saknar standardkod" in notice
    assert f'href="{reverse("web:mapping")}"' in notice
    assert "boinv mapping import" not in html and "kopplingstabellen" not in html


def test_wrong_separator_is_named_on_the_refused_import_page(users, tmp_path):
    from boendeinventering.organisation.models import ImportJob
    from tests.fixtures.extracts import STAY_HEADER, pnr

    client = as_role(users, "coordinator")
    tabbed = write_csv(tmp_path / "insatser-tabb.csv", STAY_HEADER.replace(";", "\t"),
                       [f"{pnr(1)}\t\tMottagningsenheten\tHotell\t2025-05-01\t\t\t\t\t"])
    response = upload(client, tabbed)
    assert ImportJob.objects.get().status == ImportJob.REFUSED
    html = client.get(response["Location"]).content.decode()
    issues = html[html.index('class="issues"'):]
    # the first reason says what is wrong (the separator), before the columns it made "missing"
    assert issues.index("filen har bara en kolumn") < issues.index("obligatorisk kolumn saknas")
    assert "Rubrikraden skiljer kolumnerna med tabbar" in issues


def test_refused_import_counts_its_rows_in_swedish_and_says_what_to_do(users, tmp_path):
    from boendeinventering.organisation.models import ImportJob
    from tests.fixtures.extracts import STAY_HEADER, pnr

    client = as_role(users, "coordinator")
    one_bad = write_csv(tmp_path / "en-fel.csv", STAY_HEADER, [f"{pnr(1)};;Mottagningsenheten;Hotell;2025-14-01;;;;;"])
    html = client.get(upload(client, one_bad)["Location"]).content.decode()
    assert ImportJob.objects.get().rows_invalid == 1
    assert "Filen har 1 felaktig rad och importerades inte." in html and "1 felaktiga rader" not in html
    assert "Importera bara de korrekta raderna" in html
    two_bad = write_csv(tmp_path / "tva-fel.csv", STAY_HEADER, [f"{pnr(i)};;Mottagningsenheten;Hotell;2025-14-01;;;;;"
                                                                for i in (2, 3)])
    html = client.get(upload(client, two_bad)["Location"]).content.decode()
    assert "Filen har 2 felaktiga rader och importerades inte." in html


def test_unit_choices_say_what_an_empty_choice_means(users):
    from boendeinventering.organisation.models import Unit

    admin = as_role(users, "administrator")
    for url in (reverse("web:users"), reverse("web:user_edit", args=[admin.session["_auth_user_id"]])):
        html = admin.get(url).content.decode()
        assert re.search(r'<option value=""( selected)?>— ingen enhet —</option>', html), url
        assert "---------" not in html, url
    Unit.objects.create(name="Härbärgesenheten")
    html = as_role(users, "coordinator").get(reverse("web:year", args=[YEAR])).content.decode()
    assert re.search(r'<option value=""( selected)?>— välj enhet —</option>', html) and "---------" not in html


def test_the_new_words_have_english_too(users, tmp_path):
    from django.conf import settings
    from django.utils import translation

    from boendeinventering.services import imports

    imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=2), year=YEAR)
    client = as_role(users, "coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        log = client.get(reverse("web:audit_log")).content.decode()
        answers = client.get(reverse("reporting:answers", args=[YEAR])).content.decode()
        extracts = client.get(reverse("web:extracts")).content.decode()
    finally:
        translation.deactivate()
    assert f"Participating unit: Mottagningsenheten {YEAR}" in log and "<td>Created</td>" in log
    assert "1 local name in the extracts has no standard code" in answers
    assert "Choose codes on the Mapping page" in answers
    assert "File and checksum" in extracts


def test_saved_mapping_counts_read_right_for_one_name(users, tmp_path):
    from boendeinventering.services import imports
    from boendeinventering.web.views.mapping import field_name

    imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=2), year=YEAR)
    client = as_role(users, "coordinator")
    response = client.post(reverse("web:mapping"), {field_name("Akutboendet Tallen"): "akutboende"}, follow=True)
    html = response.content.decode()
    assert "Mappningen är sparad (nya benämningar: 1, ändrade: 0)." in html and "1 nya" not in html


def test_one_unmapped_name_is_counted_in_the_singular_on_the_year_page(users, tmp_path):
    from boendeinventering.services import imports

    imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=2), year=YEAR)
    client = as_role(users, "coordinator")
    audit = client.post(reverse("web:run_audit", args=[YEAR]), follow=True).content.decode()
    assert "Röjandekontrollen kunde inte köras: 1 lokal benämning saknar mappning; mappa den först." in audit
    published = client.post(reverse("web:publish", args=[YEAR]), {"action": "publish", "confirmed": "1"},
                            follow=True).content.decode()
    assert "Året kan inte publiceras ännu: 1 lokal benämning saknar mappning." in published
    assert "1 lokala" not in audit + published


def test_withdraw_and_reactivate_offer_avbryt_as_a_button_like_other_confirmations(users, tmp_path):
    from boendeinventering.services import imports

    batch = imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=2), year=YEAR).batch
    client = as_role(users, "coordinator")
    cancel = f'<a class="button button-secondary" href="{reverse("web:import_batch", args=[batch.id])}">Avbryt</a>'
    assert cancel in client.get(reverse("web:import_withdraw", args=[batch.id])).content.decode()
    client.post(reverse("web:import_withdraw", args=[batch.id]))
    assert cancel in client.get(reverse("web:import_reactivate", args=[batch.id])).content.decode()


def test_a_checkbox_statement_has_no_colon(users):
    admin = as_role(users, "administrator")
    html = admin.get(reverse("web:user_edit", args=[admin.session["_auth_user_id"]])).content.decode()
    assert '<label for="id_is_active">Kontot är aktivt</label>' in html and "Kontot är aktivt:" not in html
    html = as_role(users, "coordinator").get(reverse("web:extracts")).content.decode()
    assert "Importera ändå om kolumnerna ser fel ut</label>" in html and "ser fel ut:" not in html


def test_figures_blocked_by_an_unmapped_name_suggest_a_code_by_its_name(users, tmp_path):
    from boendeinventering.services import imports

    imports.import_extract("insatser", stays_file(tmp_path / "insatser.csv", n=2), year=YEAR)
    html = as_role(users, "coordinator").get(reverse("web:quality", args=[YEAR])).content.decode()
    assert "<td>Akutboendet Tallen</td><td>1: Akutboende (akutboende)</td>" in html


def test_refused_report_texts_are_named_as_the_page_names_them(users):
    from boendeinventering.core.demo_data import load_test_numbers
    from boendeinventering.reporting.services import TEXT_MAX

    client = as_role(users, "coordinator")
    response = client.post(reverse("reporting:answers", args=[YEAR]), {
        "introduction": "x" * (TEXT_MAX + 1), "conclusions": "", "answer-q3": f"Gäller {load_test_numbers()[0]}."})
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index("Texterna kunde inte sparas"):]
    summary = summary[:summary.index("</ul>")]
    assert '<a href="#introduction">Inledning: Texten är för lång' in summary
    assert '<a href="#answer-q3">Kommentar till svar 3: ' in summary and "personnummer" in summary
    assert "answer:q3" not in summary and ">introduction:" not in summary
    assert html.count('id="answer-q3"') == 1 and 'id="introduction"' in html  # the links lead to the boxes
