"""The domain core stays free of the framework (DEVELOPERS.md): importing all of it loads no Django."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import boendeinventering.core as core

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_no_django():
    modules = [m.name for m in pkgutil.walk_packages(core.__path__, "boendeinventering.core.")]
    assert len(modules) > 15
    code = "import sys, importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + \
        "print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"


def test_models_and_migrations_agree(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
