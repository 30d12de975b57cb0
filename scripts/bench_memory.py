"""Peak memory of one very large import (issue 8 item 6): a ~500 MB CSV of stays.

    .venv/bin/python scripts/bench_memory.py [--mb 500] [--stage read|import] [--encoding cp1252]
        [--slice-rows 200000]

The file is generated here (Skatteverket's test numbers, 50 000 persons); the measured work runs
in a child process, so its peak RSS (ru_maxrss) is the reading, validation (and with
`--stage import` pseudonymisation and storage in a fresh SQLite installation) alone. `--stage read`
reads the whole file as one table; `--stage import` reads it in slices of BOINV_IMPORT_SLICE_ROWS
records (`--slice-rows`), as imports do (issue 12). Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "person_id;kon;enhet;insats;boende;startdatum;slutdatum;boendedygn;kostnad;hushall_id;antal_barn\r\n"


def generate(path: Path, megabytes: int, encoding: str) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from boendeinventering.core.demo_data import load_test_numbers

    numbers = load_test_numbers()[20_000:70_000]
    units = ["Mottagningsenheten Söder", "Vuxenenheten Norr", "Beroendeenheten", "Socialjouren Älvsjö"]
    places = ["Härbärget Tallen", "Akutboendet Björken", "Hotell Stjärnan", "Stödboende Ödegården"]
    target = megabytes * 1_000_000
    rows = 0
    with open(path, "wb") as fh:
        fh.write(HEADER.encode(encoding))
        written = len(HEADER)
        block = []
        while written < target:
            i = rows
            month = 1 + i % 12
            line = (f"{numbers[i % len(numbers)]};{'K' if i % 2 else 'M'};{units[i % 4]};{places[(i // 4) % 4]};"
                    f"Rum {i % 97};2025-{month:02d}-{1 + i % 28:02d};;{i % 200};"
                    f"{(i % 50_000) / 4:.2f}".replace(".", ",")
                    + f";H{i % 30_000};{i % 4}\r\n")
            if written + len(line) > target:  # stay within the limit of the same size
                break
            block.append(line)
            rows += 1
            written += len(line)
            if len(block) == 50_000:
                fh.write("".join(block).encode(encoding))
                block = []
        fh.write("".join(block).encode(encoding))
    return rows


def child(stage: str, path: str) -> None:
    started = time.perf_counter()
    if stage == "read":
        sys.path.insert(0, str(ROOT / "src"))
        from boendeinventering.core.ingest import read_extract

        result = read_extract("insatser", Path(path), row_key=b"k" * 32)
        print(f"rows={result.valid.height} invalid={len(result.invalid_rows)}", flush=True)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boendeinventering.settings")
        import django

        django.setup()
        from boendeinventering.services.imports import import_extract
        from boendeinventering.services.installation import init_installation

        init_installation("0180")
        outcome = import_extract("insatser", Path(path))
        print(f"rows={outcome.batch.rows_imported}", flush=True)
    print(f"seconds={time.perf_counter() - started:.1f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--stage", choices=["read", "import"], default="import")
    parser.add_argument("--encoding", default="cp1252")
    parser.add_argument("--slice-rows", type=int, help="BOINV_IMPORT_SLICE_ROWS (default: the setting)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="boinv-mem-") as tmp:
        path = Path(tmp) / "stora-insatser.csv"
        started = time.perf_counter()
        rows = generate(path, args.mb, args.encoding)
        print(f"Genererade {path.stat().st_size / 1e6:.0f} MB, {rows} rader ({args.encoding}) "
              f"på {time.perf_counter() - started:.0f} s")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BOINV_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("BOINV_DATABASE_URL", None)
        if args.slice_rows:
            env["BOINV_IMPORT_SLICE_ROWS"] = str(args.slice_rows)
        result = subprocess.run([sys.executable, __file__, "--child", args.stage, str(path)], env=env,
                                capture_output=True, text=True)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(result.stdout.strip())
        if result.returncode:
            print(result.stderr[-3000:])
            return 1
        print(f"Toppminne ({args.stage}): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
