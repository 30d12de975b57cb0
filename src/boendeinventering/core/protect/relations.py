"""The linear relations that really hold between the published tables (SPEC 7).

The audit (and so the secondary suppression) is only as strong as the relations it knows: a
relation that holds but is left out makes the audit too optimistic, a relation that does not
hold makes it refuse good patterns (or find the tables inconsistent). Every relation here is
derived from the counting rules of SPEC 2/6 as core/measure.py implements them:

* a person has ONE sex and ONE age band for the whole year (measure.py derives them per person),
* "persons" of a group = distinct persons with a stay of year Y in the group,
* a household is ``hushall_id`` else the person, PER ROW: one person may belong to two households
  (a stay with and one without ``hushall_id``), so households <= persons does NOT hold,
* children of a group = sum over its households of the largest ``antal_barn`` seen in the group,
* a stay has exactly one kod and so one situation; nights and cost are sums over stays,
* costs and amounts are rounded to whole kronor per cell after summing (0.5 kr per cell).

Notation: T1 persons_by_situation[s], T2 persons_by_kod[s,k], T3 persons_by_kod_sex[s,k,x],
T4 persons_by_situation_sex_age[s,x,a], T5 acute_persons_by_sex[x], T6 payments_by_purpose[k],
T7 debt_counselling[], T8 discharge_risk_by_kod[k]; P(s,x) = sum_a T4(s,x,a) (persons of sex x
in situation s). Relations (each proven in docs/disclosure.md):

R1  T1(s).m <= sum_k T2(s,k).m and T1(s).m >= T2(s,k).m, m in persons/households/children
    (union of the code groups; for children the max over a union is between the largest and
    the sum of the parts' maxima, household by household).
R2  T1(s).m = sum_k T2(s,k).m for m = nights (exact) and cost (+-0.5 kr per rounded cell).
R3  T2(s,k).persons = sum_x T3(s,k,x)                       (one sex per person)
R4  T1(s).persons = sum_x,a T4(s,x,a)                        (one sex and age per person)
R5  P(s,x) >= T3(s,k,x) and P(s,x) <= sum_k T3(s,k,x)        (persons of sex x: union over codes)
R6  T5(x) >= P(1,x), T5(x) >= T3(1,k,x), sum_x T5(x) >= T1(1).persons,
    sum_x T5(x) >= T6(k).persons for each situation-1 purpose k, and, with Q(x) = payment
    persons of sex x and Q = their union, Fourier-Motzkin elimination of the unpublished Q gives
    for every non-empty set X of sexes: sum_{x in X} (T5(x) - P(1,x)) <= sum_k T6(k).persons.
R7  T7.rent_debt_cases <= T7.cases
R8  T8(k).m <= T2(2,k).persons for each of persons, persons_unknown, persons_overdue
    (measure.py takes discharge risk from the year's situation-2 stays only). Their SUM is not
    bounded by T2: one person with two ongoing stays can be in two of the columns.

R9-R16 (occupancy, the discharge total and the q5 target-group tables) are written in
_new_table_relations and proven in docs/disclosure.md.

Not used because they do not always hold: households <= persons (see above), children related to
persons aged 0-17 (antal_barn is reported, not counted persons), nights <= 366 x persons
(overlapping stays), persons + persons_unknown <= T2 (two stays).
A relation whose table is absent from the report is left out (an absent table publishes
nothing); cells of an absent row of a present table are published zeros.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import taxonomy
from ..tables import Table

Cell = tuple[str, tuple, str]  # (table id, row key, measure)

T1, T2, T3, T4 = "persons_by_situation", "persons_by_kod", "persons_by_kod_sex", "persons_by_situation_sex_age"
T5, T6, T7, T8 = "acute_persons_by_sex", "payments_by_purpose", "debt_counselling", "discharge_risk_by_kod"
T9, T10 = "occupancy_by_kod", "discharge_risk_total"
T11, T12 = "households_with_children_by_kod", "persons_by_kod_age"
T13, T14 = "acute_persons_by_sex_age", "acute_households"
T15, T16 = "payments_by_purpose_sex", "payments_by_purpose_age"
TABLE_ORDER: tuple[str, ...] = (T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16)

# The coarse age groups of T12/T16 as unions of SPEC 6's bands (they nest exactly).
AGE_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(b for b, g in taxonomy.AGE_GROUP_OF_BAND.items() if g == group) for group in taxonomy.AGE_GROUPS
}
DISCHARGE_MEASURES = ("persons", "persons_unknown", "persons_overdue")


def population_links(table_id: str, key: tuple) -> list[Cell]:
    """Population counts of OTHER tables that a row's magnitudes describe (suppress.MagnitudeRule).

    Occupancy nights of code k sum over the stays at k's facilities, which are (when the
    register and the stays agree) stays of code k: where persons_by_kod hides the code's persons
    or households, its occupancy nights and percentage go too."""
    if table_id == T9 and key:
        situation = taxonomy.situation_of(str(key[0]))
        if situation is not None:
            return [(T2, (situation, key[0]), "persons"), (T2, (situation, key[0]), "households")]
    return []
# Year over year (core/flows.py; SPEC 8), relations R17-R22 below.
Y1, Y2, Y3, Y4 = "trend_by_situation", "acute_trend", "acute_inflow", "acute_outflow"
L0, LS, LA = "acute_length_of_stay", "acute_length_of_stay_by_sex", "acute_length_of_stay_by_age"
TABLE_ORDER = TABLE_ORDER + (Y1, Y2, Y3, Y4, L0, LS, LA)

ROUNDING = 0.5  # kronor per rounded cell
EPS = 1e-6


@dataclass(frozen=True)
class Relation:
    """sum(coef * cell) <= rhs (sense "<="), or |sum(coef * cell) - rhs| <= tol (sense "=")."""

    name: str
    terms: tuple[tuple[Cell, float], ...]
    sense: str
    rhs: float = 0.0
    tol: float = 0.0

    def holds(self, value_of) -> bool:
        lhs = sum(coef * value_of(cell) for cell, coef in self.terms)
        scale = EPS * max(1.0, abs(lhs), abs(self.rhs))
        if self.sense == "<=":
            return lhs <= self.rhs + scale
        return abs(lhs - self.rhs) <= self.tol + scale


class _Index:
    """Present rows of the present tables, by key."""

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self.rows: dict[str, dict[tuple, dict[str, Any]]] = {
            tid: {t.key(r): r for r in t.rows} for tid, t in tables.items()
        }

    def has(self, tid: str, *measures: str) -> bool:
        t = self.tables.get(tid)
        return t is not None and all(m in t.measures for m in measures)

    def cell(self, tid: str, key: tuple, measure: str) -> list[Cell]:
        # An absent row is a published zero: it contributes nothing to a linear form.
        return [(tid, key, measure)] if key in self.rows.get(tid, {}) else []

    def keys(self, tid: str) -> list[tuple]:
        return list(self.rows.get(tid, {}))


def _sorted(values: Iterable) -> list:
    return sorted(set(values), key=lambda v: (type(v).__name__, str(v)))


def _terms(pos: Iterable[Cell] = (), neg: Iterable[Cell] = ()) -> tuple[tuple[Cell, float], ...]:
    acc: dict[Cell, float] = {}
    pos, neg = list(pos), list(neg)
    if not all(isinstance(c, tuple) and len(c) == 3 and isinstance(c[1], tuple) for c in pos + neg):
        raise TypeError("a relation term must be a cell (table, key, measure)")
    for c in pos:
        acc[c] = acc.get(c, 0.0) + 1.0
    for c in neg:
        acc[c] = acc.get(c, 0.0) - 1.0
    return tuple((c, v) for c, v in acc.items() if v != 0.0)


def build_relations(tables: dict[str, Table]) -> list[Relation]:
    """All relations R1-R8 that can be written with the tables present in ``tables``."""
    ix = _Index(tables)
    out: list[Relation] = []

    def le(name: str, small: Iterable[Cell], big: Iterable[Cell], rhs: float = 0.0) -> None:
        terms = _terms(small, big)
        if terms:
            out.append(Relation(name, terms, "<=", rhs))

    def eq(name: str, left: Iterable[Cell], right: Iterable[Cell], tol: float = 0.0) -> None:
        terms = _terms(left, right)
        if terms:
            out.append(Relation(name, terms, "=", 0.0, tol))

    t2_by_sit: dict[Any, list[tuple]] = {}
    for key in ix.keys(T2):
        t2_by_sit.setdefault(key[0], []).append(key)
    t3_groups: dict[tuple, list[tuple]] = {}
    for key in ix.keys(T3):
        t3_groups.setdefault(key[:2], []).append(key)
    t4_groups: dict[tuple, list[tuple]] = {}
    for key in ix.keys(T4):
        t4_groups.setdefault(key[:2], []).append(key)
    situations = _sorted([k[0] for k in ix.keys(T1)] + list(t2_by_sit) + [g[0] for g in t3_groups]
                         + [g[0] for g in t4_groups])
    sexes = _sorted(list(taxonomy.SEXES) + [k[2] for k in ix.keys(T3)] + [k[1] for k in ix.keys(T4)]
                    + [k[0] for k in ix.keys(T5)])

    def p_cells(s, x) -> list[Cell]:  # P(s,x) as a sum of T4 cells
        return [c for key in t4_groups.get((s, x), []) for c in ix.cell(T4, key, "persons")]

    def t3_cells(s, x) -> list[list[Cell]]:
        return [ix.cell(T3, key, "persons") for key in ix.keys(T3) if key[0] == s and key[2] == x]

    # R1, R2: situations versus their codes
    for s in situations:
        kods = sorted(t2_by_sit.get(s, []), key=str)
        for m in ("persons", "households", "children"):
            if ix.has(T1, m) and ix.has(T2, m):
                total = ix.cell(T1, (s,), m)
                parts = [c for key in kods for c in ix.cell(T2, key, m)]
                le(f"R1 {m}({s}) <= summa koder", total, parts)
                for part in parts:
                    le(f"R1 {m}({s}) >= {part[1]}", [part], total)
        for m in ("nights", "cost"):
            if ix.has(T1, m) and ix.has(T2, m):
                total = ix.cell(T1, (s,), m)
                parts = [c for key in kods for c in ix.cell(T2, key, m)]
                tol = ROUNDING * (len(parts) + 1) if m in taxonomy.MONEY_MEASURES else 0.0
                eq(f"R2 {m}({s}) = summa koder", total, parts, tol)

    # R3: codes versus their sex parts
    if ix.has(T2, "persons") and ix.has(T3, "persons"):
        for group in _sorted(list(ix.keys(T2)) + list(t3_groups)):
            parts = [c for key in t3_groups.get(group, []) for c in ix.cell(T3, key, "persons")]
            eq(f"R3 persons{group} = summa kön", ix.cell(T2, group, "persons"), parts)

    have_t4 = ix.has(T4, "persons")
    # R4: situations versus their sex x age parts
    if have_t4 and ix.has(T1, "persons"):
        for s in situations:
            parts = [c for x in sexes for c in p_cells(s, x)]
            eq(f"R4 persons({s}) = summa kön och ålder", ix.cell(T1, (s,), "persons"), parts)

    # R5: persons of a sex in a situation versus the same sex in its codes
    if have_t4 and ix.has(T3, "persons"):
        for s in situations:
            for x in sexes:
                p = p_cells(s, x)
                by_code = t3_cells(s, x)
                flat = [c for cs in by_code for c in cs]
                le(f"R5 P({s},{x}) <= summa koder", p, flat)
                for cs in by_code:
                    if cs:
                        le(f"R5 P({s},{x}) >= {cs[0][1]}", cs, p)

    # R6: acute persons (stays or payments) by sex
    if ix.has(T5, "persons"):
        t5 = {x: ix.cell(T5, (x,), "persons") for x in sexes}
        all_t5 = [c for x in sexes for c in t5[x]]
        for x in sexes:
            if have_t4:
                le(f"R6 akut({x}) >= P(1,{x})", p_cells(1, x), t5[x])
            if ix.has(T3, "persons"):
                for cs in t3_cells(1, x):
                    if cs:
                        le(f"R6 akut({x}) >= {cs[0][1]}", cs, t5[x])
        if ix.has(T1, "persons"):
            le("R6 summa akut >= persons(1)", ix.cell(T1, (1,), "persons"), all_t5)
        if ix.has(T6, "persons"):
            pay = [c for key in ix.keys(T6) if taxonomy.situation_of(str(key[0])) == 1
                   for c in ix.cell(T6, key, "persons")]
            for c in pay:
                le(f"R6 summa akut >= utbetalning {c[1]}", [c], all_t5)
            if have_t4:
                # every subset of sexes (7 for the three of SPEC 6); with unexpected extra
                # values only singletons and the whole set, to stay small
                sizes = range(1, len(sexes) + 1) if len(sexes) <= 5 else (1, len(sexes))
                for size in sizes:
                    for group in itertools.combinations(sexes, size):
                        left = [c for x in group for c in t5[x]]
                        stays = [c for x in group for c in p_cells(1, x)]
                        le(f"R6 akut{group} - P(1,{group}) <= utbetalningar", left, stays + pay)
            elif ix.has(T1, "persons"):
                le("R6 summa akut - persons(1) <= utbetalningar", all_t5, ix.cell(T1, (1,), "persons") + pay)

    # R7: debt counselling
    if ix.has(T7, "cases", "rent_debt_cases"):
        for key in ix.keys(T7):
            le("R7 hyresskuld <= ärenden", ix.cell(T7, key, "rent_debt_cases"), ix.cell(T7, key, "cases"))

    # R8: discharge risk versus the code's persons
    if ix.has(T2, "persons") and ix.has(T8):
        for key in ix.keys(T8):
            kod = key[0]
            for m in ("persons", "persons_unknown", "persons_overdue"):
                if ix.has(T8, m):
                    le(f"R8 {m}({kod}) <= persons(2,{kod})", ix.cell(T8, key, m), ix.cell(T2, (2, kod), "persons"))
    _new_table_relations(ix, out, le, eq, p_cells)
    _year_over_year(ix, le, eq, sexes, t4_groups)
    out.extend(form_relations(tables))
    return out


# --- the units' forms (core/answers/forms.py) ---------------------------------------------------
# F1  form_utan_tak.persons = sum over sex (and over age group) of the parts      (ej fördelat included)
# F2  form_situation4.persons_with_children <= persons
# F3  form_sociala_kontrakt.m = sum over kod of form_sociala_kontrakt_by_kod.m, m in contracts,
#     taken_over, adults, children; taken_over <= contracts per kod and in total
# F4  form_forturer.priorities = sum over groups                                 (ej fördelat included)
# F5  form_avhysning: averted <= cases, evictions_with_children <= evictions
# F6  form_avhysning_by_year: F5 in every year's row, and the latest year's row = form_avhysning
#     (the same forms summed by the same rule, answers/forms.eviction_row; a year's row is in the
#     table only when the year has that table, so the latest row is the report's year)
# Each holds by construction: parts are counted only from units that gave the total, and what a
# unit did not distribute is counted as ej fördelat (forms.py). Form tables share no relation with
# the register tables: an estimate is never a part of a register figure.

def form_relations(tables: dict[str, Table]) -> list[Relation]:
    ix = _Index(tables)
    out: list[Relation] = []

    def add(name: str, sense: str, pos: list[Cell], neg: list[Cell]) -> None:
        terms = _terms(pos, neg)
        if terms:
            out.append(Relation(name, terms, sense, 0.0, 0.0))

    def total_and_parts(total_tid: str, parts_tid: str, measure: str, name: str) -> None:
        if ix.has(total_tid, measure) and ix.has(parts_tid, measure):
            total = [c for key in ix.keys(total_tid) for c in ix.cell(total_tid, key, measure)]
            parts = [c for key in ix.keys(parts_tid) for c in ix.cell(parts_tid, key, measure)]
            add(f"{name} {total_tid}.{measure} = summa {parts_tid}", "=", total, parts)

    total_and_parts("form_utan_tak", "form_utan_tak_by_sex", "persons", "F1")
    total_and_parts("form_utan_tak", "form_utan_tak_by_age", "persons", "F1")
    if ix.has("form_situation4", "persons", "persons_with_children"):
        for key in ix.keys("form_situation4"):
            add("F2 med barn <= personer", "<=", ix.cell("form_situation4", key, "persons_with_children"),
                ix.cell("form_situation4", key, "persons"))
    for m in ("contracts", "taken_over", "adults", "children"):
        total_and_parts("form_sociala_kontrakt", "form_sociala_kontrakt_by_kod", m, "F3")
    for tid in ("form_sociala_kontrakt", "form_sociala_kontrakt_by_kod"):
        if ix.has(tid, "contracts", "taken_over"):
            for key in ix.keys(tid):
                add(f"F3 övertagna <= kontrakt {tid}{key}", "<=", ix.cell(tid, key, "taken_over"),
                    ix.cell(tid, key, "contracts"))
    total_and_parts("form_forturer", "form_forturer_by_group", "priorities", "F4")
    if ix.has("form_avhysning", "cases", "averted", "evictions", "evictions_with_children"):
        for key in ix.keys("form_avhysning"):
            add("F5 avvärjda <= ärenden", "<=", ix.cell("form_avhysning", key, "averted"),
                ix.cell("form_avhysning", key, "cases"))
            add("F5 med barn <= genomförda", "<=", ix.cell("form_avhysning", key, "evictions_with_children"),
                ix.cell("form_avhysning", key, "evictions"))
    by_year = "form_avhysning_by_year"
    if ix.has(by_year, "cases", "averted", "evictions", "evictions_with_children"):
        for key in ix.keys(by_year):
            add(f"F6 avvärjda <= ärenden {key}", "<=", ix.cell(by_year, key, "averted"), ix.cell(by_year, key, "cases"))
            add(f"F6 med barn <= genomförda {key}", "<=", ix.cell(by_year, key, "evictions_with_children"),
                ix.cell(by_year, key, "evictions"))
        latest = max(ix.keys(by_year), default=None)
        if latest is not None and ix.has("form_avhysning"):
            for m in tables[by_year].measures:
                if ix.has("form_avhysning", m):
                    add(f"F6 {m} {latest[0]} = årets formulär", "=", ix.cell(by_year, latest, m),
                        [c for key in ix.keys("form_avhysning") for c in ix.cell("form_avhysning", key, m)])
    return out


def _new_table_relations(ix: _Index, out: list[Relation], le, eq, p_cells) -> None:
    """R9-R16: occupancy, the discharge total and the target-group tables (docs/disclosure.md)."""
    # R9: occupancy. Its nights are at most the code's nights (the stays at code k's facilities
    # are stays of code k where register and stays agree; where they do not, protection finds
    # the relation false for the data and leaves it out). Occupancy is nights over the
    # published place-nights, rounded to 0.1: |nights - pn/100 * occupancy| <= pn/100 * 0.05.
    for key in ix.keys(T9):
        kod = str(key[0])
        situation = taxonomy.situation_of(kod)
        if situation is not None and ix.has(T2, "nights") and ix.has(T9, "nights"):
            le(f"R9 beläggning dygn({kod}) <= dygn({situation},{kod})", ix.cell(T9, key, "nights"),
               ix.cell(T2, (situation, kod), "nights"))
        if ix.has(T9, "nights", "occupancy", "place_nights"):
            place_nights = float(ix.rows[T9][key].get("place_nights") or 0)
            if place_nights > 0:
                c = place_nights / 100.0
                out.append(Relation(f"R9 beläggning({kod}) = dygn / platsdygn",
                                    (((T9, key, "nights"), 1.0), ((T9, key, "occupancy"), -c)), "=", 0.0, c * 0.05))

    # R10: discharge risk in total = distinct persons over all codes.
    if ix.has(T10):
        for total_key in ix.keys(T10) or [()]:
            for m in DISCHARGE_MEASURES:
                if not ix.has(T10, m):
                    continue
                total = ix.cell(T10, total_key, m)
                parts = [c for key in ix.keys(T8) for c in ix.cell(T8, key, m)] if ix.has(T8, m) else []
                if ix.has(T8, m):
                    le(f"R10 {m} totalt <= summa koder", total, parts)
                    for part in parts:
                        le(f"R10 {m}({part[1]}) <= totalt", [part], total)
                if ix.has(T1, "persons"):
                    le(f"R10 {m} totalt <= persons(2)", total, ix.cell(T1, (2,), "persons"))

    # R11: households with children per code: children as in T2; hwc <= households, <= children.
    for key in ix.keys(T11):
        if ix.has(T2, "children"):
            eq(f"R11 barn{key} = barn i persons_by_kod", ix.cell(T11, key, "children"), ix.cell(T2, key, "children"))
        if ix.has(T2, "households"):
            le(f"R11 barnhushåll{key} <= hushåll", ix.cell(T11, key, "households_with_children"),
               ix.cell(T2, key, "households"))
        le(f"R11 barnhushåll{key} <= barn", ix.cell(T11, key, "households_with_children"),
           ix.cell(T11, key, "children"))

    # R12: persons per code by age group add up to the code's persons; versus T4's bands.
    if ix.has(T12, "persons"):
        groups: dict[tuple, list[tuple]] = {}
        for key in ix.keys(T12):
            groups.setdefault(key[:2], []).append(key)
        if ix.has(T2, "persons"):
            for group in _sorted(list(groups) + list(ix.keys(T2))):
                parts = [c for key in groups.get(group, []) for c in ix.cell(T12, key, "persons")]
                eq(f"R12 persons{group} = summa åldersgrupper", ix.cell(T2, group, "persons"), parts)
        if ix.has(T4, "persons"):
            situations = _sorted([g[0] for g in groups])
            for s in situations:
                for g, bands in AGE_GROUPS.items():
                    whole = [c for key in ix.keys(T4) if key[0] == s and key[2] in bands
                             for c in ix.cell(T4, key, "persons")]
                    by_code = [ix.cell(T12, key, "persons") for key in ix.keys(T12) if key[0] == s and key[2] == g]
                    le(f"R12 ålder({s},{g}) <= summa koder", whole, [c for cs in by_code for c in cs])
                    for cs in by_code:
                        if cs:
                            le(f"R12 ålder({s},{g}) >= {cs[0][1]}", cs, whole)

    # R13: A(Y) by sex and age adds up to T5(x); contains the situation-1 stay persons of T4.
    if ix.has(T13, "persons"):
        by_sex: dict[Any, list[Cell]] = {}
        for key in ix.keys(T13):
            by_sex.setdefault(key[0], []).extend(ix.cell(T13, key, "persons"))
        if ix.has(T5, "persons"):
            for x in _sorted(list(by_sex) + [k[0] for k in ix.keys(T5)]):
                eq(f"R13 akut({x}) = summa ålder", ix.cell(T5, (x,), "persons"), by_sex.get(x, []))
        if ix.has(T4, "persons"):
            for key in ix.keys(T4):
                if key[0] == 1:
                    le(f"R13 P(1,{key[1]},{key[2]}) <= akut", ix.cell(T4, key, "persons"),
                       ix.cell(T13, key[1:], "persons"))
        if ix.has(T16, "persons"):
            for key in ix.keys(T16):
                if taxonomy.situation_of(str(key[0])) == 1:
                    whole = [c for k13 in ix.keys(T13) if k13[1] in AGE_GROUPS.get(key[1], ())
                             for c in ix.cell(T13, k13, "persons")]
                    le(f"R13 utbetalning{key} <= akut i åldersgruppen", ix.cell(T16, key, "persons"), whole)

    # R14: A(Y)'s households.
    if ix.has(T14):
        for key in ix.keys(T14) or [()]:
            if ix.has(T5, "persons"):
                eq("R14 personer = summa akut per kön", ix.cell(T14, key, "persons"),
                   [c for k5 in ix.keys(T5) for c in ix.cell(T5, k5, "persons")])
            if ix.has(T1, "households"):
                le("R14 hushåll >= hushåll(1)", ix.cell(T1, (1,), "households"), ix.cell(T14, key, "households"))
            if ix.has(T1, "children"):
                le("R14 barn >= barn(1)", ix.cell(T1, (1,), "children"), ix.cell(T14, key, "children"))
            sit1_pay = [k6 for k6 in ix.keys(T6) if taxonomy.situation_of(str(k6[0])) == 1]
            if ix.has(T6, "households"):
                for k6 in sit1_pay:
                    le(f"R14 hushåll >= utbetalning {k6}", ix.cell(T6, k6, "households"),
                       ix.cell(T14, key, "households"))
                if ix.has(T1, "households"):
                    le("R14 hushåll <= hushåll(1) + utbetalningar", ix.cell(T14, key, "households"),
                       ix.cell(T1, (1,), "households") + [c for k6 in sit1_pay for c in ix.cell(T6, k6, "households")])
            le("R14 barnhushåll <= hushåll", ix.cell(T14, key, "households_with_children"),
               ix.cell(T14, key, "households"))
            le("R14 barnhushåll <= barn", ix.cell(T14, key, "households_with_children"), ix.cell(T14, key, "children"))
            for k11 in ix.keys(T11):
                if k11[0] == 1:
                    le(f"R14 barnhushåll >= {k11}", ix.cell(T11, k11, "households_with_children"),
                       ix.cell(T14, key, "households_with_children"))

    # R15/R16: payment persons by sex and by age group add up to the purpose's persons; the
    # situation-1 purposes' persons of sex x are among A(Y) of sex x.
    for tid, name in ((T15, "kön"), (T16, "åldersgrupp")):
        if not ix.has(tid, "persons"):
            continue
        purposes: dict[tuple, list[Cell]] = {}
        for key in ix.keys(tid):
            purposes.setdefault(key[:1], []).extend(ix.cell(tid, key, "persons"))
        if ix.has(T6, "persons"):
            for group in _sorted(list(purposes) + list(ix.keys(T6))):
                eq(f"R{tid == T15 and 15 or 16} utbetalning{group} = summa {name}",
                   ix.cell(T6, group, "persons"), purposes.get(group, []))
    if ix.has(T15, "persons") and ix.has(T5, "persons"):
        for key in ix.keys(T15):
            if taxonomy.situation_of(str(key[0])) == 1:
                le(f"R15 utbetalning{key} <= akut({key[1]})", ix.cell(T15, key, "persons"),
                   ix.cell(T5, (key[1],), "persons"))


def _year_over_year(ix: _Index, le, eq, sexes: list, t4_groups: dict[tuple, list[tuple]]) -> None:
    """R17-R22, the year-over-year tables of core/flows.py (proofs in docs/disclosure.md).

    Y is the report's year: the latest year of acute_trend (or trend_by_situation), whose
    rows are kept even when zero. A(X) = acute_trend(X), S_s(X) = trend_by_situation(X, s).

    R17  sum_f inflow(f) = A(Y) = sum_x T5(x)                 (inflow partitions A(Y))
    R18 sum_f outflow(f) = A(Y-1)                             (outflow partitions A(Y-1))
    R19 inflow(continuing) = outflow(still_acute)             (both are A(Y) ∩ A(Y-1))
    R20 S_s(Y) = T1(s).persons; S_1(X) <= A(X)                (same persons, S1 ⊆ A)
    R21 outflow(to_s3) <= S_3(Y), outflow(to_s2) <= S_2(Y), inflow(returning) <= A(Y-2),
        inflow(from_s2_s3) <= S_2(Y-1) + S_3(Y-1) + S_2(Y-2) + S_3(Y-2)
    R22 length of stay: L.persons = T1(1).persons = sum_x LS(x).persons = sum_g LA(g).persons,
        LS(x).persons = P(1,x), LA(g).persons = sum of T4(1,x,a) over x and a in g, the same
        sums for persons_over_90/180, and over_180 <= over_90 <= persons in every row.
    """
    years = [k[0] for k in ix.keys(Y2)] or [k[0] for k in ix.keys(Y1)]
    year = max(years) if years else None

    def a(x) -> list[Cell]:
        return ix.cell(Y2, (x,), "persons")

    def s(x, sit) -> list[Cell]:
        return ix.cell(Y1, (x, sit), "persons")

    t5_all = [c for x in sexes for c in ix.cell(T5, (x,), "persons")] if ix.has(T5, "persons") else None
    inflow = [c for k in ix.keys(Y3) for c in ix.cell(Y3, k, "persons")]
    outflow = [c for k in ix.keys(Y4) for c in ix.cell(Y4, k, "persons")]
    if year is not None and ix.has(Y2, "persons"):
        if t5_all is not None:
            eq("R20 akut(Y) = summa akut per kön", a(year), t5_all)
        if ix.has(Y3, "persons"):
            eq("R17 summa inflöde = akut(Y)", inflow, a(year))
            le("R21 återkommande <= akut(Y-2)", ix.cell(Y3, ("returning",), "persons"), a(year - 2))
        if ix.has(Y4, "persons"):
            eq("R18 summa utflöde = akut(Y-1)", outflow, a(year - 1))
        if ix.has(Y1, "persons"):
            for x in _sorted(k[0] for k in ix.keys(Y2)):
                le(f"R20 S1({x}) <= akut({x})", s(x, 1), a(x))
    elif t5_all is not None and ix.has(Y3, "persons"):
        eq("R17 summa inflöde = summa akut per kön", inflow, t5_all)
    if ix.has(Y3, "persons") and ix.has(Y4, "persons"):
        eq("R19 kvar i akut = fortsatt akut", ix.cell(Y3, ("continuing",), "persons"),
           ix.cell(Y4, ("still_acute",), "persons"))
    if year is not None and ix.has(Y1, "persons"):
        if ix.has(T1, "persons"):
            for sit in (1, 2, 3):
                eq(f"R20 S{sit}(Y) = persons({sit})", s(year, sit), ix.cell(T1, (sit,), "persons"))
        if ix.has(Y4, "persons"):
            le("R21 till situation 3 <= S3(Y)", ix.cell(Y4, ("to_s3",), "persons"), s(year, 3))
            le("R21 till situation 2 <= S2(Y)", ix.cell(Y4, ("to_s2",), "persons"), s(year, 2))
        if ix.has(Y3, "persons"):
            le("R21 från situation 2-3 <= S2+S3 (Y-1, Y-2)", ix.cell(Y3, ("from_s2_s3",), "persons"),
               [c for x in (year - 1, year - 2) for sit in (2, 3) for c in s(x, sit)])

    # R22: length of stay in situation 1
    counts = ("persons", "persons_over_90", "persons_over_180")
    for tid in (L0, LS, LA):
        if ix.has(tid, *counts):
            for key in ix.keys(tid):
                le(f"R22 {tid}{key} över 180 <= över 90", ix.cell(tid, key, "persons_over_180"),
                   ix.cell(tid, key, "persons_over_90"))
                le(f"R22 {tid}{key} över 90 <= personer", ix.cell(tid, key, "persons_over_90"),
                   ix.cell(tid, key, "persons"))
    if ix.has(L0, *counts):
        total = {m: ix.cell(L0, (), m) for m in counts}
        if ix.has(T1, "persons"):
            eq("R22 tid i akut: personer = persons(1)", total["persons"], ix.cell(T1, (1,), "persons"))
        for tid in (LS, LA):
            if ix.has(tid, *counts):
                for m in counts:
                    eq(f"R22 {tid} summa {m}", total[m], [c for k in ix.keys(tid) for c in ix.cell(tid, k, m)])
    if ix.has(T4, "persons"):
        if ix.has(LS, "persons"):
            for x in _sorted(list(sexes) + [k[0] for k in ix.keys(LS)]):
                p = [c for key in t4_groups.get((1, x), []) for c in ix.cell(T4, key, "persons")]
                eq(f"R22 tid i akut ({x}) = P(1,{x})", ix.cell(LS, (x,), "persons"), p)
        if ix.has(LA, "persons"):
            groups: dict[str, list[Cell]] = {}
            for key in ix.keys(T4):
                if key[0] == 1:
                    group = taxonomy.AGE_GROUP_OF_BAND.get(key[2], taxonomy.AGE_BAND_UNKNOWN)
                    groups.setdefault(group, []).extend(ix.cell(T4, key, "persons"))
            for g in _sorted(list(groups) + [k[0] for k in ix.keys(LA)]):
                eq(f"R22 tid i akut ({g}) = summa åldersband", ix.cell(LA, (g,), "persons"), groups.get(g, []))


def cell_order(cell: Cell) -> tuple:
    """Deterministic order of cells: table order, key, measure."""
    tid, key, measure = cell
    t = TABLE_ORDER.index(tid) if tid in TABLE_ORDER else len(TABLE_ORDER)
    return (t, tid, tuple((type(v).__name__, str(v)) for v in key), measure)
