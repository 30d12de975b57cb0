"""`make bench-national`: every municipality's year in one installation (issue 12).

About 10 million payment rows: ``--parts`` (16) large cities' years from
``core/demo_data.generate_large``, each with its own seed (``--payments`` 625,000 payments,
``--stays`` 100,000 stays, 200,000 persons, 20,000 debt cases), so 10,000,000 payments and
1,600,000 stays in all. Every part is imported as its own three extracts, as a region would
import its municipalities' files, into one installation (SQLite, or PostgreSQL with
``--database-url``), then the year is exported twice as JSON: unprotected, and protected (disclosure
control and its audit). The persons drawn from Skatteverket's test numbers recur across parts
(about 26,000 of them per part), the generated samordningsnummer mostly do not, so the country has
about 2.9 million distinct persons.

Every step is a `boinv` subprocess started from this small process, so its time and peak memory
(ru_maxrss via wait4) are its own. Targets: import and export together under 60 s, no step over
4 GB. The parts stay under the import's file limits (``BOINV_MAX_FILE_BYTES``, ``BOINV_MAX_ROWS``);
``--parts 1 --payments 10000000`` tries one file instead and raises those limits for it.
``--one-command-per-kind`` imports each kind's parts with one command (`boinv import KIND FILE …`,
still one import per file) instead of one command per file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ratio import EXTRACTS, _checked, measured  # noqa: E402 - the scripts folder is not a package

TARGET_S = 60.0
TARGET_MB = 4096.0


def generate(work: Path, args, env: dict[str, str]) -> list[dict[str, str]]:
    """Each part's files, generated in children (one at a time: memory stays that of one city)."""
    parts = []
    started = time.perf_counter()
    for part in range(args.parts):
        spec = {"out": str(work / f"del-{part + 1:02d}"), "persons": args.persons, "stays": args.stays,
                "payments": args.payments, "debt_cases": args.debt_cases, "seed": 100 + part, "year": args.year}
        made = _checked("generering", measured([sys.executable, str(ROOT / "scripts" / "bench_ratio.py"),
                                                "--generate-child", json.dumps(spec)], env))
        parts.append(json.loads(made["stdout"].strip().splitlines()[-1]))
    size = sum(Path(p[k]).stat().st_size for p in parts for k in EXTRACTS)
    print(f"Genererade {args.parts} delar på {time.perf_counter() - started:.0f} s ({size / 1e6:.0f} MB)")
    return parts


def run(args) -> int:
    work = (ROOT / "bench-data" / "national").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BOINV_DATA_DIR": str(work / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("BOINV_DATABASE_URL", None)
    if args.parts == 1:  # one file of the whole country: the limits would refuse it
        env |= {"BOINV_MAX_FILE_BYTES": str(4 * 10**9), "BOINV_MAX_ROWS": str(50_000_000)}
    parts = generate(work / "uttag", args, env)
    if args.database_url:
        from bench import fresh_database

        env["BOINV_DATABASE_URL"] = fresh_database(args.database_url, args.pg_database)

    boinv = [sys.executable, "-m", "boendeinventering.cli"]
    steps: dict[str, dict] = {}

    def step(name: str, command: list[str]) -> None:
        result = _checked(name, measured([*boinv, *command], env))
        steps[name] = {k: result[k] for k in ("s", "cpu_s", "peak_mb")}
        print(f"  {name:<34} {result['s']:7.2f} s  (CPU {result['cpu_s']:6.2f} s)  "
              f"toppminne {result['peak_mb']:6.0f} MB", flush=True)

    step("init", ["init", "--kommun", "0180"])
    step("mapping import", ["mapping", "import", parts[0]["mapping"]])
    if args.one_command_per_kind:  # `boinv import KIND FILE …`: one process per kind, one import per file
        for kind in EXTRACTS:
            step(f"import {kind} ({len(parts)} filer)",
                 ["import", kind, *(files[kind] for files in parts), "--year", str(args.year)])
    else:
        for number, files in enumerate(parts, start=1):
            for kind in EXTRACTS:
                step(f"import {kind} del {number}", ["import", kind, files[kind], "--year", str(args.year)])
    for label, flags in (("export json --unprotected", ["--unprotected"]), ("export json (röjandeskyddad)", [])):
        step(label, ["export", "--year", str(args.year), "--format", "json", "--out",
                     str(work / f"export{'-unprotected' if flags else ''}.json"), *flags])

    imports = [s for name, s in steps.items() if name.startswith("import ")]
    document = json.loads((work / "export-unprotected.json").read_text(encoding="utf-8"))
    acute = sum(r["persons"] for r in document["tables"]["acute_persons_by_sex"]["rows"])
    payments = sum(r.get("persons", 0) for r in document["tables"]["payments_by_purpose"]["rows"])
    result = {
        "parts": args.parts, "payment_rows": args.parts * args.payments, "stay_rows": args.parts * args.stays,
        "steps": steps,
        "import_s": round(sum(s["s"] for s in imports), 2),
        "export_unprotected_s": steps["export json --unprotected"]["s"],
        "export_protected_s": steps["export json (röjandeskyddad)"]["s"],
        "peak_mb": max(s["peak_mb"] for s in steps.values()),
        "acute_persons": acute, "payment_persons_by_purpose_sum": payments,
    }
    result["import_and_export_s"] = round(result["import_s"] + result["export_unprotected_s"], 2)
    # an import's cost should be its own size, not grow with what the installation already holds
    result["growth"] = {} if args.one_command_per_kind else {
        kind: {"first": steps[f"import {kind} del 1"], "last": steps[f"import {kind} del {args.parts}"]}
        for kind in EXTRACTS}
    (work / "results-national.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    verdict_s = "inom" if result["import_and_export_s"] < TARGET_S else "ÖVER"
    verdict_mb = "inom" if result["peak_mb"] < TARGET_MB else "ÖVER"
    print(f"\n{result['payment_rows']:,} utbetalningar och {result['stay_rows']:,} insatser i {args.parts} delar:"
          .replace(",", " "))
    print(f"  import {result['import_s']:.1f} s + export utan skydd {result['export_unprotected_s']:.1f} s = "
          f"{result['import_and_export_s']:.1f} s ({verdict_s} målet {TARGET_S:.0f} s); "
          f"röjandeskyddad export {result['export_protected_s']:.1f} s")
    print(f"  största toppminne i ett steg {result['peak_mb']:.0f} MB ({verdict_mb} målet {TARGET_MB:.0f} MB)")
    print(f"  personer i akut hemlöshet: {acute}")
    for kind, growth in result["growth"].items():
        first, last = growth["first"], growth["last"]
        print(f"  import {kind}: del 1 {first['s']:.1f} s (CPU {first['cpu_s']:.1f} s) → del {args.parts} "
              f"{last['s']:.1f} s (CPU {last['cpu_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, default=16)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--stays", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=625_000)
    parser.add_argument("--debt-cases", type=int, default=20_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--one-command-per-kind", action="store_true",
                        help="import each kind's parts with one `boinv import KIND FILE …` (start-up paid once)")
    parser.add_argument("--database-url", help="PostgreSQL server instead of SQLite (a fresh database is made)")
    parser.add_argument("--pg-database", default="boinv_bench_national")
    sys.exit(run(parser.parse_args()))
