"""The LP audit of disclosure control (core/protect/audit.py, relations.py)."""

from __future__ import annotations

import copy
import itertools
import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st

import boendeinventering.core.protect.audit as audit_module
from boendeinventering.core.protect import ProtectionSettings, apply_pattern, audit_report, protect_report
from boendeinventering.core.protect.relations import build_relations
from boendeinventering.core.tables import Table

from tests.test_protect import hidden_cells, small_report, synthetic_report


def _hide(report, cells):
    """A 'protected' copy of report with exactly ``cells`` suppressed (no secondary logic)."""
    return apply_pattern(report, set(cells))[0]


@pytest.mark.parametrize("seed", range(25))
def test_every_relation_holds_on_person_level_data(seed):
    report = synthetic_report(seed, 5 + 7 * seed, n_codes=2 + seed % 6)
    values = {(tid, t.key(r), m): r[m] for tid, t in report.tables.items() for r in t.rows for m in t.measures}
    relations = build_relations(report.tables)
    assert len(relations) > 10
    broken = [r.name for r in relations if not r.holds(lambda c: values.get(c, 0))]
    assert broken == []


def _two_codes(t1, a, b, sex_a, sex_b):
    """Situation 1 with codes harbarge (a persons) and hotell (b), split by sex."""
    return small_report({
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], ["persons"],
                                      [{"situation": 1, "persons": t1}]),
        "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], ["persons"],
                                [{"situation": 1, "kod": "harbarge", "persons": a},
                                 {"situation": 1, "kod": "hotell", "persons": b}]),
        "persons_by_kod_sex": Table("persons_by_kod_sex", "t3", ["situation", "kod", "sex"], ["persons"],
                                    [{"situation": 1, "kod": k, "sex": s, "persons": v}
                                     for k, parts in (("harbarge", sex_a), ("hotell", sex_b))
                                     for s, v in zip(("kvinna", "man"), parts)]),
    })


def _brute_force(t1, a, b, sex_a, sex_b, hidden):
    """Integer min/max of every hidden cell, by enumeration, with the relations written out
    by hand: t1 in [max(a, b), a + b], a = a_k + a_m, b = b_k + b_m, hidden counts >= 1.
    A maximum that grows with the enumeration's ceiling is unbounded."""
    names = ["t1", "a", "b", "ak", "am", "bk", "bm"]
    truth = dict(zip(names, (t1, a, b, *sex_a, *sex_b)))

    def search(top):
        choices = [range(1, top) if n in hidden else (truth[n],) for n in names]
        lo = {n: math.inf for n in hidden}
        hi = {n: -math.inf for n in hidden}
        for combo in itertools.product(*choices):
            v = dict(zip(names, combo))
            if (max(v["a"], v["b"]) <= v["t1"] <= v["a"] + v["b"] and v["a"] == v["ak"] + v["am"]
                    and v["b"] == v["bk"] + v["bm"]):
                for n in hidden:
                    lo[n], hi[n] = min(lo[n], v[n]), max(hi[n], v[n])
        return lo, hi

    top = t1 + a + b + 2
    lo, hi = search(top)
    _, hi_more = search(top + 4)
    return {n: (lo[n], hi[n] if hi[n] == hi_more[n] else math.inf) for n in hidden}


CELL_OF = {
    "t1": ("persons_by_situation", (1,), "persons"),
    "a": ("persons_by_kod", (1, "harbarge"), "persons"),
    "b": ("persons_by_kod", (1, "hotell"), "persons"),
    "ak": ("persons_by_kod_sex", (1, "harbarge", "kvinna"), "persons"),
    "am": ("persons_by_kod_sex", (1, "harbarge", "man"), "persons"),
    "bk": ("persons_by_kod_sex", (1, "hotell", "kvinna"), "persons"),
    "bm": ("persons_by_kod_sex", (1, "hotell", "man"), "persons"),
}


@hsettings(max_examples=40, deadline=None)
@given(ak=st.integers(1, 4), am=st.integers(1, 4), bk=st.integers(1, 5), bm=st.integers(1, 5),
       overlap=st.integers(0, 3), hidden=st.sets(st.sampled_from(sorted(CELL_OF)), min_size=1, max_size=3))
def test_lp_intervals_match_enumeration(ak, am, bk, bm, overlap, hidden):
    a, b = ak + am, bk + bm
    t1 = max(a, b, a + b - overlap)
    report = _two_codes(t1, a, b, (ak, am), (bk, bm))
    result = audit_report(_hide(report, {CELL_OF[n] for n in hidden}), ProtectionSettings(), report)
    got = {(c.table, c.key, c.measure): (c.lower, c.upper) for c in result.cells}
    expected = _brute_force(t1, a, b, (ak, am), (bk, bm), hidden)
    for name, (lo, hi) in expected.items():
        lp_lo, lp_hi = got[CELL_OF[name]]
        # this structure is totally unimodular: LP and integer bounds agree
        assert lp_lo == pytest.approx(lo) and (lp_hi == pytest.approx(hi) or math.isinf(hi) and math.isinf(lp_hi))


