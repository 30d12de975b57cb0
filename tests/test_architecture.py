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
    """A clone runs with nothing beside it: no code, test, script or Makefile reads the steering
    folder beside the repository (its name is assembled below so this guard does not name it)."""
    outside = ("..", "/", "shared")
    forbidden = ("".join(outside), "/".join(("shared", "data")))
    offenders = []
    for folder in ("src", "tests", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".sh", ".cfg", ".toml", ".txt", ".html"} \
                    and path != Path(__file__).resolve():
                text = path.read_text(encoding="utf-8", errors="replace")
                if any(f in text for f in forbidden):
                    offenders.append(str(path.relative_to(ROOT)))
    for name in ("Makefile", ".ci/run", "pyproject.toml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        if any(f in text for f in forbidden):
            offenders.append(name)
    assert offenders == []


def test_test_numbers_ship_in_the_package():
    from importlib import resources

    from boendeinventering.core import demo_data

    packaged = resources.files("boendeinventering.data").joinpath("skatteverket-testpersonnummer.txt")
    assert packaged.is_file()
    numbers = demo_data.load_test_numbers()
    assert len(numbers) == 41_493


# --- import graph: one-way imports (issue 9) -----------------------------------------------------

SRC = ROOT / "src"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports, at module level or inside functions alike
    (a deferred import that closes a circle is still a circle), found by reading the source.
    Imports under ``if TYPE_CHECKING:`` never run and are left out."""
    import ast

    def runtime_nodes(node):
        yield node
        for child in ast.iter_child_nodes(node):
            if not (isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING"):
                yield from runtime_nodes(child)

    files = {_module_of(p): p for p in (SRC / package.replace(".", "/")).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                # `from x import y`: y is a submodule of x or a name defined in x.
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in files else stem for a in node.names]
            else:
                continue
            for target in targets:
                # A submodule is loaded after its package, so that edge is never a circle.
                if target in files and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_sees_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_core_has_no_import_cycles():
    graph = _import_graph("boendeinventering.core")
    assert "boendeinventering.core.protect.pattern" in graph["boendeinventering.core.protect.suppress"]
    assert "boendeinventering.core.protect.suppress" in graph["boendeinventering.core.protect.cellkey"]
    assert _cycles(graph) == []


def test_command_line_modules_import_one_way():
    graph = _import_graph("boendeinventering")
    assert "boendeinventering.cli_commands" in graph["boendeinventering.cli"]
    assert "boendeinventering.cli" not in graph["boendeinventering.cli_commands"]


# --- dependencies match the code (issue 9) -------------------------------------------------------

# Distribution -> what the code names; psycopg is loaded by Django's PostgreSQL backend.
IMPORT_NAMES = {"python-docx": "docx", "django-axes": "axes", "django-auditlog": "auditlog",
                "psycopg": "django.db.backends.postgresql"}


def _requirement_name(requirement: str) -> str:
    import re

    return re.split(r"[<>=;! \[]", requirement, maxsplit=1)[0]


def test_every_declared_dependency_is_used_by_the_product_and_test_only_libraries_are_not():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))

    def used(module: str) -> bool:
        # imported, or named as an app or server in a string (INSTALLED_APPS, the serve command)
        name = re.escape(module)
        return re.search(rf"^\s*(import|from) {name}\b|[\"']{name}[\"'.]", source, re.MULTILINE) is not None

    runtime = [_requirement_name(r) for r in project["dependencies"]]
    assert "adbc-driver-sqlite" not in runtime and "openpyxl" not in runtime
    unused = [name for name in runtime if not used(IMPORT_NAMES.get(name, name).replace("-", "_"))]
    assert unused == []
    test_only = [_requirement_name(r) for r in project["optional-dependencies"]["test"]]
    assert "openpyxl" in test_only and not used("openpyxl")
