"""`make bench`: a large city's year (200,000 persons, 300,000 stays, 650,000 payments).

Reports import and export times and peak memory, and disclosure-control times for a large city
and a small municipality. Targets (issue 2/3): all three imports within 8 s, a full JSON export
within 2 s, peak memory under 2 GB; protect + audit within 2 s (large) and 0.3 s (small); the
full report in all five formats within 10 s (large) and 3 s (small).

The measured part runs in a child process so that its peak memory (ru_maxrss) is the import
and export alone, not the data generation.

`--years 5` measures year over year instead (issue 11): five years of the large city (5 x about
1M rows, each imported with its --year), and the last year's full JSON export including trends
and flows against the first year's export (which has no earlier year). Target: at most 2 x. The
last year is measured three ways: its first export (the earlier, unpublished years' signals are
computed then and kept), its later exports (best of three), and its first export once the earlier
years are published (as municipalities do; their signals then come from the published reports).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parent_years(args) -> int:
    """Five (``--years``) years of the large city in one installation; see the module docstring."""
    sys.path.insert(0, str(ROOT / "src"))
    from boendeinventering.core.demo_data import generate_large

    work = (ROOT / "bench-data" / "years").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    years = list(range(2025 - args.years + 1, 2026))
    started = time.perf_counter()
    # The same seed every year: the pool of persons is largely the same (ages move by a year),
    # so many recur and the flows join real overlaps.
    paths = {year: {k: str(v) for k, v in generate_large(
        work / f"uttag-{year}", persons=args.persons, stays=args.stays, payments=args.payments, seed=1,
        year=year).__dict__.items()} for year in years}
    print(f"Genererade {len(years)} års uttag på {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "boendeinventering.settings",
           "BOINV_DATA_DIR": str(work / "data")}
    if args.database_url:
        env["BOINV_DATABASE_URL"] = fresh_database(args.database_url, "boinv_bench_years")
    out = subprocess.run([sys.executable, __file__, "--child-years", json.dumps(paths)], env=env,
                         capture_output=True, text=True)
    sys.stderr.write(out.stderr[-4000:])
    if out.returncode:
        print(out.stdout)
        return out.returncode
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2, ensure_ascii=False))
    (work / "results-years.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\n{len(years)} år: JSON-export {years[-1]} med trender och flöden {result['export_json_last_s']:.2f} s, "
          f"ett år utan tidigare år ({years[0]}) {result['export_json_first_s']:.2f} s, kvot "
          f"{result['ratio']:.2f} (mål högst 2; CPU-tid {result['ratio_cpu']:.2f}), "
          f"toppminne {result['peak_mb']:.0f} MB")
    return 0


def child_years(paths_json: str) -> int:
    import django

    django.setup()
    from boendeinventering.services import figures, imports, installation, mapping

    paths = {int(y): {k: Path(v) for k, v in p.items()} for y, p in json.loads(paths_json).items()}
    installation.init_installation("0180")
    years = sorted(paths)
    mapping.import_mapping(paths[years[0]]["mapping"])
    result: dict[str, float] = {"years": len(years)}
    started = time.perf_counter()
    rows = 0
    for year in years:
        for kind in ("insatser", "utbetalningar", "skuldradgivning"):
            rows += imports.import_extract(kind, paths[year][kind], year=year).batch.rows_imported
    result["import_all_s"] = round(time.perf_counter() - started, 3)
    result["rows_imported"] = rows
    out = Path(os.environ["BOINV_DATA_DIR"])

    def timed_export(year: int) -> tuple[float, float]:
        started, started_cpu = time.perf_counter(), time.process_time()
        figures.export(year, "json", out / f"export-{year}.json")
        # CPU time of the process (all threads): steadier than wall time on a shared machine
        return time.perf_counter() - started, time.process_time() - started_cpu

    timed_export(years[0])  # the process's first call loads the solver and the writers: not counted
    for label, year in (("first", years[0]), ("last", years[-1])):
        # "last", first call: nothing kept yet, so the earlier (unpublished) years' signals are computed
        runs = [timed_export(year) for _ in range(3)]
        if label == "last":
            result["export_json_last_first_call_s"] = round(runs[0][0], 3)
            result["export_json_last_first_call_cpu_s"] = round(runs[0][1], 3)
        result[f"export_json_{label}_s"] = round(min(r[0] for r in runs), 3)
        result[f"export_json_{label}_cpu_s"] = round(min(r[1] for r in runs), 3)
    # As municipalities work: each earlier year published when it was done. The last year's first
    # export then reads the earlier years' signals from their published reports.
    from boendeinventering.reporting.models import SignalHistory

    for year in years[:-1]:
        figures.publish_year(year, "bench")
    SignalHistory.objects.all().delete()
    wall, cpu = timed_export(years[-1])
    result["export_json_last_earlier_published_s"] = round(wall, 3)
    result["export_json_last_earlier_published_cpu_s"] = round(cpu, 3)
    document = json.loads((out / f"export-{years[-1]}.json").read_text(encoding="utf-8"))
    result["flow_tables"] = sorted(t for t in document["tables"] if t.startswith(("acute_", "trend_")))
    inflow = {r["flow"]: r["persons"] for r in document["tables"]["acute_inflow"]["rows"]}
    result["inflow"] = inflow
    result["ratio"] = round(result["export_json_last_s"] / result["export_json_first_s"], 2)
    result["ratio_cpu"] = round(result["export_json_last_cpu_s"] / result["export_json_first_cpu_s"], 2)
    for case in ("first_call", "earlier_published"):
        result[f"ratio_{case}"] = round(result[f"export_json_last_{case}_s"] / result["export_json_first_s"], 2)
        result[f"ratio_{case}_cpu"] = round(result[f"export_json_last_{case}_cpu_s"]
                                            / result["export_json_first_cpu_s"], 2)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
    return 0


def parent(args) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from boendeinventering.core.demo_data import generate_demo, generate_large

    work = (ROOT / "bench-data" / "city").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.perf_counter()
    files = generate_large(work / "uttag", persons=args.persons, stays=args.stays, payments=args.payments,
                           seed=1)
    print(f"Genererade uttag på {time.perf_counter() - started:.1f} s "
          f"({sum(p.stat().st_size for p in files.__dict__.values()) / 1e6:.0f} MB)")
    small = generate_demo(work / "liten-kommun", persons=args.small_persons, seed=2)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "boendeinventering.settings"}
    results = {}
    for label, which, data_dir in (("stor stad", files, work / "data"), ("liten kommun", small, work / "data-liten")):
        env["BOINV_DATA_DIR"] = str(data_dir)
        if args.database_url:
            name = f"boinv_bench_{data_dir.name.replace('-', '_')}"
            env["BOINV_DATABASE_URL"] = fresh_database(args.database_url, name)
        out = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps({k: str(v) for k, v in which.__dict__.items()})],
            env=env, capture_output=True, text=True,
        )
        sys.stderr.write(out.stderr[-4000:])
        if out.returncode:
            print(out.stdout)
            return out.returncode
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(results, indent=2, ensure_ascii=False))
    (work / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    big = results["stor stad"]
    print("\nStor stad: import {:.2f} s (mål 8 s), JSON-export {:.2f} s (mål 2 s), toppminne {:.0f} MB (mål 2000), "
          "skydd+revision {:.2f} s (mål 2 s)".format(big["import_total_s"], big["export_json_s"], big["peak_mb"],
                                                    big["protect_audit_s"]))
    peaks = {k[5:-3]: v for k, v in big.items() if k.startswith("peak_") and k != "peak_mb"}
    print("Toppminne per steg (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items())
          + f"; största {max(peaks.values()):.0f} (mål: inget steg över 2000)")
    print("Liten kommun: skydd+revision {:.3f} s (mål 0,3 s)".format(results["liten kommun"]["protect_audit_s"]))
    print("Hela rapporten i alla format: stor stad {:.2f} s (mål 10 s), liten kommun {:.2f} s (mål 3 s)".format(
        big["report_all_formats_s"], results["liten kommun"]["report_all_formats_s"]))
    return 0


def fresh_database(url: str, name: str) -> str:
    """An empty PostgreSQL database for one measured run (`--database-url` on the server's maintenance db)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def step_peak(result: dict, step: str) -> None:
    """Record the peak memory of the step just done (``peak_<step>_mb``) and start the next afresh.

    Linux keeps a process's high-water mark (VmHWM) and resets it when 5 is written to
    /proc/self/clear_refs, so each step's peak is its own, not the largest so far. Elsewhere
    the process's peak so far is recorded instead."""
    status = Path("/proc/self/status")
    if status.exists():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        result[f"peak_{step}_mb"] = round(int(line.split()[1]) / 1024, 1)
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
    else:
        result[f"peak_{step}_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(paths_json: str) -> int:
    import django

    django.setup()
    from boendeinventering.core.protect import audit_report, protect_report
    from boendeinventering.services import figures, imports, installation, mapping

    paths = {k: Path(v) for k, v in json.loads(paths_json).items()}
    result: dict[str, float] = {}
    step_peak(result, "start")
    installation.init_installation("0180")
    mapping.import_mapping(paths["mapping"])
    step_peak(result, "init_mapping")
    total = 0.0
    for kind in ("insatser", "utbetalningar", "skuldradgivning", "platser"):
        if kind not in paths:
            continue
        started = time.perf_counter()
        outcome = imports.import_extract(kind, paths[kind])
        elapsed = time.perf_counter() - started
        total += elapsed
        result[f"import_{kind}_s"] = round(elapsed, 3)
        result[f"rows_{kind}"] = outcome.batch.rows_imported
        step_peak(result, f"import_{kind}")
    result["import_total_s"] = round(total, 3)
    year = 2025
    started = time.perf_counter()
    data = figures.load_year(year)
    result["load_year_s"] = round(time.perf_counter() - started, 3)
    step_peak(result, "load_year")
    started = time.perf_counter()
    figures.export(year, "json", Path(os.environ["BOINV_DATA_DIR"]) / "export.json")
    result["export_json_s"] = round(time.perf_counter() - started, 3)
    step_peak(result, "export_json")
    for fmt in ("xlsx", "html"):
        started = time.perf_counter()
        figures.export(year, fmt, Path(os.environ["BOINV_DATA_DIR"]) / f"export.{fmt}")
        result[f"export_{fmt}_s"] = round(time.perf_counter() - started, 3)
        step_peak(result, f"export_{fmt}")
    # The full report in every format (issue 10: ≤ 10 s large city, ≤ 3 s small municipality):
    # the protected report built once, then each exporter renders it, as `boinv demo` does.
    from boendeinventering.core.report.exporters import EXPORTERS

    started = time.perf_counter()
    full = figures.build_report(year, protected=True)
    result["report_build_s"] = round(time.perf_counter() - started, 3)
    for fmt, exporter in EXPORTERS.items():
        began = time.perf_counter()
        exporter.write(full, Path(os.environ["BOINV_DATA_DIR"]) / f"rapport.{exporter.extension}")
        result[f"report_{fmt}_s"] = round(time.perf_counter() - began, 3)
    result["report_all_formats_s"] = round(time.perf_counter() - started, 3)
    step_peak(result, "report_all_formats")
    report = figures.build_report(year, protected=False)
    rules = figures.protection_settings()
    started = time.perf_counter()
    protected = protect_report(report, rules)
    audit = audit_report(protected, rules, unprotected=report)
    result["protect_audit_s"] = round(time.perf_counter() - started, 3)
    step_peak(result, "protect_audit")
    result["audit_ok"] = audit.ok
    result["suppressed_cells"] = sum(len(t.suppressed_cells()) for t in protected.tables.values())
    result["published_cells"] = sum(len(r) for t in protected.tables.values() for r in t.rows)
    result["stays_in_year"] = data.stays.height
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child")
    parser.add_argument("--child-years")
    parser.add_argument("--years", type=int, default=1, help="with 2-5: year over year (several years of the city)")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--stays", type=int, default=300_000)
    parser.add_argument("--payments", type=int, default=650_000)
    parser.add_argument("--small-persons", type=int, default=150)
    parser.add_argument("--database-url", help="PostgreSQL server to measure on instead of SQLite, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/postgres (a fresh database is made per run)")
    arguments = parser.parse_args()
    if arguments.child_years:
        sys.exit(child_years(arguments.child_years))
    if arguments.child:
        sys.exit(child(arguments.child))
    sys.exit(parent_years(arguments) if arguments.years > 1 else parent(arguments))
