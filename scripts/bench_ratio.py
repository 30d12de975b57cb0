"""`make bench-ratio`: the command line against a hand-written DuckDB query (issue 12).

On one large city's year (``core/demo_data.generate_large``, the files of `make bench`), measures

1. the SPEC's required tables computed straight from the cp1252 CSV files by one plain DuckDB
   script (``scripts/duckdb_spec_tables.sql``), in a child process: start, read, compute;
2. the command-line chain a coordinator runs: ``boinv init``, ``boinv mapping import``, three
   ``boinv import`` and one ``boinv export --format json --unprotected``, each a subprocess;

and prints both times, the ratio (target: at most 2) and each step's peak memory (ru_maxrss of
that child). With ``--database-url`` the chain runs again on PostgreSQL (a fresh database).

Then both again on a tiny year (200 persons), the floor: what the six commands cost with almost
no rows (start-up, migrations). It prints the ratio of the work above that floor too, the chain's
against the query's, which the floor does not dilute.

The two must agree: every table DuckDB computes is compared row by row with the export's, and a
difference is printed in capitals and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = Path(__file__).with_name("duckdb_spec_tables.sql")
# The tables the query computes: the seven SPEC 6 requires.
TABLES = ("persons_by_kod", "persons_by_kod_sex", "persons_by_situation_sex_age", "acute_persons_by_sex",
          "payments_by_purpose", "debt_counselling", "discharge_risk_by_kod")
EXTRACTS = ("insatser", "utbetalningar", "skuldradgivning")


def measured(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``command``; its wall time, its own peak memory (ru_maxrss via wait4) and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"s": round(elapsed, 3), "peak_mb": round(usage.ru_maxrss / 1024, 1),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "returncode": process.returncode,
                "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}


def _checked(step: str, result: dict) -> dict:
    if result["returncode"]:
        sys.stderr.write(result["stderr"][-4000:])
        raise SystemExit(f"{step} misslyckades (status {result['returncode']})")
    return result


def duckdb_tables(files: dict[str, str], year: int) -> dict[str, list[dict]]:
    """The child's work: run the SQL script on the files, return every table as rows."""
    import duckdb

    script = SQL.read_text(encoding="utf-8")
    for name, value in {**files, "year": str(year), "encoding": "latin-1"}.items():
        script = script.replace("{" + name + "}", value.replace("'", "''"))
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    con.execute(script)
    unmapped = [row[0] for row in con.execute("SELECT name FROM unmapped").fetchall()]
    if unmapped:
        raise SystemExit(f"Omappade benämningar: {unmapped}")
    tables = {}
    for table in TABLES:
        cursor = con.execute(f"SELECT * FROM {table}")
        columns = [c[0] for c in cursor.description]
        tables[table] = [dict(zip(columns, row)) for row in cursor.fetchall()]
    return tables


def chain(files: dict[str, str], data_dir: Path, year: int, env: dict[str, str]) -> dict:
    """The command-line chain, each command timed as the coordinator experiences it."""
    env = {**env, "BOINV_DATA_DIR": str(data_dir)}
    boinv = [sys.executable, "-m", "boendeinventering.cli"]
    steps = {"init": [*boinv, "init", "--kommun", "0180"],
             "mapping import": [*boinv, "mapping", "import", files["mapping"]]}
    steps |= {f"import {kind}": [*boinv, "import", kind, files[kind]] for kind in EXTRACTS}
    export = data_dir / "export.json"
    steps["export json --unprotected"] = [*boinv, "export", "--year", str(year), "--format", "json",
                                          "--unprotected", "--out", str(export)]
    results = {step: _checked(step, measured(command, env)) for step, command in steps.items()}
    document = json.loads(export.read_text(encoding="utf-8"))
    return {"steps": {s: {k: r[k] for k in ("s", "cpu_s", "peak_mb")} for s, r in results.items()},
            "total_s": round(sum(r["s"] for r in results.values()), 3),
            "total_cpu_s": round(sum(r["cpu_s"] for r in results.values()), 3),
            "tables": {t: document["tables"][t]["rows"] for t in TABLES}}