def test_audit_finds_a_lone_suppressed_cell_in_a_sum():
    report = _two_codes(12, 10, 5, (7, 3), (3, 2))
    hidden = {CELL_OF["am"]}
    result = audit_report(_hide(report, hidden), ProtectionSettings(), report)
    assert not result.ok
    [cell] = result.cells
    assert (cell.lower, cell.upper, cell.true_value) == (3, 3, 3)
    assert any("bredd 0" in p and "minst 5" in p for p in result.problems)
    text = result.as_text()
    assert "UNDERKÄND" in text and "Tabell" in text and "Nedre gräns" in text


def test_audit_flags_published_small_counts_and_wrong_values():
    report = _two_codes(12, 10, 5, (7, 3), (3, 2))
    result = audit_report(_hide(report, set()), ProtectionSettings(), report)
    assert not result.ok and any("under tröskeln 5" in p for p in result.problems)
    protected = protect_report(report)
    tampered = copy.deepcopy(protected)
    tampered.tables["persons_by_situation"].rows[0]["persons"] = 13
    result = audit_report(tampered, ProtectionSettings(), report)
    assert not result.ok and any("skiljer sig från det sanna" in p for p in result.problems)


def test_audit_without_the_unprotected_report():
    report = synthetic_report(5, 40)
    protected = protect_report(report)
    result = audit_report(protected, ProtectionSettings())
    assert result.ok, result.as_text()
    assert all(c.true_value is None for c in result.cells)
    assert len(result.cells) == len(hidden_cells(protected))
    assert "godkänd" in result.as_text()


def test_magnitude_interval_requirement():
    people = ["persons", "nights", "cost"]
    report = small_report({
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], people,
                                      [{"situation": 1, "persons": 40, "nights": 1000, "cost": 500000}]),
        "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], people,
                                [{"situation": 1, "kod": "harbarge", "persons": 20, "nights": 400, "cost": 100000},
                                 {"situation": 1, "kod": "hotell", "persons": 25, "nights": 600, "cost": 400000}]),
    })
    cost = ("persons_by_kod", (1, "harbarge"), "cost")
    # cost alone hidden: pinned by the total up to the rounding of three cells (+-1.5 kr)
    result = audit_report(_hide(report, {cost}), ProtectionSettings(), report)
    assert not result.ok
    assert result.cells[0].upper - result.cells[0].lower == pytest.approx(3.0)
    # both codes' cost hidden: each in a wide interval, more than 10 % of its upper bound
    both = {cost, ("persons_by_kod", (1, "hotell"), "cost")}
    result = audit_report(_hide(report, both), ProtectionSettings(), report)
    assert result.ok
    assert [(c.lower, c.upper) for c in result.cells] == [(0, 500001.5), (0, 500001.5)]


@pytest.mark.parametrize("seed", range(4))
def test_direct_highs_and_linprog_give_the_same_intervals(seed, monkeypatch):
    # The fast path runs through the public highspy package, a declared dependency.
    assert audit_module.USE_DIRECT_HIGHS and audit_module.highspy.__name__ == "highspy"
    assert "_Highs" in audit_module.highspy.__all__  # the binding we use is part of highspy's public names
    report = synthetic_report(seed, 40)
    protected = protect_report(report)
    direct = audit_report(protected, ProtectionSettings(), report)
    monkeypatch.setattr(audit_module, "USE_DIRECT_HIGHS", False)
    via_linprog = audit_report(protected, ProtectionSettings(), report)
    assert via_linprog.ok and direct.ok
    for x, y in zip(direct.cells, via_linprog.cells):
        assert (x.table, x.key, x.measure) == (y.table, y.key, y.measure)
        assert x.lower == pytest.approx(y.lower, abs=1e-6)
        assert x.upper == pytest.approx(y.upper, abs=1e-6) or (math.isinf(x.upper) and math.isinf(y.upper))
    # and protection through linprog alone also passes the audit
    assert audit_report(protect_report(report), ProtectionSettings(), report).ok


def test_the_solver_writes_nothing_to_stdout():
    """The CLI's output is the user's: HiGHS must not print its banner into it (a fresh process,
    as the banner comes once per process)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("from tests.test_protect import synthetic_report\n"
            "from boendeinventering.core.protect import audit_report, protect_report\n"
            "r = synthetic_report(1, 40)\n"
            "assert audit_report(protect_report(r), unprotected=r).ok\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root,
                         env={"PYTHONPATH": f"{root / 'src'}:{root}", "PATH": "/usr/bin:/bin"})
    assert out.stdout == ""
