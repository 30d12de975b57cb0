"""Django system checks for Boendeinventering's settings (ids boinv.E001 … and boinv.W001).

Values that cannot be read at all (BOINV_PRODUCTION=ture, BOINV_MAX_UPLOAD_MB=lots) stop the
settings module itself with one line (settings.py). These checks cover what can be read but does
not make sense, alone or together. `boinv serve` and `boinv worker` refuse to start on an error;
`python manage.py check` lists them. Messages are Swedish first, English in brackets, as the
people who run the server may be either."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register, run_checks

_HINT = "Se docs/drift.md (inställningar)."


@register("boinv")
def check_settings(app_configs=None, **kwargs):
    problems = []
    data_dir = Path(settings.DATA_DIR)
    if not data_dir.is_dir() or not os.access(data_dir, os.W_OK | os.X_OK):
        problems.append(Error(
            f"Datakatalogen {data_dir} finns inte eller går inte att skriva i (BOINV_DATA_DIR) "
            "(the data directory is missing or not writable).", hint=_HINT, id="boinv.E001"))
    if settings.PRODUCTION and settings.DEBUG:
        problems.append(Error(
            "BOINV_DEBUG och BOINV_PRODUCTION är båda på: felsidor skulle visa inställningar och data "
            "(debug must be off in production).", hint=_HINT, id="boinv.E002"))
    if settings.BOINV_JOB_HEARTBEAT_SECONDS * 3 > settings.BOINV_JOB_STALE_SECONDS:
        problems.append(Error(
            f"BOINV_JOB_STALE_SECONDS ({settings.BOINV_JOB_STALE_SECONDS:g}) måste vara minst tre gånger "
            f"BOINV_JOB_HEARTBEAT_SECONDS ({settings.BOINV_JOB_HEARTBEAT_SECONDS:g}), annars kan en pågående "
            "import markeras som avbruten (a live import would be failed as stale).", hint=_HINT, id="boinv.E003"))
    header = settings.BOINV_REMOTE_USER_HEADER
    if header and not header.startswith("HTTP_"):
        problems.append(Error(
            f"BOINV_REMOTE_USER_HEADER={header!r} ska vara som Django ser huvudet, t.ex. HTTP_X_REMOTE_USER "
            "(the header name must start with HTTP_).", hint=_HINT, id="boinv.E004"))
    if settings.PRODUCTION and not settings.CSRF_TRUSTED_ORIGINS and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        problems.append(Warning(
            "BOINV_PRODUCTION bakom en proxy utan BOINV_CSRF_TRUSTED_ORIGINS: formulär kan avvisas "
            "(set the public https:// origin).", hint=_HINT, id="boinv.W001"))
    return problems


def startup_errors() -> list[str]:
    """All system-check errors, one line each, for commands that must not start with them."""
    return [f"{message.id}: {message.msg}" for message in run_checks(include_deployment_checks=False)
            if message.is_serious() and not message.is_silenced()]