def differences(expected: dict[str, list[dict]], product: dict[str, list[dict]]) -> list[str]:
    """Row-by-row differences between DuckDB's tables and the export's (rows of zeros aside)."""
    found = []
    for table in TABLES:
        ours = _as_set(expected[table])
        theirs = _as_set(product[table])
        for row in sorted(ours - theirs, key=str)[:5]:
            found.append(f"{table}: DuckDB {row} saknas i exporten")
        for row in sorted(theirs - ours, key=str)[:5]:
            found.append(f"{table}: exporten {row} saknas i DuckDB")
    return found


def _as_set(rows: list[dict]) -> set[tuple]:
    kept = set()
    for row in rows:
        values = {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in row.items()
                  if k not in ("suppressed", "_cell_keys")}
        measures = [v for k, v in values.items() if isinstance(v, int) and k != "situation"]
        if any(measures):  # SPEC 6: rows whose measures are all zero may be left out
            kept.add(tuple(sorted((k, v) for k, v in values.items())))
    return kept


# A tiny year (the demo municipality's order of size): the same six commands, almost no rows.
FLOOR_SIZES = {"persons": 200, "stays": 300, "payments": 650, "debt_cases": 20}


def _sizes(args) -> dict[str, int]:
    return {"persons": args.persons, "stays": args.stays, "payments": args.payments,
            "debt_cases": args.debt_cases}


def _measured_year(args, work: Path, env: dict[str, str], sizes: dict[str, int], suffix: str) -> dict:
    """Generate one year's files, run the DuckDB query and the chain (SQLite; PostgreSQL with
    --database-url) on them, and compare the tables."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import fresh_database

    # Generated in a child too: Linux counts the parent's memory at the fork in a child's ru_maxrss,
    # so this process stays small (no Polars) for the children's peaks to be their own.
    made = _checked("generering", measured([sys.executable, __file__, "--generate-child", json.dumps(
        {"out": str(work / f"uttag{suffix}"), **sizes, "seed": 1, "year": args.year})], env))
    files = json.loads(made["stdout"].strip().splitlines()[-1])
    size = sum(Path(files[k]).stat().st_size for k in EXTRACTS)
    print(f"Genererade uttag{' för golvet' if suffix else ''} ({sizes['persons']} personer) på "
          f"{made['s']:.1f} s ({size / 1e6:.1f} MB)")
    duck = _checked("DuckDB", measured([sys.executable, __file__, "--duckdb-child", json.dumps(files),
                                        "--year", str(args.year)], env))
    expected = json.loads(duck["stdout"].strip().splitlines()[-1])
    runs = {"sqlite": chain(files, work / f"data{suffix}", args.year, env)}
    if args.database_url:
        url = fresh_database(args.database_url, args.pg_database + suffix.replace("-", "_"))
        runs["postgresql"] = chain(files, work / f"data-pg{suffix}", args.year, {**env, "BOINV_DATABASE_URL": url})
    mismatches = []
    for name, run in runs.items():
        mismatches += [f"[{name}{suffix}] {d}" for d in differences(expected, run.pop("tables"))]
        run["ratio"] = round(run["total_s"] / duck["s"], 2)
        run["ratio_cpu"] = round(run["total_cpu_s"] / duck["cpu_s"], 2)
    return {"duckdb": {k: duck[k] for k in ("s", "cpu_s", "peak_mb")}, "files_mb": round(size / 1e6, 1),
            "runs": runs, "mismatches": mismatches}


def _floor(year: dict, floor: dict) -> dict:
    """The floor's times and the ratio of the work above it (wall and CPU), per database."""
    duck, duck_floor = year["duckdb"], floor["duckdb"]
    duck_work, duck_work_cpu = duck["s"] - duck_floor["s"], duck["cpu_s"] - duck_floor["cpu_s"]
    out: dict = {"duckdb": duck_floor}
    for name, run in year["runs"].items():
        low = floor["runs"][name]
        work, work_cpu = run["total_s"] - low["total_s"], run["total_cpu_s"] - low["total_cpu_s"]
        out[name] = {"total_s": low["total_s"], "total_cpu_s": low["total_cpu_s"],
                     "work_s": round(work, 3), "work_cpu_s": round(work_cpu, 3),
                     # a year as small as the floor's leaves no work to compare
                     "work_ratio": round(work / duck_work, 2) if duck_work > 0.2 else None,
                     "work_ratio_cpu": round(work_cpu / duck_work_cpu, 2) if duck_work_cpu > 0.2 else None}
    return out


