"""Peer check of the secondary suppression against Tau-Argus (pytauargus, optional).

Usage:  PYTHONPATH=src .venv/bin/python scripts/compare_tauargus.py [runs] [persons] [safety range %]
(needs `pip install pytauargus`, which is not a dependency of the product). Tau-Argus runs in
temporary directories, so its solver logs never land in the working directory.

Synthetic persons, each with ONE situation-1 stay, a sex, an age band and no payment, so that
the table code x sex is truly additive and Tau-Argus' model of it (cells + both margins + grand
total) is right. Our protect_report gets the report as the product would publish it for such
data: persons_by_situation (T1, grand total), persons_by_kod (T2, code margin),
persons_by_kod_sex (T3, cells), acute_persons_by_sex (T5, sex margin), and also
persons_by_situation_sex_age (T4: its sex parts P(1,x), relations R4/R5) and payments_by_purpose
(T6) present with no rows: nobody has a payment, so every purpose is a published zero, and R6
then caps T5 from above (T5(x) - P(1,x) <= sum of situation-1 payment persons = 0).
Tau-Argus protects only the 2-dimensional table code x sex with FREQ(threshold, safety range)
and optimal suppression. Both patterns are audited twice: by OUR LP audit (width >= 5) and by
Tau-Argus' own audit (Engine.audit), into which the code x sex part of a pattern is loaded as an
apriori file (see tau_audit). Our audit sees Tau-Argus' pattern in the report of the tables its
model covers (T1, T2, T3, T5, and the empty T6, which hides nothing); T4 is left out there
because Tau-Argus does not protect it. For each run we print the primary and secondary
suppressions, each audit's verdict, and in how many of our cells Tau-Argus' interval is
narrower than ours.

Our audit still knows less than Tau-Argus here: in real data one person can be in two codes, so
the codes only bound the situation total from below (R1: T1 <= sum of T2) and P(1,x) from above
(R5). With T1, every T2 and T5 published the two meet (sum of T2 = T1 as published figures, each
sex slack sum_k T3(1,k,x) - P(1,x) >= 0, so every slack is 0), but where a code margin T2 is
suppressed, Tau-Argus still has T1 = sum of T2 and we do not.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from boendeinventering.core import taxonomy
from boendeinventering.core.protect import ProtectionSettings, apply_pattern, audit_report, protect_report
from boendeinventering.core.protect.relations import T1, T2, T3, T4, T5, T6, build_relations
from boendeinventering.core.tables import Report, Table

ACUTE = [k for k, s in taxonomy.SITUATION_BY_CODE.items() if s == 1 and k != "utan_tak"]
SEXES = ("kvinna", "man", "okänt")
# The tables of Tau-Argus' model (code x sex with its margins); T6 is empty, so it hides nothing.
TAU_TABLES = (T1, T2, T3, T5, T6)


def persons(seed: int, n: int) -> list[dict]:
    rnd = random.Random(seed)
    codes = rnd.sample(ACUTE, 4)
    micro = [{"kod": rnd.choice(codes), "sex": rnd.choices(SEXES, (5, 5, 1))[0], "one": 1} for _ in range(n)]
    # Ages from a second generator, so code and sex stay those of earlier runs with the same seed.
    ages = random.Random(f"ålder-{seed}")
    for p in micro:
        p["age_band"] = ages.choice(taxonomy.AGE_BANDS)
    return micro


def report_of(micro: list[dict]) -> Report:
    """The report as the product publishes it for these persons (T1-T6; T6 with no rows)."""
    by_cell = Counter((p["kod"], p["sex"]) for p in micro)
    by_kod = Counter(p["kod"] for p in micro)
    by_sex = Counter(p["sex"] for p in micro)
    by_sex_age = Counter((p["sex"], p["age_band"]) for p in micro)
    tables = {
        T1: Table(T1, "", ["situation"], ["persons"], [{"situation": 1, "persons": len(micro)}]),
        T2: Table(T2, "", ["situation", "kod"], ["persons"],
                  [{"situation": 1, "kod": k, "persons": v} for k, v in sorted(by_kod.items())]),
        T3: Table(T3, "", ["situation", "kod", "sex"], ["persons"],
                  [{"situation": 1, "kod": k, "sex": s, "persons": v} for (k, s), v in sorted(by_cell.items())]),
        T4: Table(T4, "", ["situation", "sex", "age_band"], ["persons"],
                  [{"situation": 1, "sex": s, "age_band": a, "persons": v}
                   for (s, a), v in sorted(by_sex_age.items())]),
        T5: Table(T5, "", ["sex"], ["persons"], [{"sex": s, "persons": v} for s, v in sorted(by_sex.items())]),
        # Present with no rows, as measure.py builds it when nobody got a payment: every purpose
        # is a published zero (an ABSENT table would publish nothing and drop R6's upper bound).
        T6: Table(T6, "", ["kod"], ["persons", "households", "amount", "nights"], []),
    }
    return Report("0000", 2025, dt.date(2025, 12, 31), tables)


def only(report: Report, table_ids) -> Report:
    out = copy.deepcopy(report)
    out.tables = {tid: t for tid, t in out.tables.items() if tid in table_ids}
    return out


def check_relations(report: Report) -> None:
    """Stop unless the empty T6 gives R6's upper bound sum_X (T5 - P(1,.)) <= 0 (no payment terms)."""
    caps = [r for r in build_relations(report.tables) if r.name.startswith("R6 akut(") and "utbetalningar" in r.name]
    assert caps and all(c[0] in (T4, T5) and r.rhs == 0 for r in caps for c, _ in r.terms), \
        "tom T6 ger inte R6:s övre gräns"
    assert any(r.name.startswith("R4 ") for r in build_relations(report.tables)), "R4 saknas"


