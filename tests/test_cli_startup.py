"""`boinv` verbs that do no work start without the heavy libraries (issue 12: each starts in at
most 0.3 s). Checked by what is loaded, not by a timing: a subprocess runs the verb and then lists
which of the heavy modules ended up in ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.fixtures.extracts import skatteverket_numbers
from tests.test_cli_end_to_end import ROOT, boinv

# Each costs from 0.1 s (Polars) to 0.5 s (SciPy, via disclosure control) to import.
HEAVY = ("polars", "numpy", "scipy", "highspy", "matplotlib", "xlsxwriter", "docx", "weasyprint")

_PROBE = """
import contextlib, io, json, sys
from boendeinventering import cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = cli.main(sys.argv[2:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "loaded": [m for m in json.loads(sys.argv[1]) if m in sys.modules],
                  "django": "django.apps" in sys.modules}))
"""


def _loaded_after(args: list[str], data: Path, cwd: Path, probe: tuple[str, ...] = HEAVY) -> dict:
    env = {**os.environ, "BOINV_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(probe), *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_loads_neither_django_nor_data_libraries(tmp_path):
    result = _loaded_after(["--help"], tmp_path / "data", tmp_path)
    assert result == {"code": 0, "loaded": [], "django": False}
    export_help = _loaded_after(["export", "--help"], tmp_path / "data", tmp_path)
    assert export_help == {"code": 0, "loaded": [], "django": False}


def test_init_and_history_load_no_data_libraries(tmp_path):
    data = tmp_path / "data"
    init = _loaded_after(["init", "--kommun", "0180"], data, tmp_path)
    # Creating and checking the key (core/pseudonymise.py) imports Polars only to pseudonymise.
    assert init == {"code": 0, "loaded": [], "django": True}
    again = _loaded_after(["init", "--kommun", "0180"], data, tmp_path)
    assert again == {"code": 0, "loaded": [], "django": True}
    # `boinv history` reads the table without setting Django up (cli_history.py).
    history = _loaded_after(["history"], data, tmp_path)
    assert history == {"code": 0, "loaded": [], "django": False}


def test_setup_discovers_no_admin_modules(tmp_path):
    # settings.py installs the admin as SimpleAdminConfig: auditlog's and axes' admin modules
    # (and the admin forms they import) are loaded by the web's urls.py, not by every command.
    data = tmp_path / "data"
    result = _loaded_after(["init", "--kommun", "0180"], data, tmp_path, probe=("auditlog.admin", "axes.admin"))
    assert result["code"] == 0 and result["loaded"] == []
    from django.contrib.admin import site

    from boendeinventering import urls  # noqa: F401 - the web application's URLs discover them

    assert any(model._meta.app_label == "auditlog" for model in site._registry)


def test_import_loads_no_report_writers(tmp_path):
    # services/imports.py formats numbers with the report's labels, imported on use: importing
    # core.report loads its writers (xlsxwriter, the document model), which no import needs.
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    extract = ROOT / "docs" / "exempel" / "skuldradgivning.csv"
    result = _loaded_after(["import", "skuldradgivning", str(extract), "--year", "2025"], data, tmp_path,
                           probe=("xlsxwriter", "boendeinventering.core.report", "polars"))
    assert result["code"] == 0, result
    assert result["loaded"] == ["polars"]  # the control: the import did run


def test_json_export_loads_no_other_writers(tmp_path):
    # core/report/__init__.py imports nothing: the JSON export loads its own writer, not the
    # spreadsheet, HTML, Word or PDF writers and their libraries.
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    boinv(["import", "skuldradgivning", str(ROOT / "docs" / "exempel" / "skuldradgivning.csv"), "--year", "2025"],
          data, tmp_path)
    writers = ("xlsxwriter", "docx", "matplotlib", "reportlab", "boendeinventering.core.report.html_export",
               "boendeinventering.core.report.json_export")
    result = _loaded_after(["export", "--year", "2025", "--format", "json", "--unprotected",
                            "--out", str(tmp_path / "ut.json")], data, tmp_path, probe=writers)
    assert result["code"] == 0, result
    assert result["loaded"] == ["boendeinventering.core.report.json_export"]  # the control: it did export


def test_probe_sees_the_libraries_a_verb_does_load(tmp_path):
    # The control: reading a mapping file needs Polars, and the probe must notice it, or the
    # tests above would pass whatever the verbs imported.
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    mapping = tmp_path / "mappning.csv"
    mapping.write_text("lokal_benamning;kod\nAkutboendet Tallen;akutboende\n", encoding="utf-8")
    result = _loaded_after(["mapping", "import", str(mapping)], data, tmp_path)
    assert result["code"] == 0 and "polars" in result["loaded"]


# The same command with Django set up first: cli_commands._history then reads through the ORM.
_ORM_PROBE = """
import contextlib, io, json, sys
from boendeinventering import cli, cli_setup
cli_setup.setup_django()
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "django": True}))
"""
_QUICK_PROBE = _ORM_PROBE.replace("cli_setup.setup_django()", "").replace(
    '"django": True', '"django": "django.apps" in sys.modules')


def _history_by(probe: str, args: list[str], data: Path, cwd: Path, extra_env: dict | None = None) -> dict:
    env = {**os.environ, "BOINV_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src"), **(extra_env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _imports_in_every_state(data: Path, cwd: Path, extra_env: dict | None = None) -> None:
    """Imports that are active, replaced, withdrawn, for all years, with refused rows (masked
    values, columns, reasons) and unknown columns: every line the history prints."""
    boinv(["init", "--kommun", "0180"], data, cwd, extra_env)
    good, other, bad = skatteverket_numbers()[20_000:20_003]
    bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    first = cwd / "insatser.csv"
    first.write_text(f"person_id;enhet;insats;startdatum;extra\n{good};E;Hotell;2025-02-01;x\n"
                     f"{bad};E;Hotell;2025-02-01;y\n{other};E;Hotell;2025-02-30;z\n", encoding="utf-8")
    boinv(["import", "insatser", str(first), "--year", "2025", "--skip-invalid"], data, cwd, extra_env)
    corrected = cwd / "insatser_rattad.csv"
    corrected.write_text(f"person_id;enhet;insats;startdatum\n{good};E;Hotell;2025-02-01\n", encoding="utf-8")
    boinv(["import", "insatser", str(corrected), "--year", "2025", "--replace"], data, cwd, extra_env)
    debt = ROOT / "docs" / "exempel" / "skuldradgivning.csv"
    boinv(["import", "skuldradgivning", str(debt)], data, cwd, extra_env)
    boinv(["withdraw", "3"], data, cwd, extra_env)


def _assert_quick_history_equals_orm(data: Path, cwd: Path, extra_env: dict | None = None) -> None:
    for args in (["history"], ["history", "1"], ["history", "2"], ["history", "3"], ["history", "99"]):
        quick = _history_by(_QUICK_PROBE, args, data, cwd, extra_env)
        orm = _history_by(_ORM_PROBE, args, data, cwd, extra_env)
        assert {**quick, "django": True} == orm, args
        # Only a missing import takes the ORM path (for its message); the others never set Django up.
        assert quick["django"] is (args == ["history", "99"]), args
    listed = _history_by(_QUICK_PROBE, ["history"], data, cwd, extra_env)["out"]
    assert "ersatt av 2" in listed and "återkallad" in listed and "alla år" in listed
    refused = _history_by(_QUICK_PROBE, ["history", "1"], data, cwd, extra_env)["out"]
    assert "Okända kolumner: extra" in refused and "kolumn startdatum, värde '2025-02-30'" in refused
    assert "Rad 3, kolumn person_id" in refused


def test_quick_history_prints_what_the_orm_path_prints_sqlite(tmp_path):
    data = tmp_path / "data"
    _imports_in_every_state(data, tmp_path)
    _assert_quick_history_equals_orm(data, tmp_path)


@pytest.mark.postgres_only
def test_quick_history_prints_what_the_orm_path_prints_postgres(tmp_path):
    base = os.environ["BOINV_DATABASE_URL"]  # the PostgreSQL pass of `make test` sets it
    name = f"boinv_history_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    env = {"BOINV_DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name}
    try:
        _imports_in_every_state(tmp_path / "data", tmp_path, env)
        _assert_quick_history_equals_orm(tmp_path / "data", tmp_path, env)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_history_of_an_uninitialised_directory_is_the_orm_paths_message(tmp_path):
    quick = _history_by(_QUICK_PROBE, ["history"], tmp_path / "data", tmp_path)
    assert quick["code"] == 1 and "Installationen är inte initierad. Kör först: boinv init" in quick["err"]
    assert quick == {**_history_by(_ORM_PROBE, ["history"], tmp_path / "data", tmp_path), "django": True}


def test_bad_setting_stops_history_as_every_verb(tmp_path):
    quick = _history_by(_QUICK_PROBE, ["history"], tmp_path / "data", tmp_path, {"BOINV_PRODUCTION": "ture"})
    assert quick["code"] == 2 and "BOINV_PRODUCTION" in quick["err"] and quick["out"] == ""


@pytest.mark.parametrize("active, withdrawn, replaced_by", [
    (True, None, None), (False, "2025-03-01T10:00:00+00:00", None), (False, None, 7), (False, None, None),
    (True, "2025-03-01T10:00:00+00:00", 7),
])
def test_quick_state_label_is_the_models(active, withdrawn, replaced_by):
    import datetime as dt

    from boendeinventering.cli_history import BatchRecord
    from boendeinventering.inventory.models import ImportBatch

    when = dt.datetime.fromisoformat(withdrawn) if withdrawn else None
    model = ImportBatch(active=active, withdrawn_at=when, replaced_by_id=replaced_by)
    record = BatchRecord(id=1, kind="insatser", year=None, file_name="f", imported_at=dt.datetime.now(dt.UTC),
                         imported_by="", active=active, withdrawn_at=when, replaced_by_id=replaced_by, rows_read=0,
                         rows_imported=0, rows_invalid=0, rows_duplicate=0, rows_overlapping=0,
                         unknown_columns=[], issues=[])
    assert record.state_label == model.state_label


def test_init_runs_migrate_only_for_missing_migrations(db, monkeypatch):
    # `boinv init` on an installation that has every migration skips `migrate` (its model states
    # and post_migrate cost a third of the command); one missing migration and it runs.
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from boendeinventering.services import installation

    calls = []
    monkeypatch.setattr(installation, "call_command", lambda *args, **kwargs: calls.append(args))
    installation._migrate()
    assert calls == []
    MigrationRecorder(connection).record_unapplied("sessions", "0001_initial")
    try:
        installation._migrate()
    finally:
        MigrationRecorder(connection).record_applied("sessions", "0001_initial")
    assert calls == [("migrate",)]
