import os

import pytest


def pytest_collection_modifyitems(config, items):
    # Every test that touches the database also runs in the PostgreSQL pass (`-m db`).
    for item in items:
        if {"db", "transactional_db", "django_db_setup", "installed"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def data_dir(tmp_path, settings):
    path = tmp_path / "data"
    settings.DATA_DIR = path
    # Uploads stream to the test's own tmp/ (settings derive it from DATA_DIR once, at start).
    (path / "tmp").mkdir(parents=True, mode=0o700)
    settings.FILE_UPLOAD_TEMP_DIR = str(path / "tmp")
    return path


@pytest.fixture
def installed(db, data_dir):
    """A fresh installation (key in a temporary data directory) on the test database."""
    from boendeinventering.services.installation import init_installation

    init_installation("0180")
    return data_dir


@pytest.fixture
def users(installed, settings):
    """The demo users of YEAR, by role: role -> (username, password)."""
    from boendeinventering.services.users import create_demo_users
    from tests.test_web_access import YEAR

    settings.BOINV_TASKS_SYNC = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
    return {role: (name, pw) for name, pw, role, _unit in create_demo_users(YEAR)}


# --- the browser tests (Playwright + Debian's Chromium against the live server) ------------------
# Helpers that are not fixtures (login, logout, shot) live in tests/browser_helpers.py.

# Playwright's sync API keeps an event loop in the test thread; the tests' own ORM calls are still
# synchronous and safe, so Django's guard against async contexts is lifted for the browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser_helpers import ARTIFACTS, CHROMIUM_ARGS

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors  # CSP never blocks our own page


@pytest.fixture
def site(live_server, data_dir, settings, transactional_db):
    """The live server with an installation and the demo users: {"url", "users"}.

    Imports run in the request here: the test database is SQLite's shared-cache in-memory one,
    whose table locks fail at once instead of waiting (production's WAL file waits up to 30 s), so a
    background import beside the page's polling failed now and then under load. The background
    worker is tested against a real server and database file in test_serve_jobs.py and test_jobs.py."""
    from boendeinventering.services.installation import init_installation
    from boendeinventering.services.users import create_demo_users
    from tests.test_web_access import YEAR

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BOINV_TASKS_SYNC = True
    init_installation("0180")
    users = {role: (name, pw) for name, pw, role, _unit in create_demo_users(YEAR)}
    return {"url": live_server.url, "users": users}
