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


def test_repository_stands_alone():
    """A clone runs with nothing beside it: no code, test, script or Makefile reads ../shared."""
    offenders = []
    for folder in ("src", "tests", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".sh", ".cfg", ".toml", ".txt", ".html"} \
                    and path != Path(__file__).resolve():
                text = path.read_text(encoding="utf-8", errors="replace")
                if "../shared" in text or "shared/data" in text:
                    offenders.append(str(path.relative_to(ROOT)))
    for name in ("Makefile", ".ci/run", "pyproject.toml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        if "../shared" in text or "shared/data" in text:
            offenders.append(name)
    assert offenders == []


def test_test_numbers_ship_in_the_package():
    from importlib import resources

    from boendeinventering.core import demo_data

    packaged = resources.files("boendeinventering.data").joinpath("skatteverket-testpersonnummer.txt")
    assert packaged.is_file()
    numbers = demo_data.load_test_numbers()
    assert len(numbers) == 41_493