def cell_of(kod: str, sex: str) -> tuple:
    if kod == "Total" and sex == "Total":
        return ("persons_by_situation", (1,), "persons")
    if kod == "Total":
        return ("acute_persons_by_sex", (sex,), "persons")
    if sex == "Total":
        return ("persons_by_kod", (1, kod), "persons")
    return ("persons_by_kod_sex", (1, kod, sex), "persons")


# Tau-Argus reads fixed-width ASCII: short ASCII codes in, mapped back afterwards.
SEX_IN = {"kvinna": "F", "man": "M", "okänt": "U"}


def ascii_micro(micro: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Rows for Tau-Argus and the map ASCII kod -> our kod (sex uses SEX_IN)."""
    kods = sorted({p["kod"] for p in micro})
    kod_in = {k: f"K{i}" for i, k in enumerate(kods)}
    rows = [{"kod": kod_in[p["kod"]], "sex": SEX_IN[p["sex"]], "one": 1} for p in micro]
    return rows, {v: k for k, v in kod_in.items()}


def our_cell(kod_out: dict[str, str], kod: str, sex: str) -> tuple:
    sex_out = {v: k for k, v in SEX_IN.items()}
    return cell_of(kod_out.get(kod, "Total"), sex_out.get(sex, "Total"))


def tau_argus(micro: list[dict], threshold: int, safety_range: int) -> dict[tuple, str]:
    """Tau-Argus' own protection (FREQ + OPT): status S/U/M of every non-empty cell."""
    from pytauargus import protect

    rows, kod_out = ascii_micro(micro)
    # The solver leaves CSPlogfile.txt, FullJJ.log, cspSCIP.* in the working directory.
    with tempfile.TemporaryDirectory(prefix="tauargus_") as tmp, contextlib.chdir(tmp):
        res = protect(rows, tables=[["kod", "sex"]], response="one", workdir=tmp,
                      safety_rules=f"FREQ({threshold},{safety_range})", suppress="OPT(1)")
        return {our_cell(kod_out, str(r["kod"]), str(r["sex"])): r["status"] for r in res.tables[0].rows}


@dataclass
class TauAuditCell:
    lower: float  # realised feasibility interval Tau-Argus computed
    upper: float
    value: float
    status: str  # u = primary (its FREQ rule), m = secondary (our pattern, loaded as apriori M)
    protection: tuple[float, float]  # required distance below / above the value (primaries)
    unsafe: bool


@dataclass
class TauAudit:
    cells: dict[tuple, TauAuditCell]
    loaded: set[tuple]  # cells Tau-Argus holds as suppressed after loading the pattern
    primary: set[tuple]  # cells its FREQ rule made unsafe
    floor: float  # a-priori lower bound of every cell: the table's smallest cell value

    @property
    def ok(self) -> bool:
        return not any(c.unsafe for c in self.cells.values())

    @property
    def ok_two_sided(self) -> bool:
        """Also the lower side: value - lpl must be reachable (as far as the a-priori bound allows)."""
        return self.ok and not any(
            c.status == "u" and c.lower > max(c.value - c.protection[0], self.floor) + 1e-6
            for c in self.cells.values())


def tau_audit(micro: list[dict], hidden: set[tuple], threshold: int, safety_range: int) -> TauAudit:
    """Audit a given suppression pattern with Tau-Argus' own audit, without its suppression.

    The batch reads the microdata with FREQ(threshold, r), which marks the primary cells, then
    an <APRIORI> file sets every other cell of the pattern to M (secondary, set manually); no
    <SUPPRESS> command runs, so Tau-Argus adds nothing. Engine.audit then computes the realised
    feasibility interval of every u/m cell (its port of intervalle.exe) and flags a primary
    cell unsafe when the interval does not reach value + upper protection level (main() checks
    that this is what it does; ok_two_sided adds the lower side).
    """
    from pytauargus import protect
    from pytauargus.engine import Engine

    rows, kod_out = ascii_micro(micro)
    kod_in = {v: k for k, v in kod_out.items()}
    codes = {cell_of(k, s): (kod_in.get(k, "Total"), SEX_IN.get(s, "Total"))
             for k in [*kod_in, "Total"] for s in [*SEX_IN, "Total"]}
    with tempfile.TemporaryDirectory(prefix="tauargus_") as tmp, contextlib.chdir(tmp):
        files = protect(rows, tables=[["kod", "sex"]], response="one", workdir=tmp, run=False).files
        values = values_of(micro)
        # Primaries come from the FREQ rule; marking them M would demote them to secondary.
        secondary = sorted(codes[c] for c in hidden if not 1 <= values.get(c, 0) < threshold)
        apriori = Path(tmp, "ours.hst")
        apriori.write_text("".join(f"{k};{s};M\n" for k, s in secondary), encoding="ascii")
        arb = Path(tmp, "audit.arb")
        arb.write_text("\n".join([
            f'<OPENMICRODATA> "{files["asc"]}"',
            f'<OPENMETADATA> "{files["rda"]}"',
            '<SPECIFYTABLE> "kod""sex"|"one"||',
            f"<SAFETYRULE> FREQ({threshold},{safety_range})",
            "<READMICRODATA>",
            *([f'<APRIORI> "{apriori}",1,";"'] if secondary else []),
        ]) + "\n", encoding="ascii")
        engine = Engine().run_batch(arb)
        tau = engine._tau
        meta = engine.metadata
        dims = []
        for var in ("kod", "sex"):
            vi = meta.index_of(var)
            dims.append([tau.get_var_code(vi, ci)[2] or "Total"
                         for ci in range(tau.get_var_number_of_codes(vi)[1])])
        index = [our_cell(kod_out, k, s) for k in dims[0] for s in dims[1]]
        loaded, primary = set(), set()
        for i, cell in enumerate(index):
            status = tau.get_table_cell_status(0, i)
            if 3 <= status <= 9:  # CS_UNSAFE_* (FREQ rule)
                primary.add(cell)
            if 3 <= status <= 9 or status in (11, 12):  # unsafe or secondary: suppressed
                loaded.add(cell)
        cells = {}
        for r in engine.audit(0):
            cell = index[r["cell"]]
            cells[cell] = TauAuditCell(r["min"], r["max"], r["value"], r["status"],
                                       tuple(tau.get_table_cell_protection_levels(0, r["cell"])), bool(r["unsafe"]))
        floor = engine._table_cell_bounds(0)[0]  # the bound Engine.audit writes to the JJ file
    return TauAudit(cells, loaded, primary, floor)


def values_of(micro: list[dict]) -> dict[tuple, int]:
    by_cell = Counter((p["kod"], p["sex"]) for p in micro)
    out = {cell_of(k, s): v for (k, s), v in by_cell.items()}
    for k, v in Counter(p["kod"] for p in micro).items():
        out[cell_of(k, "Total")] = v
    for s, v in Counter(p["sex"] for p in micro).items():
        out[cell_of("Total", s)] = v
    out[cell_of("Total", "Total")] = len(micro)
    return out


def with_pattern(report: Report, hidden: set) -> Report:
    return apply_pattern(report, hidden)[0]


def narrower(tau: TauAudit, ours) -> int:
    """Cells whose Tau-Argus interval is strictly inside ours (its model knows more)."""
    mine = {(c.table, c.key, c.measure): c for c in ours.cells}
    return sum(1 for cell, t in tau.cells.items() if cell in mine
               and (t.lower > mine[cell].lower + 1e-6 or t.upper < mine[cell].upper - 1e-6))


def main(runs: int = 8, n: int = 60, safety_range: int = 0) -> None:
    settings = ProtectionSettings()
    print(f"FREQ({settings.threshold},{safety_range}), {runs} körningar med {n} personer")
    print(f"{'run':>3} {'celler':>6} {'prim':>4} {'T4':>5} | "
          f"{'ours sek':>8} {'T4':>3} {'vår':>5} {'tau':>5} {'tau2':>5} "
          f"{'smalare':>7} | {'tau sek':>7} {'vår':>5} {'tau':>5} {'tau2':>5}")
    totals = Counter()
    for seed in range(runs):
        micro = persons(seed, n)
        report = report_of(micro)
        check_relations(report)
        tau_report = only(report, TAU_TABLES)
        ours = protect_report(report, settings)
        hidden_all = {(tid, k, m) for tid, t in ours.tables.items() for k, m in t.suppressed_cells()}
        ours_hidden = {c for c in hidden_all if c[0] != T4}  # the code x sex part Tau-Argus can see
        t4_values = {(T4, report.tables[T4].key(r), "persons"): r["persons"] for r in report.tables[T4].rows}
        t4_primary = {c for c, v in t4_values.items() if 1 <= v < settings.threshold}
        t4_secondary = (hidden_all - ours_hidden) - t4_primary
        status = tau_argus(micro, settings.threshold, safety_range)
        tau_hidden = {c for c, s in status.items() if s in ("U", "M")}
        primary = {c for c, s in status.items() if s == "U"}
        n_cells = sum(len(t.rows) for t in tau_report.tables.values())
        our_audit_ours = audit_report(ours, settings, report)
        ok_tau = audit_report(with_pattern(tau_report, tau_hidden), settings, tau_report).ok
        tau_ours = tau_audit(micro, ours_hidden, settings.threshold, safety_range)
        tau_tau = tau_audit(micro, tau_hidden, settings.threshold, safety_range)
        for audit, hidden in ((tau_ours, ours_hidden), (tau_tau, tau_hidden)):
            # The pattern must arrive in Tau-Argus unchanged, with the same primaries as ours.
            assert audit.loaded == hidden and audit.primary == primary, "mönstret laddades inte oförändrat"
            for c in audit.cells.values():
                # Observed in pytauargus 0.6 (never contradicted): a primary cell is flagged
                # unsafe exactly when its realised upper bound falls short of value + upl.
                assert c.unsafe == (c.status == "u" and c.upper < c.value + c.protection[1] - 1e-6), c
        unsafe = [(cell, c) for cell, c in sorted(tau_ours.cells.items()) if c.unsafe]
        exact = sum(1 for _, c in unsafe if c.upper - c.lower < 1e-6)
        narrow = narrower(tau_ours, our_audit_ours)
        print(f"{seed:>3} {n_cells:>6} {len(primary):>4} {len(t4_primary):>2}/{len(t4_values):<2} | "
              f"{len(ours_hidden - primary):>8} {len(t4_secondary):>3} "
              f"{str(our_audit_ours.ok):>5} {'ok' if tau_ours.ok else f'{len(unsafe)} osä':>5} "
              f"{str(tau_ours.ok_two_sided):>5} {narrow:>7} | "
              f"{len(tau_hidden - primary):>7} {str(ok_tau):>5} {str(tau_tau.ok):>5} {str(tau_tau.ok_two_sided):>5}")
        mine = {(c.table, c.key, c.measure): c for c in our_audit_ours.cells}
        for cell, c in unsafe:
            print(f"      osäker hos Tau-Argus: {cell[0]} {cell[1]} värde {c.value:g}, "
                  f"intervall [{c.lower:g}, {c.upper:g}], skydd ±{c.protection[0]:g}; "
                  f"vårt intervall [{mine[cell].lower:g}, {mine[cell].upper:g}]")
        totals.update(primary=len(primary), t4_primary=len(t4_primary), t4_secondary=len(t4_secondary),
                      ours=len(ours_hidden - primary), tau=len(tau_hidden - primary),
                      ours_our=our_audit_ours.ok, ours_tau=tau_ours.ok, tau_our=ok_tau, tau_tau=tau_tau.ok,
                      ours_tau2=tau_ours.ok_two_sided, tau_tau2=tau_tau.ok_two_sided,
                      unsafe=len(unsafe), exact=exact, narrow=narrow, audited=len(tau_ours.cells))
    print(f"summa: primära {totals['primary']} (kod x kön), vår sekundär {totals['ours']} (kod x kön) "
          f"+ {totals['t4_secondary']} i T4 (där {totals['t4_primary']} primära), "
          f"Tau-Argus sekundär {totals['tau']}; "
          f"godkänt av vår / Tau-Argus / tvåsidig granskning: vårt mönster "
          f"{totals['ours_our']}/{totals['ours_tau']}/{totals['ours_tau2']} av {runs} "
          f"({totals['unsafe']} osäkra celler hos Tau-Argus, {totals['exact']} exakta), "
          f"Tau-Argus mönster {totals['tau_our']}/{totals['tau_tau']}/{totals['tau_tau2']} av {runs}; "
          f"Tau-Argus intervall smalare än vårt i {totals['narrow']} av {totals['audited']} celler")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
