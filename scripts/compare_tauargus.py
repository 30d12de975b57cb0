"""Peer check of the secondary suppression against Tau-Argus (pytauargus, optional).

Usage:  PYTHONPATH=src .venv/bin/python scripts/compare_tauargus.py [runs] [persons] [safety range %]
(needs `pip install pytauargus`, which is not a dependency of the product).

Synthetic persons, each with ONE situation-1 stay, so that the table code x sex is truly
additive and Tau-Argus' model of it (cells + both margins + grand total) is right. The same
figures as Boendeinventering publishes them are persons_by_situation (grand total),
persons_by_kod (code margin), persons_by_kod_sex (cells) and acute_persons_by_sex (sex margin).
Tau-Argus protects the 2-dimensional table with FREQ(threshold, safety range) and optimal suppression;
our protect_report protects the report. For each run we print the number of primary and
secondary suppressions of both, and whether each pattern passes OUR audit (width >= 5).

Our audit knows less than Tau-Argus here: in real data one person can be in two codes, so
codes only bound the situation total (R1, an inequality), while Tau-Argus assumes equality.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import sys
from collections import Counter

from boendeinventering.core import taxonomy
from boendeinventering.core.protect import ProtectionSettings, audit_report, protect_report
from boendeinventering.core.tables import Report, Table

ACUTE = [k for k, s in taxonomy.SITUATION_BY_CODE.items() if s == 1 and k != "utan_tak"]
SEXES = ("kvinna", "man", "okänt")


def persons(seed: int, n: int) -> list[dict]:
    rnd = random.Random(seed)
    codes = rnd.sample(ACUTE, 4)
    return [{"kod": rnd.choice(codes), "sex": rnd.choices(SEXES, (5, 5, 1))[0], "one": 1} for _ in range(n)]


def report_of(micro: list[dict]) -> Report:
    by_cell = Counter((p["kod"], p["sex"]) for p in micro)
    by_kod = Counter(p["kod"] for p in micro)
    by_sex = Counter(p["sex"] for p in micro)
    tables = {
        "persons_by_situation": Table("persons_by_situation", "", ["situation"], ["persons"],
                                      [{"situation": 1, "persons": len(micro)}]),
        "persons_by_kod": Table("persons_by_kod", "", ["situation", "kod"], ["persons"],
                                [{"situation": 1, "kod": k, "persons": v} for k, v in sorted(by_kod.items())]),
        "persons_by_kod_sex": Table("persons_by_kod_sex", "", ["situation", "kod", "sex"], ["persons"],
                                    [{"situation": 1, "kod": k, "sex": s, "persons": v}
                                     for (k, s), v in sorted(by_cell.items())]),
        "acute_persons_by_sex": Table("acute_persons_by_sex", "", ["sex"], ["persons"],
                                      [{"sex": s, "persons": v} for s, v in sorted(by_sex.items())]),
    }
    return Report("0000", 2025, dt.date(2025, 12, 31), tables)


def cell_of(kod: str, sex: str) -> tuple:
    if kod == "Total" and sex == "Total":
        return ("persons_by_situation", (1,), "persons")
    if kod == "Total":
        return ("acute_persons_by_sex", (sex,), "persons")
    if sex == "Total":
        return ("persons_by_kod", (1, kod), "persons")
    return ("persons_by_kod_sex", (1, kod, sex), "persons")


def tau_argus(micro: list[dict], threshold: int, safety_range: int) -> dict[tuple, str]:
    from pytauargus import protect

    # Tau-Argus reads fixed-width ASCII: short ASCII codes in, mapped back afterwards.
    kods = sorted({p["kod"] for p in micro})
    kod_in = {k: f"K{i}" for i, k in enumerate(kods)}
    sex_in = {"kvinna": "F", "man": "M", "okänt": "U"}
    kod_out = {v: k for k, v in kod_in.items()} | {"Total": "Total"}
    sex_out = {v: k for k, v in sex_in.items()} | {"Total": "Total"}
    rows = [{"kod": kod_in[p["kod"]], "sex": sex_in[p["sex"]], "one": 1} for p in micro]
    res = protect(rows, tables=[["kod", "sex"]], response="one",
                  safety_rules=f"FREQ({threshold},{safety_range})", suppress="OPT(1)")
    return {cell_of(kod_out[str(r["kod"])], sex_out[str(r["sex"])]): r["status"] for r in res.tables[0].rows}


def with_pattern(report: Report, hidden: set) -> Report:
    out = copy.deepcopy(report)
    out.protected = True
    for tid, table in out.tables.items():
        for row in table.rows:
            gone = [m for m in table.measures if (tid, table.key(row), m) in hidden]
            for m in gone:
                row[m] = None
            row["suppressed"] = gone
    return out


def main(runs: int = 8, n: int = 60, safety_range: int = 0) -> None:
    settings = ProtectionSettings()
    print(f"{'run':>3} {'celler':>6} | {'primära':>7} | {'ours sek.':>9} {'audit':>5} | {'tau sek.':>8} {'audit':>5}")
    for seed in range(runs):
        micro = persons(seed, n)
        report = report_of(micro)
        ours = protect_report(report, settings)
        ours_hidden = {(tid, k, m) for tid, t in ours.tables.items() for k, m in t.suppressed_cells()}
        status = tau_argus(micro, settings.threshold, safety_range)
        tau_hidden = {c for c, s in status.items() if s in ("U", "M")}
        primary = sum(1 for s in status.values() if s == "U")
        n_cells = sum(len(t.rows) for t in report.tables.values())
        ok_ours = audit_report(ours, settings, report).ok
        ok_tau = audit_report(with_pattern(report, tau_hidden), settings, report).ok
        print(f"{seed:>3} {n_cells:>6} | {primary:>7} | {len(ours_hidden) - primary:>9} {str(ok_ours):>5} | "
              f"{len(tau_hidden) - primary:>8} {str(ok_tau):>5}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
