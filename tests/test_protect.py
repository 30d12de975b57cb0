"""Disclosure control: primary and secondary suppression (core/protect).

Reports are built here from synthetic person-level data with a plain-Python counter that follows
the counting rules of SPEC 2/6 (one sex and age per person, households per row, children as the
largest antal_barn per household within a group), so the relations the audit relies on hold
genuinely, independently of core/measure.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from boendeinventering.core import taxonomy
from boendeinventering.core.protect import (
    FOOTNOTE_SV,
    DisclosureError,
    ProtectionSettings,
    audit_report,
    protect_report,
)
from boendeinventering.core.tables import Report, Table

CODES_BY_SITUATION = {
    s: [k for k, v in taxonomy.SITUATION_BY_CODE.items() if v == s and k != "utan_tak"] for s in (1, 2, 3, 4)
}
PEOPLE = ["persons", "households", "children", "nights", "cost"]


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


def synthetic_report(seed: int, n_persons: int, n_codes: int = 4) -> Report:
    """A report computed from random persons (stays, payments, debt cases)."""
    rnd = random.Random(seed)
    codes = sorted({rnd.choice(CODES_BY_SITUATION[rnd.choice((1, 1, 2, 2, 3, 4))]) for _ in range(n_codes)})
    ages = list(taxonomy.AGE_BANDS) + [taxonomy.AGE_BAND_UNKNOWN]
    persons = {}
    for i in range(n_persons):
        persons[i] = (rnd.choice(("kvinna", "kvinna", "man", "man", "okänt")),
                      rnd.choice(ages[1:5] + ages[:1] + ages[5:]))
    stays = []  # (person, kod, household, children, nights, cost, discharge)
    for p in persons:
        for _ in range(rnd.choice((1, 1, 1, 2, 3))):
            hh = rnd.choice((None, None, f"h{rnd.randrange(max(1, n_persons // 2))}"))
            stays.append((p, rnd.choice(codes), hh or ("p", p), rnd.choice((0, 0, 0, 1, 2, 3)),
                          rnd.randrange(0, 120), rnd.random() * 40000,
                          rnd.choice((None, None, "nej", "okänt", "kvar"))))
    payments = []  # (person, kod, household, amount, nights)
    for p in persons:
        if rnd.random() < 0.3:
            for _ in range(rnd.choice((1, 2))):
                payments.append((p, rnd.choice(("hotell", "vandrarhem", "hyresskuld")), ("p", p),
                                 rnd.random() * 9000, rnd.randrange(0, 10)))

    def people(group_of) -> dict:
        g_persons, g_hh, g_nights, g_cost = defaultdict(set), defaultdict(dict), defaultdict(int), defaultdict(float)
        for p, kod, hh, kids, nights, cost, _ in stays:
            g = group_of(p, kod)
            g_persons[g].add(p)
            g_hh[g][hh] = max(g_hh[g].get(hh, 0), kids)
            g_nights[g] += nights
            g_cost[g] += cost
        return {g: {"persons": len(g_persons[g]), "households": len(g_hh[g]), "children": sum(g_hh[g].values()),
                    "nights": g_nights[g], "cost": _round(g_cost[g])} for g in g_persons}

    def persons_only(group_of) -> dict:
        out = defaultdict(set)
        for p, kod, *_ in stays:
            out[group_of(p, kod)].add(p)
        return {g: {"persons": len(v)} for g, v in out.items()}

    sit = taxonomy.situation_of
    tables = {}

    def add(tid, dims, measures, groups, keep_zero=False):
        rows = []
        for g in sorted(groups, key=str):
            row = dict(zip(dims, g))
            row.update(groups[g])
            if keep_zero or any(row[m] for m in measures):
                rows.append(row)
        tables[tid] = Table(tid, tid, dims, measures, rows)

    add("persons_by_situation", ["situation"], PEOPLE, people(lambda p, k: (sit(k),)))
    add("persons_by_kod", ["situation", "kod"], PEOPLE, people(lambda p, k: (sit(k), k)))
    add("persons_by_kod_sex", ["situation", "kod", "sex"], ["persons"],
        persons_only(lambda p, k: (sit(k), k, persons[p][0])))
    add("persons_by_situation_sex_age", ["situation", "sex", "age_band"], ["persons"],
        persons_only(lambda p, k: (sit(k), persons[p][0], persons[p][1])))
    acute = defaultdict(set)
    for p, kod, *_ in stays:
        if sit(kod) == 1:
            acute[(persons[p][0],)].add(p)
    for p, kod, *_ in payments:
        if sit(kod) == 1:
            acute[(persons[p][0],)].add(p)
    add("acute_persons_by_sex", ["sex"], ["persons"], {g: {"persons": len(v)} for g, v in acute.items()})
    pay = defaultdict(lambda: {"p": set(), "h": set(), "a": 0.0, "n": 0})
    for p, kod, hh, amount, nights in payments:
        d = pay[(kod,)]
        d["p"].add(p), d["h"].add(hh)
        d["a"] += amount
        d["n"] += nights
    add("payments_by_purpose", ["kod"], ["persons", "households", "amount", "nights"],
        {g: {"persons": len(d["p"]), "households": len(d["h"]), "amount": _round(d["a"]), "nights": d["n"]}
         for g, d in pay.items()})
    n_cases = rnd.randrange(0, 12)
    rent = rnd.randrange(0, n_cases + 1)
    tables["debt_counselling"] = Table("debt_counselling", "debt", [], ["cases", "rent_debt_cases"],
                                       [{"cases": n_cases, "rent_debt_cases": rent}])
    dis = defaultdict(lambda: {"persons": set(), "persons_unknown": set(), "persons_overdue": set()})
    for p, kod, *_, flag in stays:
        if sit(kod) == 2 and flag:
            m = {"nej": "persons", "okänt": "persons_unknown", "kvar": "persons_overdue"}[flag]
            dis[(kod,)][m].add(p)
    add("discharge_risk_by_kod", ["kod"], ["persons", "persons_unknown", "persons_overdue"],
        {g: {m: len(v) for m, v in d.items()} for g, d in dis.items()})
    return Report("0180", 2025, dt.date(2025, 12, 31), tables, method_notes=["Underlag: test."])


def hidden_cells(report: Report) -> set:
    return {(tid, k, m) for tid, t in report.tables.items() for k, m in t.suppressed_cells()}


def small_report(tables: dict[str, Table]) -> Report:
    return Report("0180", 2025, dt.date(2025, 12, 31), tables)


# --- properties on random municipalities -----------------------------------------------------


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(5, 80))
def test_random_municipalities_are_protected(seed, n):
    report = synthetic_report(seed, n)
    before = copy.deepcopy(report)
    protected = protect_report(report)
    assert report == before, "the input report must stay untouched"
    assert protected.protected and not report.protected
    for tid, table in protected.tables.items():
        original = {table.key(r): r for r in report.tables[tid].rows}
        assert [table.key(r) for r in table.rows] == [report.tables[tid].key(r) for r in report.tables[tid].rows]
        for row in table.rows:
            truth = original[table.key(row)]
            hidden = set(row["suppressed"])
            assert row["suppressed"] == [m for m in table.measures if m in hidden]
            for m in table.measures:
                if m in hidden:
                    assert row[m] is None
                    if m in taxonomy.COUNT_MEASURES:
                        assert truth[m] != 0, "zero is published as zero"
                else:
                    assert row[m] == truth[m]
                    if m in taxonomy.COUNT_MEASURES:
                        assert not 1 <= row[m] <= 4, (tid, row)
            # nights and money go with a suppressed population (persons, households), not children
            if hidden & taxonomy.POPULATION_MEASURES:
                assert all(m in hidden for m in table.measures if m in taxonomy.MAGNITUDE_MEASURES)
    result = audit_report(protected, ProtectionSettings(), unprotected=report)
    assert result.ok, result.as_text()
    for cell in result.cells:
        assert cell.lower - 1e-6 <= cell.true_value <= cell.upper + 1e-6
        if cell.measure in taxonomy.COUNT_MEASURES:
            assert cell.upper - cell.lower >= 5 - 1e-6


def test_deterministic():
    report = synthetic_report(7, 60)
    a = protect_report(report)
    b = protect_report(copy.deepcopy(report))
    assert hidden_cells(a) == hidden_cells(b)
    assert a.tables == b.tables
    # row order of the input does not change the pattern
    shuffled = copy.deepcopy(report)
    for t in shuffled.tables.values():
        random.Random(1).shuffle(t.rows)
    assert hidden_cells(protect_report(shuffled)) == hidden_cells(a)


def test_method_notes_and_settings_recorded():
    report = synthetic_report(3, 20)
    protected = protect_report(report, ProtectionSettings(threshold=3, width=4))
    notes = " ".join(protected.method_notes)
    assert protected.method_notes[0] == "Underlag: test."
    assert FOOTNOTE_SV in notes
    assert "från 1 till 2" in notes and "minst 4 brett" in notes
    assert protected.settings["disclosure"]["threshold"] == 3
    assert report.method_notes == ["Underlag: test."]
    assert protected.quality is report.quality or protected.quality == report.quality


def test_already_protected_is_refused():
    protected = protect_report(synthetic_report(3, 20))
    with pytest.raises(ValueError):
        protect_report(protected)


# --- hand-made cases -------------------------------------------------------------------------


def _code_sex(total: int, parts: dict[str, int]) -> dict[str, Table]:
    return {
        "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], ["persons"],
                                [{"situation": 1, "kod": "hotell", "persons": total}]),
        "persons_by_kod_sex": Table("persons_by_kod_sex", "t3", ["situation", "kod", "sex"], ["persons"],
                                    [{"situation": 1, "kod": "hotell", "sex": s, "persons": v}
                                     for s, v in parts.items()]),
    }


def test_small_part_of_a_sum_forces_its_sibling():
    report = small_report(_code_sex(10, {"kvinna": 7, "man": 3}))
    protected = protect_report(report)
    assert hidden_cells(protected) == {
        ("persons_by_kod_sex", (1, "hotell", "kvinna"), "persons"),
        ("persons_by_kod_sex", (1, "hotell", "man"), "persons"),
    }
    assert protected.tables["persons_by_kod"].rows[0]["persons"] == 10
    # by hand: k + m = 10 and both >= 1 (zero would have been published) -> each in [1, 9]
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok
    assert {(c.key[2], c.lower, c.upper) for c in result.cells} == {("kvinna", 1, 9), ("man", 1, 9)}


def test_codes_do_not_add_up_to_the_situation():
    # 12 persons in situation 1; 10 in hotell, 3 in härbärge (one person in both).
    tables = {
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], ["persons"],
                                      [{"situation": 1, "persons": 12}]),
        "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], ["persons"],
                                [{"situation": 1, "kod": "harbarge", "persons": 3},
                                 {"situation": 1, "kod": "hotell", "persons": 10}]),
    }
    report = small_report(tables)
    protected = protect_report(report)
    # by hand: 12 <= 10 + x and x <= 12 -> x in [2, 12]: width 10, no secondary suppression needed
    assert hidden_cells(protected) == {("persons_by_kod", (1, "harbarge"), "persons")}
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok
    assert [(c.lower, c.upper) for c in result.cells] == [(2, 12)]


def test_only_two_cells_hidden_when_two_suffice():
    ages = list(taxonomy.AGE_BANDS)
    rows = [{"situation": 1, "sex": s, "age_band": a, "persons": 5 + 3 * i + j}
            for i, a in enumerate(ages) for j, s in enumerate(("kvinna", "man"))]
    rows[3]["persons"] = 2  # man 18-20
    total = sum(r["persons"] for r in rows)
    tables = {
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], ["persons"],
                                      [{"situation": 1, "persons": total}]),
        "persons_by_situation_sex_age": Table("persons_by_situation_sex_age", "t4", ["situation", "sex", "age_band"],
                                              ["persons"], rows),
    }
    report = small_report(tables)
    protected = protect_report(report)
    # the 2 and the smallest other cell (kvinna 0-17 = 5): 2 + 5 = 7 known, each in [1, 6]
    assert hidden_cells(protected) == {
        ("persons_by_situation_sex_age", (1, "man", "18-20"), "persons"),
        ("persons_by_situation_sex_age", (1, "kvinna", "0-17"), "persons"),
    }
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok and all((c.lower, c.upper) == (1, 6) for c in result.cells)


def test_sex_parts_pinned_through_the_code_need_same_sex_sibling():
    # Situation 1 has one code only, so P(1, kvinna) = T3(1, hotell, kvinna) = 12 is published
    # through the sex table: hiding a woman's age cell needs another woman's cell, not a man's.
    t4 = [{"situation": 1, "sex": "kvinna", "age_band": "18-20", "persons": 3},
          {"situation": 1, "sex": "kvinna", "age_band": "31-40", "persons": 9},
          {"situation": 1, "sex": "man", "age_band": "18-20", "persons": 6},
          {"situation": 1, "sex": "man", "age_band": "31-40", "persons": 8}]
    tables = {
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], ["persons"],
                                      [{"situation": 1, "persons": 26}]),
        **_code_sex(26, {"kvinna": 12, "man": 14}),
        "persons_by_situation_sex_age": Table("persons_by_situation_sex_age", "t4",
                                              ["situation", "sex", "age_band"], ["persons"], t4),
    }
    report = small_report(tables)
    protected = protect_report(report)
    assert hidden_cells(protected) == {
        ("persons_by_situation_sex_age", (1, "kvinna", "18-20"), "persons"),
        ("persons_by_situation_sex_age", (1, "kvinna", "31-40"), "persons"),
    }
    assert audit_report(protected, ProtectionSettings(), report).ok


def test_magnitudes_follow_suppressed_counts_and_are_protected():
    # cost of a code with 3 persons goes, and so must another code's cost (the total is published)
    t2 = [{"situation": 1, "kod": "harbarge", "persons": 3, "households": 3, "children": 0, "nights": 40, "cost": 9000},
          {"situation": 1, "kod": "hotell", "persons": 20, "households": 18, "children": 6, "nights": 300,
           "cost": 90000},
          {"situation": 1, "kod": "vandrarhem", "persons": 9, "households": 9, "children": 5, "nights": 100,
           "cost": 30000}]
    t1 = [{"situation": 1, "persons": 30, "households": 28, "children": 11, "nights": 440, "cost": 129000}]
    report = small_report({
        "persons_by_situation": Table("persons_by_situation", "t1", ["situation"], PEOPLE, t1),
        "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], PEOPLE, t2),
    })
    protected = protect_report(report)
    rows = {r["kod"]: r for r in protected.tables["persons_by_kod"].rows}
    assert rows["harbarge"]["suppressed"] == ["persons", "households", "nights", "cost"]
    assert rows["harbarge"]["children"] == 0
    # nights and cost add up exactly, so the next smallest code's sums go too
    assert rows["vandrarhem"]["suppressed"] == ["nights", "cost"]
    assert rows["hotell"]["suppressed"] == []
    assert protected.tables["persons_by_situation"].rows[0]["suppressed"] == []
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok, result.as_text()


def test_threshold_and_width_settings():
    report = small_report(_code_sex(20, {"kvinna": 16, "man": 4}))
    assert hidden_cells(protect_report(report, ProtectionSettings(threshold=4))) == set()
    assert len(hidden_cells(protect_report(report, ProtectionSettings(threshold=5)))) == 2
    # width 20: k + m = 20 leaves [1, 19] (width 18), too narrow: the code total must go as well
    protected = protect_report(report, ProtectionSettings(width=20))
    assert ("persons_by_kod", (1, "hotell"), "persons") in hidden_cells(protected)
    assert audit_report(protected, ProtectionSettings(width=20), report).ok
    assert not audit_report(protect_report(report), ProtectionSettings(width=20), report).ok


def test_zero_is_published_and_absent_tables_are_fine():
    report = small_report({"debt_counselling": Table("debt_counselling", "d", [], ["cases", "rent_debt_cases"],
                                                     [{"cases": 0, "rent_debt_cases": 0}]),
                           "persons_by_kod": Table("persons_by_kod", "t2", ["situation", "kod"], PEOPLE, [])})
    protected = protect_report(report)
    assert protected.tables["debt_counselling"].rows[0] == {"cases": 0, "rent_debt_cases": 0, "suppressed": []}
    assert audit_report(protected, ProtectionSettings(), report).ok


def test_debt_counselling_small_rent_debt():
    report = small_report({"debt_counselling": Table("debt_counselling", "d", [], ["cases", "rent_debt_cases"],
                                                     [{"cases": 30, "rent_debt_cases": 2}])})
    protected = protect_report(report)
    assert protected.tables["debt_counselling"].rows[0] == {"cases": 30, "rent_debt_cases": None,
                                                            "suppressed": ["rent_debt_cases"]}
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok and (result.cells[0].lower, result.cells[0].upper) == (1, 30)


def test_large_city_is_protected():
    report = synthetic_report(11, 3000, n_codes=19)
    protected = protect_report(report)
    result = audit_report(protected, ProtectionSettings(), report)
    assert result.ok, result.as_text()
    n_cells = sum(len(t.rows) * len(t.measures) for t in report.tables.values())
    assert len(hidden_cells(protected)) < n_cells / 2


def test_disclosure_error_is_an_exception_with_swedish_message():
    err = DisclosureError("Röjandeskyddet kunde inte uppnås")
    assert isinstance(err, Exception) and "Röjandeskyddet" in str(err)
