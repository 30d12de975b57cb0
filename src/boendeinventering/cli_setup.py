"""How a `boinv` verb gets its settings and Django: cli.py before every verb, cli_commands.py when
`boinv history`'s quick read (cli_history.py) cannot answer and the ORM must."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

DEFAULT_SETTINGS = "boendeinventering.settings"


def load_settings() -> Any:
    """The settings module Django would load (its checks of the environment included: an
    unreadable variable raises ImproperlyConfigured here as in django.setup)."""
    return importlib.import_module(os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS))


def setup_django() -> None:
    import django

    load_settings()
    django.setup()


def django_ready() -> bool:
    """Whether this process has set Django up already (a test, the web): then its settings, not
    the module's, say which database to read, and the ORM does."""
    apps = sys.modules.get("django.apps")
    return apps is not None and apps.apps.ready
