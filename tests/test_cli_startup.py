"""`boinv` verbs that do no work start without the heavy libraries (issue 12: each starts in at
most 0.3 s). Checked by what is loaded, not by a timing: a subprocess runs the verb and then lists
which of the heavy modules ended up in ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    history = _loaded_after(["history"], data, tmp_path)
    assert history == {"code": 0, "loaded": [], "django": True}


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


def test_probe_sees_the_libraries_a_verb_does_load(tmp_path):
    # The control: reading a mapping file needs Polars, and the probe must notice it, or the
    # tests above would pass whatever the verbs imported.
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    mapping = tmp_path / "mappning.csv"
    mapping.write_text("lokal_benamning;kod\nAkutboendet Tallen;akutboende\n", encoding="utf-8")
    result = _loaded_after(["mapping", "import", str(mapping)], data, tmp_path)
    assert result["code"] == 0 and "polars" in result["loaded"]
