"""The project's migrations are squashed (one per app: a new installation's `boinv init` renders
far fewer intermediate model states). A new installation must get the schema the original
migrations gave, and an installation migrated with the original migrations must go on working:
its `migrate` applies nothing, and it imports and reports as before. Each case runs in fresh
subprocesses on a real data directory (SQLite) or a fresh database (PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.test_cli_end_to_end import ROOT, boinv

SQUASHED = {"inventory": "0001_squashed_0007_import_data_parts",
            "organisation": "0001_squashed_0007_import_job_confirm",
            "reporting": "0001_squashed_0003_kronofogden_signal_history"}

# argv[1]: "original" applies the migrations the squashed ones replace, as the code before the
# squash did, and leaves no record of the squashed ones; "current" runs `migrate`. Prints the
# schema (every table's columns and constraints, names included) and the migrations recorded.
_MIGRATE = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "boendeinventering.settings"
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

squashed = json.loads(sys.argv[2])
if sys.argv[1] == "original":
    executor = MigrationExecutor(connection)
    executor.loader = MigrationLoader(connection, replace_migrations=False)
    plan_targets = [node for node in executor.loader.graph.leaf_nodes() if node[1] not in squashed.values()]
    executor.migrate(plan_targets)
    for app, name in squashed.items():
        MigrationRecorder(connection).record_unapplied(app, name)
elif sys.argv[1] == "current":
    call_command("migrate", interactive=False, verbosity=0)
intro = connection.introspection
with connection.cursor() as cursor:
    schema = {}
    for table in sorted(intro.table_names(cursor)):
        if table == "django_migrations":
            continue
        columns = sorted((c.name, c.type_code, bool(c.null_ok)) for c in intro.get_table_description(cursor, table))
        constraints = sorted(
            (name, sorted(c["columns"] or []), bool(c["unique"]), bool(c["primary_key"]), bool(c["index"]),
             c["foreign_key"] and list(c["foreign_key"]), bool(c["check"]))
            for name, c in intro.get_constraints(cursor, table).items())
        schema[table] = {"columns": columns, "constraints": constraints}
applied = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
print(json.dumps({"schema": schema, "applied": applied}, default=str))
"""


def _migrate(mode: str, data: Path, env: dict | None = None) -> dict:
    full_env = {**os.environ, "BOINV_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", _MIGRATE, mode, json.dumps(SQUASHED)], env=full_env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check_squash(tmp_path: Path, env_for) -> None:
    new = _migrate("current", tmp_path / "new", env_for("new"))
    old = _migrate("original", tmp_path / "old", env_for("old"))
    # The same tables, columns, indexes and constraints as the original migrations made.
    assert new["schema"] == old["schema"]
    assert {f"{app}.{name}" for app, name in SQUASHED.items()} <= set(new["applied"])
    assert not {f"{app}.{name}" for app, name in SQUASHED.items()} & set(old["applied"])
    # An installation made with the original migrations: `migrate` now changes nothing in its
    # schema (it only records that the squashed migrations are applied) ...
    again = _migrate("current", tmp_path / "old", env_for("old"))
    assert again["schema"] == old["schema"]
    assert set(again["applied"]) == set(old["applied"]) | {f"{a}.{n}" for a, n in SQUASHED.items()}
    # ... and it works as before: init (an existing installation), an import, the history.
    data, env = tmp_path / "old", env_for("old")
    assert "Nyckel för pseudonymisering skapad" in boinv(["init", "--kommun", "0180"], data, tmp_path, env).stdout
    debt = ROOT / "docs" / "exempel" / "skuldradgivning.csv"
    assert "Import 1: 10 rader importerade" in boinv(["import", "skuldradgivning", str(debt)], data, tmp_path,
                                                      env).stdout
    assert "Befintlig nyckel används" in boinv(["init", "--kommun", "0180"], data, tmp_path, env).stdout
    assert "skuldradgivning.csv" in boinv(["history"], data, tmp_path, env).stdout


def test_squashed_migrations_sqlite(tmp_path):
    _check_squash(tmp_path, lambda _which: {})


@pytest.mark.postgres_only
def test_squashed_migrations_postgres(tmp_path):
    base = os.environ["BOINV_DATABASE_URL"]  # the PostgreSQL pass of `make test` sets it
    names = {which: f"boinv_squash_{which}_{uuid.uuid4().hex[:8]}" for which in ("new", "old")}
    with psycopg.connect(base, autocommit=True) as admin:
        for name in names.values():
            admin.execute(f"CREATE DATABASE {name}")
    try:
        _check_squash(tmp_path, lambda which: {"BOINV_DATABASE_URL": base.rsplit("/", 1)[0] + "/" + names[which]})
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            for name in names.values():
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
