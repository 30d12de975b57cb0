"""What `boinv` says when a coordinator or IT follows the README: one Swedish line that is true,
in real subprocesses as they run it."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys

import xlsxwriter

from boendeinventering.cli_commands import _listen_problem
from tests.test_cli_end_to_end import ROOT, boinv


def test_serve_on_a_port_in_use_says_so_and_never_claims_to_run(tmp_path):
    env = {**os.environ, "BOINV_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "boendeinventering.cli", "serve", "--port", str(port)],
                                env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"Porten {port} på 127.0.0.1 används redan" in result.stderr
    assert f"--port {port + 1}" in result.stderr
    # Before the fix the server printed that it was running, then gunicorn's English errors.
    assert "körs på" not in result.stdout and "Connection in use" not in result.stderr


def test_listen_problem_names_a_bad_host_or_port_and_accepts_a_free_one():
    assert "finns inte (--host)" in _listen_problem("nosuchhost.invalid", 8000)
    assert "Porten 99999 finns inte" in _listen_problem("127.0.0.1", 99999)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert _listen_problem("127.0.0.1", free) is None


def test_excel_import_and_new_user_are_described_in_swedish_terms(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    workbook_path = tmp_path / "skuld_2025.xlsx"
    workbook = xlsxwriter.Workbook(str(workbook_path))
    sheet = workbook.add_worksheet()
    with open(ROOT / "docs" / "exempel" / "skuldradgivning.csv", encoding="utf-8") as source:
        for r, row in enumerate(csv.reader(source, delimiter=";")):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    workbook.close()
    excel = boinv(["import", "skuldradgivning", str(workbook_path), "--year", "2025"], data, tmp_path)
    # An Excel file has no text encoding to choose: it used to say "utf-8" as if it were a CSV file.
    assert "(skuldradgivning, inventeringsår 2025, Excel)." in excel.stdout
    text = boinv(["import", "skuldradgivning", str(ROOT / "docs" / "exempel" / "skuldradgivning.csv"),
                  "--year", "2024"], data, tmp_path)
    assert "(skuldradgivning, inventeringsår 2024, utf-8, avgränsare ;)." in text.stdout

    made = boinv(["user", "create", "anna", "--role", "coordinator"], data, tmp_path,
                 extra_env={"BOINV_PASSWORD": "ett-långt-lösenord-för-test"})
    assert "Användaren anna är skapad som samordnare med lösenord." in made.stdout


def test_audit_and_quality_from_the_command_line_are_in_the_audit_trail(tmp_path):
    import sqlite3

    data = tmp_path / "data"
    examples = ROOT / "docs" / "exempel"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    boinv(["mapping", "import", str(examples / "mappning.csv")], data, tmp_path)
    boinv(["import", "insatser", str(examples / "insatser.csv"), "--year", "2025"], data, tmp_path)
    shown = boinv(["audit", "--year", "2025"], data, tmp_path)
    assert "Sant värde" in shown.stdout  # the audit prints hidden cells' true values ...
    boinv(["quality", "--year", "2025"], data, tmp_path)
    con = sqlite3.connect(data / "boinv.sqlite3")
    try:
        events = con.execute("SELECT action, username, detail FROM organisation_auditevent "
                             "WHERE action IN ('unprotected_viewed', 'quality_viewed') ORDER BY id").fetchall()
    finally:
        con.close()
    # ... so, like the web's unprotected tables and quality page, it leaves a trace.
    assert events == [("unprotected_viewed", "kommandorad", "Granskning av röjandeskyddet, 2025"),
                      ("quality_viewed", "kommandorad", "Datakvalitet, 2025")]

    # Read by a pager or `head` that stops early: the pipe closes, and that is no error to report.
    env = {**os.environ, "BOINV_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    reader_gone = subprocess.Popen([sys.executable, "-m", "boendeinventering.cli", "audit", "--year", "2025"],
                                   cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader_gone.stdout.close()  # before the command has written anything
    stderr = reader_gone.communicate(timeout=300)[1].decode()
    assert "Broken pipe" not in stderr and "Fel" not in stderr, stderr


def test_export_of_a_year_without_extracts_warns(tmp_path):
    data = tmp_path / "data"
    examples = ROOT / "docs" / "exempel"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    boinv(["mapping", "import", str(examples / "mappning.csv")], data, tmp_path)
    boinv(["import", "insatser", str(examples / "insatser.csv"), "--year", "2025"], data, tmp_path)
    right = boinv(["export", "--year", "2025", "--format", "json", "--out", str(tmp_path / "a.json")], data, tmp_path)
    assert "Varning" not in right.stderr
    typo = boinv(["export", "--year", "2052", "--format", "json", "--out", str(tmp_path / "b.json")], data, tmp_path)
    assert "Varning: inga uttag av insatser gäller 2052" in typo.stderr and "--year" in typo.stderr


def test_a_command_before_init_says_to_run_init_not_that_the_database_failed(tmp_path):
    # SQLite makes an empty database file on first use, so a forgotten `init` meets missing tables;
    # the message said to check BOINV_DATABASE_URL and the database server, which were fine.
    env = {**os.environ, "BOINV_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src"),
           "BOINV_PASSWORD": "ett-långt-lösenord-för-test"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("BOINV_DATABASE_URL", None)
    for args in (["user", "create", "kalle", "--role", "reader"], ["history"]):
        result = subprocess.run([sys.executable, "-m", "boendeinventering.cli", *args], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, args
        assert "Installationen är inte initierad. Kör först: boinv init --kommun KOD" in result.stderr, args
        assert "Databasen kunde inte användas" not in result.stderr, args


def test_a_short_or_all_digit_password_is_refused_in_swedish(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    for password, reason in (("kort-ord", "minst 12 tecken"), ("123456789012345", "enbart numeriskt")):
        refused = boinv(["user", "create", "kalle", "--role", "reader"], data, tmp_path,
                        extra_env={"BOINV_PASSWORD": password}, check=False)
        assert refused.returncode != 0 and reason in refused.stderr, refused.stderr
    made = boinv(["user", "create", "kalle", "--role", "reader"], data, tmp_path,
                 extra_env={"BOINV_PASSWORD": "ett-långt-lösenord-för-test"})
    assert "Användaren kalle är skapad som läsare med lösenord." in made.stdout
