"""`make test` needs Debian's Chromium for the browser tests: it installs it as root with apt-get,
and otherwise stops at once with one line saying what to install (never skips them silently)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_tools(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "test-tools", *overrides],
                          capture_output=True, text=True, timeout=60)


def test_present_programs_need_nothing():
    done = make_tools("TEST_PACKAGES=coreutils:/bin/sh")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_missing_browser_without_root_stops_with_one_clear_line():
    done = make_tools("TEST_PACKAGES=chromium:/nonexistent/chromium", "IS_ROOT=")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert lines == ["Testerna behöver Debian-paketen chromium: kör 'sudo apt-get install chromium' "
                     "och sedan make test igen."]


def test_as_root_it_installs_every_missing_package_with_apt_get(tmp_path):
    # A stand-in apt-get records what it is asked to do and fails the install like a broken mirror.
    log = tmp_path / "apt.log"
    fake = tmp_path / "apt-get"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n[ "$1" = update ]\n')
    fake.chmod(0o755)
    done = make_tools("TEST_PACKAGES=chromium:/nonexistent/chromium libreoffice-writer:/nonexistent/soffice",
                      "IS_ROOT=yes", f"APT_GET={fake}")
    assert done.returncode != 0
    calls = log.read_text().splitlines()
    assert calls[0].startswith("update")
    assert calls[1].split()[-2:] == ["chromium", "libreoffice-writer"]
    assert "Kunde inte installera chromium libreoffice-writer med apt-get" in done.stderr


def test_make_test_runs_the_linter_and_the_type_checker_before_any_test():
    # -n: print the commands without running them; the stamp is taken as made (-o).
    done = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(ROOT), "-o", ".venv/.installed-stamp",
                           "test", "TEST_PACKAGES=coreutils:/bin/sh"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    commands = done.stdout.splitlines()
    ruff = next(i for i, c in enumerate(commands) if c.endswith("ruff check src tests scripts"))
    mypy = next(i for i, c in enumerate(commands) if c.endswith("/mypy"))
    first_pytest = next(i for i, c in enumerate(commands) if "pytest" in c)
    assert ruff < first_pytest and mypy < first_pytest
