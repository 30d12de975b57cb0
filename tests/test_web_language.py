"""Swedish first: dates like "15 februari 2026" and numbers "1 234" whatever the browser asks."""

from __future__ import annotations

import pytest
from django.conf import settings

from boendeinventering.services.users import create_demo_users


@pytest.fixture
def coordinator_client(installed, client):
    create_demo_users(year=2025)
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="samordnare"))
    return client


def test_english_browser_gets_swedish(client, db):
    page = client.get("/logga-in/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="sv">' in page and "Logga in" in page


def test_chosen_language_wins(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/logga-in/").content.decode()
    assert '<html lang="en">' in page


def test_swedish_dates_on_year_page(coordinator_client):
    page = coordinator_client.get("/ar/2025/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "15 februari 2026" in page
    assert "February" not in page
