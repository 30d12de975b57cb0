"""Every failure of `boinv` is one Swedish line on stderr and a non-zero exit, never a traceback
(issue 8 item 7); the lost-key scenario of issue 8 item 1 end to end."""

from __future__ import annotations

import io
import logging
import sqlite3
from contextlib import redirect_stderr

import pytest

from tests.fixtures.extracts import pnr, stays_file
from tests.test_cli_end_to_end import boinv


def _one_swedish_line(result, *words):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def initialised(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    return data


def test_missing_key(initialised, tmp_path):
    (initialised / "pseudonym.key").unlink()
    result = boinv(["import", "insatser", str(stays_file(tmp_path / "a.csv"))], initialised, tmp_path, check=False)
    _one_swedish_line(result, "saknas", "säkerhetskopian")


def test_truncated_key(initialised, tmp_path):
    key = initialised / "pseudonym.key"
    key.write_bytes(key.read_bytes()[:10])
    result = boinv(["export", "--year", "2025", "--out", str(tmp_path / "x.json")], initialised, tmp_path,
                   check=False)
    _one_swedish_line(result, "skadad", "säkerhetskopia")


def test_world_readable_key(initialised, tmp_path):
    (initialised / "pseudonym.key").chmod(0o644)
    result = boinv(["import", "insatser", str(stays_file(tmp_path / "a.csv"))], initialised, tmp_path, check=False)
    _one_swedish_line(result, "chmod 600")


def test_init_with_an_insecure_key(initialised, tmp_path):
    (initialised / "pseudonym.key").chmod(0o666)
    result = boinv(["init", "--kommun", "0180"], initialised, tmp_path, check=False)
    _one_swedish_line(result, "chmod 600")


def test_directory_in_place_of_the_key(initialised, tmp_path):
    key = initialised / "pseudonym.key"
    key.unlink()
    key.mkdir()
    result = boinv(["import", "insatser", str(stays_file(tmp_path / "a.csv"))], initialised, tmp_path, check=False)
    _one_swedish_line(result, "inte en fil")


def test_import_of_a_directory_and_of_a_missing_file(initialised, tmp_path):
    folder = tmp_path / "uttag"
    folder.mkdir()
    _one_swedish_line(boinv(["import", "insatser", str(folder)], initialised, tmp_path, check=False), "katalog")
    missing = tmp_path / "finns-inte.csv"
    _one_swedish_line(boinv(["import", "insatser", str(missing)], initialised, tmp_path, check=False), "finns inte")


def test_lost_key_then_init_then_import_does_not_double_count(initialised, tmp_path):
    """The issue's scenario: delete the key, run init, import the same extract again."""
    extract = stays_file(tmp_path / "a.csv", n=5)
    boinv(["import", "insatser", str(extract)], initialised, tmp_path)
    (initialised / "pseudonym.key").unlink()
    line = _one_swedish_line(boinv(["init", "--kommun", "0180"], initialised, tmp_path, check=False),
                             "saknas", "Återställ pseudonym.key från säkerhetskopian")
    assert "två gånger" in line
    assert not (initialised / "pseudonym.key").exists()
    result = boinv(["import", "insatser", str(extract)], initialised, tmp_path, check=False)
    _one_swedish_line(result, "säkerhetskopian")
    con = sqlite3.connect(initialised / "boinv.sqlite3")
    try:
        assert con.execute("SELECT COUNT(*) FROM inventory_importbatch").fetchone() == (1,)
        assert con.execute("SELECT COUNT(*) FROM inventory_pseudonym").fetchone() == (5,)
    finally:
        con.close()


def test_unexpected_error_is_a_short_line_and_logged_masked(tmp_path, monkeypatch, settings):
    """An exception nobody foresaw: one line for the user, the traceback (masked) in the log file."""
    from boendeinventering import cli, cli_commands

    number = pnr(3)

    def broken(args):
        raise RuntimeError(f"trasig rad för {number}")

    monkeypatch.setitem(cli_commands._HANDLERS, "history", broken)
    monkeypatch.setattr(cli, "_setup_django", lambda: None)  # set up already; again would reset the log handlers
    log_file = tmp_path / "boinv.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    from boendeinventering.logging_filters import MaskPersonnummer

    handler.addFilter(MaskPersonnummer())
    logger = logging.getLogger("boendeinventering")
    logger.addHandler(handler)
    err = io.StringIO()
    try:
        with redirect_stderr(err):
            code = cli.main(["history"])
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert code == 1
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "oväntat fel" in lines[0] and "RuntimeError" in lines[0]
    assert number not in err.getvalue()
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError" in logged
    assert number not in logged and number[2:] not in logged


def test_known_os_error_is_one_line(tmp_path, monkeypatch):
    from boendeinventering import cli, cli_commands

    def full_disk(args):
        raise OSError(28, "No space left on device", str(tmp_path / "ut.json"))

    monkeypatch.setitem(cli_commands._HANDLERS, "history", full_disk)
    err = io.StringIO()
    with redirect_stderr(err):
        assert cli.main(["history"]) == 1
    lines = err.getvalue().strip().splitlines()
    assert lines == [f"Fel vid läsning eller skrivning ({tmp_path / 'ut.json'}): No space left on device."]
