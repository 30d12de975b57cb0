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


def _loaded_after(args: list[str], data: Path, cwd: Path) -> dict:
    env = {**os.environ, "BOINV_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(HEAVY), *args], cwd=cwd, env=env,
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
    # Creating the key goes through core/pseudonymise.py, which imports Polars at the top.
    assert init == {"code": 0, "loaded": ["polars"], "django": True}
    history = _loaded_after(["history"], data, tmp_path)
    assert history == {"code": 0, "loaded": [], "django": True}


def test_probe_sees_the_libraries_a_verb_does_load(tmp_path):
    # The control: reading a mapping file needs Polars, and the probe must notice it, or the
    # tests above would pass whatever the verbs imported.
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    mapping = tmp_path / "mappning.csv"
    mapping.write_text("lokal_benamning;kod\nAkutboendet Tallen;akutboende\n", encoding="utf-8")
    result = _loaded_after(["mapping", "import", str(mapping)], data, tmp_path)
    assert result["code"] == 0 and "polars" in result["loaded"]
