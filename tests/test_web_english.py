"""English on request: with the language cookie "en" the pages use the English catalogue
(templates, form labels from reporting/kinds.py, messages); without it they stay Swedish."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from boendeinventering.organisation.models import Role
from tests.test_web_access import YEAR
from tests.test_web_views import as_role

LOGIN = "/logga-in/"


@pytest.fixture(autouse=True)
def _restore_language():
    # The locale middleware activates the request's language in this thread; leave Swedish behind.
    yield
    translation.deactivate()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_words(text: str, present: list[str], absent: list[str]) -> None:
    for word in present:
        assert word in text, f"missing {word!r}"
    for word in absent:
        assert word not in text, f"unexpected {word!r}"


def reporter_form_url(kind: str = "utan_tak") -> str:
    reporter = get_user_model().objects.get(profile__role=Role.REPORTER)
    return f"/ar/{YEAR}/underlag/enhet/{reporter.profile.unit_id}/{kind}/"


LOGIN_EN = ["Sign in", "Skip to content", "Housing inventory"]
LOGIN_SV = ["Logga in", "Hoppa till innehållet", "Boendeinventering"]


def test_login_page_in_english_and_swedish(db):
    text = page(english(Client()), LOGIN)
    assert '<html lang="en">' in text
    assert_words(text, LOGIN_EN, ["Logga in", "Hoppa till innehållet", "Lösenord"])
    assert_words(page(Client(), LOGIN), LOGIN_SV, ["Sign in", "Skip to content"])


START_EN = ["Inventory years", "Sign out", "Shortcuts", "Upload extracts"]
START_SV = ["Inventeringsår", "Logga ut", "Genvägar", "Ladda upp uttag"]


def test_start_page_in_english_and_swedish(users):  # noqa: F811
    assert_words(page(english(as_role(users, "coordinator")), "/"), START_EN, START_SV)
    assert_words(page(as_role(users, "coordinator"), "/"), START_SV, START_EN)


YEAR_EN = ["Participating units", "Add a unit", "Publishing and reporting", "Close reporting",
           "Reporting is open.", "February"]
YEAR_SV = ["Deltagande enheter", "Lägg till en enhet", "Publicering och rapportering", "Stäng rapporteringen",
           "Rapporteringen är öppen.", "februari"]


def test_coordinator_year_page_in_english_and_swedish(users):  # noqa: F811
    assert_words(page(english(as_role(users, "coordinator")), f"/ar/{YEAR}/"), YEAR_EN, YEAR_SV)
    assert_words(page(as_role(users, "coordinator"), f"/ar/{YEAR}/"), YEAR_SV, YEAR_EN)


# Template text, kind title/intro, section titles, field labels and help texts, the "missing" box.
FORM_EN = ["Save draft", "Submit", "Not available", "People sleeping rough", "Breakdown by sex",
           "Estimated number of persons during the year", "Not applicable to our unit", "Public premises",
           "Method support:"]
FORM_SV = ["Spara utkast", "Skicka in", "Uppgift saknas", "Personer som sover utan tak över huvudet",
           "Fördelning efter kön", "Uppskattat antal personer under året", "Ej aktuellt för vår enhet",
           "Offentliga lokaler", "Metodstödet:"]


def test_reporter_form_page_in_english_and_swedish(users):  # noqa: F811
    url = reporter_form_url()
    assert_words(page(english(as_role(users, "reporter")), url), FORM_EN, FORM_SV)
    assert_words(page(as_role(users, "reporter"), url), FORM_SV, FORM_EN)


def test_reporter_messages_and_errors_in_english(users):  # noqa: F811
    client = english(as_role(users, "reporter"))
    url = reporter_form_url()
    # Submitting an empty form: the error summary and the field errors are English.
    errors = client.post(url, {"action": "submit"}).content.decode()
    assert_words(errors, ["The form contains errors", "Enter a number or tick Not available."],
                 ["Formuläret innehåller fel", "Ange ett antal eller markera Uppgift saknas."])
    # A part larger than its total: the rule's message is English too.
    rule = client.post(url, {"action": "draft", "antal": "2", "kvinnor": "3"}).content.decode()
    assert "The breakdown by sex exceeds the number of persons." in rule
    # Saving a draft: the confirmation (django.contrib.messages) is English; the stored answer is not translated.
    saved = client.post(url, {"action": "draft", "antal": "4", "kvinnor": "2", "platser": ["talt"]}, follow=True)
    text = saved.content.decode()
    assert_words(text, ["The draft has been saved. You can continue later."], ["Utkastet är sparat"])
    from boendeinventering.reporting.models import UnitReport

    report = UnitReport.objects.get(kind="utan_tak")
    assert report.data["antal"] == 4 and report.data["platser"] == ["talt"]
    # Submitted in English: the audit trail stays Swedish (it is the municipality's record).
    data = {"antal": "0"}
    data.update({f"{f}_saknas": "on" for f in ("kvinnor", "man", "okant_kon", "alder_0_17", "alder_18_25",
                                                "alder_26_64", "alder_65", "alder_okand")})
    done = client.post(url, {"action": "submit", **data}, follow=True).content.decode()
    assert "People sleeping rough (without a roof over their heads) has been submitted. Thank you!" in done
    from boendeinventering.organisation.models import AuditEvent

    detail = AuditEvent.objects.get(action="form_submitted").detail
    assert detail.startswith("Utan tak över huvudet,"), detail


def test_swedish_messages_without_cookie(users):  # noqa: F811
    client = as_role(users, "reporter")
    saved = client.post(reporter_form_url(), {"action": "draft", "antal": "1"}, follow=True).content.decode()
    assert "Utkastet är sparat. Du kan fortsätta senare." in saved and "The draft has been saved" not in saved


@pytest.mark.parametrize("english_cookie", [False, True])
def test_the_one_error_page_says_what_went_wrong_in_the_users_language(users, english_cookie):
    reader = as_role(users, "reader")
    if english_cookie:
        english(reader)
    refused = reader.get("/uttag/")  # coordinators only
    missing = reader.get("/finns-inte/")
    assert (refused.status_code, missing.status_code) == (403, 404)
    refused, missing = refused.content.decode(), missing.content.decode()
    if english_cookie:
        assert "<h1>Access denied</h1>" in refused and "Your role does not give access" in refused
        assert "<h1>Page not found</h1>" in missing and "has not been published yet" in missing
    else:
        assert "<h1>Åtkomst nekad</h1>" in refused and "Din roll ger inte behörighet" in refused
        assert "<h1>Sidan finns inte</h1>" in missing and "inte publicerade ännu" in missing