def parent(args) -> int:
    work = (ROOT / "bench-data" / "ratio").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("BOINV_DATABASE_URL", None)
    # An installed package has its bytecode compiled at install time; this checkout is installed
    # editable, and with PYTHONDONTWRITEBYTECODE set every command would compile the project anew.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True, env=env)
    year = _measured_year(args, work, env, _sizes(args), "")
    # The floor: the same commands and query on a tiny year, where they do almost no work (start-up,
    # migrations, opening the database). What the chain costs above it is its work on the city's rows.
    floor = _measured_year(args, work, env, FLOOR_SIZES, "-golv")

    result = {"duckdb": year["duckdb"], "files_mb": year["files_mb"], "floor": _floor(year, floor)}
    mismatches = year["mismatches"] + floor["mismatches"]
    for name, run in year["runs"].items():
        result[name] = run
    result["mismatches"] = mismatches
    (work / "results-ratio.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    _print(result, year["runs"])
    if mismatches:
        print("\n!!! SIFFRORNA SKILJER SIG MELLAN DUCKDB OCH EXPORTEN !!!")
        for line in mismatches[:40]:
            print("  " + line)
        return 1
    print(f"\nDuckDB och exporten ger samma siffror i alla {len(TABLES)} tabeller ({', '.join(TABLES)}).")
    return 0


def _print(result: dict, runs: dict) -> None:
    duck = result["duckdb"]
    print(f"\nDuckDB-frågan direkt på filerna: {duck['s']:.2f} s (CPU {duck['cpu_s']:.2f} s), "
          f"toppminne {duck['peak_mb']:.0f} MB")
    for name, run in runs.items():
        print(f"\nKommandoraden på {name}:")
        for step, r in run["steps"].items():
            print(f"  {step:<28} {r['s']:7.2f} s  (CPU {r['cpu_s']:6.2f} s)  toppminne {r['peak_mb']:6.0f} MB")
        print(f"  {'totalt':<28} {run['total_s']:7.2f} s  (CPU {run['total_cpu_s']:6.2f} s)")
        print(f"  kvot mot DuckDB: {run['ratio']:.2f} (mål högst 2; CPU-tid {run['ratio_cpu']:.2f})")
    floor = result["floor"]
    print(f"\nGolvet, samma kommandon och fråga på ett litet år ({FLOOR_SIZES['persons']} personer): "
          f"DuckDB {floor['duckdb']['s']:.2f} s")
    for name in runs:
        f = floor[name]
        print(f"  {name}: kommandoraden {f['total_s']:.2f} s (CPU {f['total_cpu_s']:.2f} s); arbetet över golvet "
              f"{f['work_s']:.2f} s mot DuckDB:s {duck['s'] - floor['duckdb']['s']:.2f} s, "
              f"kvot {_ratio(f['work_ratio'])} (CPU-tid {_ratio(f['work_ratio_cpu'])})")


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duckdb-child", help=argparse.SUPPRESS)
    parser.add_argument("--generate-child", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--stays", type=int, default=300_000)
    parser.add_argument("--payments", type=int, default=650_000)
    parser.add_argument("--debt-cases", type=int, default=20_000)
    parser.add_argument("--database-url", help="PostgreSQL server for the chain's second run, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="boinv_bench_ratio",
                        help="the database created (dropped first) on that server for the run")
    arguments = parser.parse_args()
    if arguments.generate_child:
        from boendeinventering.core.demo_data import generate_large

        spec = json.loads(arguments.generate_child)
        made = generate_large(Path(spec.pop("out")), **spec)
        print(json.dumps({k: str(v) for k, v in made.__dict__.items()}))
        sys.exit(0)
    if arguments.duckdb_child:
        print(json.dumps(duckdb_tables(json.loads(arguments.duckdb_child), arguments.year), default=str))
        sys.exit(0)
    sys.exit(parent(arguments))
