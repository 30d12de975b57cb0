"""Strict settings (issue 7, item 13): a value that cannot be read stops the program at start with
one line, never a silent default; system checks boinv.E001 … for values that make no sense."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], tmp_path: Path, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("BOINV_")}
    full_env.update({"BOINV_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src"), **env})
    return subprocess.run([sys.executable, *args], env=full_env, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


@pytest.mark.parametrize("command", [["-m", "boendeinventering.cli", "history"], ["manage.py", "check"]])
def test_a_mistyped_boolean_stops_the_program_with_one_line(tmp_path, command):
    done = _run(command, tmp_path, BOINV_PRODUCTION="ture")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "BOINV_PRODUCTION='ture'" in lines[0] and "ja/nej" in lines[0] and "boolean" in lines[0]


def test_every_unreadable_setting_is_named_in_the_one_line(tmp_path):
    done = _run(["-m", "boendeinventering.cli", "history"], tmp_path, BOINV_MAX_UPLOAD_MB="500MB",
                BOINV_SUPPRESSION_THRESHOLD="0", BOINV_DISCLOSURE_METHOD="brus", BOINV_DEBUG="kanske",
                BOINV_DATABASE_URL="mysql://x@y/z")
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line
    for name in ("BOINV_MAX_UPLOAD_MB='500MB' är inget heltal", "BOINV_SUPPRESSION_THRESHOLD='0' ligger utanför",
                 "BOINV_DISCLOSURE_METHOD='brus'", "BOINV_DEBUG='kanske'", "BOINV_DATABASE_URL"):
        assert name in line, line


def test_readable_spellings_are_accepted_and_the_data_directory_comes_first(tmp_path):
    data = tmp_path / "ny" / "data"
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.PRODUCTION, s.DEBUG, s.BOINV_MAX_UPLOAD_MB, s.FILE_UPLOAD_TEMP_DIR, s.SESSION_COOKIE_SECURE)")
    done = _run(["-c", script], tmp_path, BOINV_DATA_DIR=str(data), BOINV_PRODUCTION="Ja", BOINV_DEBUG=" 0 ",
                BOINV_MAX_UPLOAD_MB="200", DJANGO_SETTINGS_MODULE="boendeinventering.settings")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "200", str(data / "tmp"), "True"]
    # A fresh data directory is made before the secret key and the upload directory need it.
    assert (data / "django-secret.txt").is_file() and (data / "tmp").is_dir()
    assert oct((data).stat().st_mode & 0o777) == "0o700"


def test_system_checks_name_what_is_wrong(settings, tmp_path):
    from boendeinventering.checks import check_settings

    settings.DATA_DIR = tmp_path
    assert check_settings() == []
    not_a_dir = tmp_path / "fil"
    not_a_dir.write_text("x")
    settings.DATA_DIR = not_a_dir
    settings.PRODUCTION, settings.DEBUG = True, True
    settings.BOINV_JOB_HEARTBEAT_SECONDS, settings.BOINV_JOB_STALE_SECONDS = 10, 20
    settings.BOINV_REMOTE_USER_HEADER = "X-Remote-User"
    settings.SECURE_PROXY_SSL_HEADER, settings.CSRF_TRUSTED_ORIGINS = ("HTTP_X_FORWARDED_PROTO", "https"), []
    found = {m.id: m for m in check_settings()}
    assert sorted(found) == ["boinv.E001", "boinv.E002", "boinv.E003", "boinv.E004", "boinv.W001"]
    assert "BOINV_DATA_DIR" in found["boinv.E001"].msg and "BOINV_JOB_STALE_SECONDS (20)" in found["boinv.E003"].msg


def test_serve_and_worker_refuse_to_start_on_a_check_error(tmp_path):
    for command in ("serve", "worker"):
        done = _run(["-m", "boendeinventering.cli", command], tmp_path, BOINV_JOB_STALE_SECONDS="5")
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.strip().startswith("boinv.E003: BOINV_JOB_STALE_SECONDS (5)"), done.stderr
        assert "Traceback" not in done.stderr


def test_setting_defaults_are_the_cores_defaults(tmp_path):
    """Each default is stated twice, in settings.py (the environment's default) and in the core's
    plain dataclass (used without Django): this keeps the two the same, so a changed default cannot
    change one path and not the other."""
    script = """
import dataclasses, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "boendeinventering.settings"
import django
django.setup()
from django.conf import settings
from boendeinventering.core.ingest.read import ReadLimits
from boendeinventering.core.protect.settings import ProtectionSettings
from boendeinventering.core.signals import SignalSettings
from boendeinventering.services.figures import protection_settings, signal_settings
from boendeinventering.services.limits import import_limits
print(json.dumps([[dataclasses.asdict(x) for x in (protection_settings(), signal_settings(), import_limits())],
                  [dataclasses.asdict(x) for x in (ProtectionSettings(), SignalSettings(), ReadLimits())]]))
"""
    done = _run(["-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    import json

    from_settings, core_defaults = json.loads(done.stdout)
    assert from_settings == core_defaults
