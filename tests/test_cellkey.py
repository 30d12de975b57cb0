"""The cell-key method (core/protect/cellkey.py): p-table, record and cell keys, protection."""

from __future__ import annotations

import datetime as dt
import json
import random

import polars as pl
import pytest

from boendeinventering.core import schema, taxonomy
from boendeinventering.core.classify import Mapping
from boendeinventering.core.measure import compute_tables
from boendeinventering.core.protect import (
    ProtectionSettings,
    RecordKeys,
    build_ptable,
    check_cellkey_report,
    protect_report,
)
from boendeinventering.core.protect.cellkey import CELL_KEYS, cell_key_of
from boendeinventering.core.report.json_export import dumps
from boendeinventering.core.tables import Report

Y = 2025
D = dt.date
ENTRIES = [("Hotell", "hotell"), ("Härbärget", "harbarge"), ("Akuten", "akutboende"),
           ("Stödboende", "stodboende"), ("Hyresskuld", "hyresskuld")]
MAPPING = Mapping(ENTRIES)
CELLKEY = ProtectionSettings(method="cellkey")
SECRET = b"test secret one"


# --- p-table ---------------------------------------------------------------------------------


@pytest.mark.parametrize("d, v, js", [(2, 1.0, 0), (2, 1.0, 1), (3, 2.0, 2), (2, 0.5, 1), (3, 1.5, 0), (1, 0.5, 0)])
def test_ptable_rows_are_unbiased_distributions_within_d(d, v, js):
    pt = build_ptable(d, v, js)
    for i in range(0, 40):
        values, probs = pt.distribution(i)
        assert abs(sum(probs) - 1) < 1e-12 and all(p > 0 for p in probs)
        assert all(abs(j - i) <= d and j >= 0 and not 1 <= j <= js for j in values)
        mean = sum(j * p for j, p in zip(values, probs))
        var = sum((j - i) ** 2 * p for j, p in zip(values, probs))
        assert abs(mean - i) < 1e-9, (i, values, probs)
        if i == 0:
            assert values == (0,)
        elif i >= js + d + 1:  # nothing binds: exactly the stated variance
            assert abs(var - v) < 1e-9, (i, var)
        else:  # near zero the constraints may force another variance, from two points only
            assert abs(var - v) < 1e-9 or len(values) <= 2, (i, values, var)


def test_default_ptable_has_variance_one_everywhere_and_never_publishes_one():
    pt = build_ptable()  # D = 2, V = 1, js = 1
    assert pt.distribution(1) == ((0, 2), (0.5, 0.5))
    for i in range(1, 30):
        values, probs = pt.distribution(i)
        assert abs(sum((j - i) ** 2 * p for j, p in zip(values, probs)) - 1) < 1e-9
        assert 1 not in values


def test_lookup_follows_the_cumulative_distribution_and_zero_stays_zero():
    pt = build_ptable(2, 1.0, 1)
    n = 100_000
    for original in (2, 3, 17):
        values, probs = pt.distribution(original)
        counts = {j: 0 for j in values}
        for k in range(n):
            counts[pt.perturb(original, k / n)] += 1
        for j, p in zip(values, probs):
            assert abs(counts[j] / n - p) <= 1.5 / n
    assert {pt.perturb(0, k / 97) for k in range(97)} == {0}


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError):
        ProtectionSettings(method="brus")
    with pytest.raises(ValueError):
        ProtectionSettings(method="cellkey", cellkey_js=2)  # 3 could not move with D = 2
    with pytest.raises(ValueError):
        ProtectionSettings(method="cellkey", cellkey_v=5.0)  # above D^2
    ProtectionSettings(cellkey_js=7)  # not checked while the method is suppression


# --- synthetic person-level data ------------------------------------------------------------


def frames(n_persons: int, seed: int):
    rnd = random.Random(seed)
    stays, pays, debt = [], [], []
    for p in range(1, n_persons + 1):
        sex = rnd.choice(("kvinna", "man", None))
        birth = D(rnd.randrange(1940, 2010), rnd.randrange(1, 13), 1)
        household = rnd.choice((None, None, 1000 + rnd.randrange(n_persons // 3 + 1)))
        for _ in range(rnd.choice((1, 1, 2))):
            start = D(Y, rnd.randrange(1, 13), rnd.randrange(1, 28))
            end = start + dt.timedelta(days=rnd.randrange(1, 90))
            stays.append({"person": p, "insats": rnd.choice(("Hotell", "Hotell", "Härbärget", "Akuten", "Stödboende")),
                          "start_date": start, "end_date": end if end.year == Y else None, "sex": sex,
                          "birth_date": birth, "household": household, "children": rnd.choice((0, 0, 1, 2)),
                          "cost": rnd.random() * 30000, "planned_end_date": None, "arranged_after": None})
        if rnd.random() < 0.2:
            pays.append({"person": p, "purpose": rnd.choice(("Hotell", "Hyresskuld")),
                         "payment_date": D(Y, rnd.randrange(1, 13), 3), "amount": rnd.random() * 8000,
                         "sex": sex, "birth_date": birth, "household": household})
        if rnd.random() < 0.1:
            debt.append({"case": 500 + p, "person": p, "received_date": D(Y, 5, 1), "rent_debt": rnd.random() < 0.5})
    return (_frame(stays, schema.MEASURE_STAYS), _frame(pays, schema.MEASURE_PAYMENTS),
            _frame(debt, schema.MEASURE_DEBT_CASES))


def _frame(rows, spec):
    return pl.DataFrame([{c: r.get(c) for c in spec} for r in rows], schema=spec)


def tables(data, secret=SECRET):
    keys = RecordKeys(secret) if secret is not None else None
    return compute_tables(*data, MAPPING, Y, D(Y, 12, 31), record_keys=keys)


def report(data, secret=SECRET) -> Report:
    return Report(kommun="0180", year=Y, reference_date=D(Y, 12, 31), tables=tables(data, secret),
                  method_notes=["Referensdatum."])


# --- cell keys ------------------------------------------------------------------------------


def test_without_record_keys_nothing_changes_and_with_them_the_counts_are_the_same():
    data = frames(120, 1)
    plain, keyed = tables(data, None), tables(data)
    for tid, table in plain.items():
        assert all(CELL_KEYS not in row for row in table.rows)
        assert [{k: v for k, v in r.items() if k != CELL_KEYS} for r in keyed[tid].rows] == table.rows
    # every non-zero count of the keyed tables has a cell key in [0, 1)
    for table in keyed.values():
        for row in table.rows:
            for m in table.measures:
                if m in taxonomy.COUNT_MEASURES and row[m]:
                    assert 0 <= row[CELL_KEYS][m] < 1


def test_cell_keys_are_the_sums_of_the_record_keys_of_the_counted_units():
    data = frames(150, 2)
    stays, pays, debt = data
    got = tables(data)
    rk = RecordKeys(SECRET)
    code_of = dict(ENTRIES)
    members: dict[tuple, set[int]] = {}
    households: dict[tuple, set[str]] = {}
    for s in stays.to_dicts():
        kod = code_of[s["insats"]]
        sit = taxonomy.situation_of(kod)
        if sit is None:
            continue
        members.setdefault((sit, kod), set()).add(s["person"])
        hh = f"1:{s['person']}" if s["household"] is None else f"0:{s['household']}"
        households.setdefault((sit, kod), set()).add(hh)
    table = got["persons_by_kod"]
    assert len(table.rows) == len(members)
    for row in table.rows:
        key = table.key(row)
        assert row["persons"] == len(members[key])
        assert row[CELL_KEYS]["persons"] == cell_key_of(rk.key_of(b"person", p) for p in members[key])
        assert row[CELL_KEYS]["households"] == cell_key_of(rk.key_of(b"household", h) for h in households[key])
    cases = debt.to_dicts()
    row = got["debt_counselling"].rows[0]
    assert row[CELL_KEYS]["cases"] == cell_key_of(rk.key_of(b"case", c["case"]) for c in cases)
    rent_debt_keys = (rk.key_of(b"case", c["case"]) for c in cases if c["rent_debt"])
    assert row[CELL_KEYS]["rent_debt_cases"] == cell_key_of(rent_debt_keys)


def test_discharge_cell_keys_count_each_person_once_per_column():
    # Each person has two ongoing stays: one with a planned end in the window (arranged
    # nej/ja/okänt by person), one overdue; persons appear twice in the rows, once in the key.
    rows = []
    for p in range(1, 9):
        rows.append({"person": p, "insats": "Stödboende", "start_date": D(Y, 1, 1), "planned_end_date": D(Y + 1, 1, p),
                     "arranged_after": ("nej", "ja", "okänt")[p % 3]})
        rows.append({"person": p, "insats": "Stödboende", "start_date": D(Y, 1, 1), "planned_end_date": D(Y, 6, 1),
                     "arranged_after": "nej"})
    data = (_frame(rows, schema.MEASURE_STAYS), _frame([], schema.MEASURE_PAYMENTS),
            _frame([], schema.MEASURE_DEBT_CASES))
    row = tables(data)["discharge_risk_by_kod"].rows[0]
    rk = RecordKeys(SECRET)
    key = lambda persons: cell_key_of(rk.key_of(b"person", p) for p in persons)  # noqa: E731
    assert (row["persons"], row["persons_unknown"], row["persons_overdue"]) == (2, 3, 8)
    assert row[CELL_KEYS] == {"persons": key([3, 6]), "persons_unknown": key([2, 5, 8]),
                              "persons_overdue": key(range(1, 9))}


def _consistent_data():
    # Every situation-1 stay is a hotel stay of a woman: the same persons make the situation's
    # row, the hotel row and the hotel-women row.
    rows = [{"person": p, "insats": "Hotell", "start_date": D(Y, 3, 1), "end_date": D(Y, 3, 5), "sex": "kvinna",
             "birth_date": D(1970, 1, 1), "cost": 1000.0} for p in range(1, 8)]
    rows += [{"person": p, "insats": "Stödboende", "start_date": D(Y, 4, 1), "end_date": None, "sex": "man",
              "birth_date": D(1980, 1, 1), "cost": 10.0} for p in range(20, 60)]
    return (_frame(rows, schema.MEASURE_STAYS), _frame([], schema.MEASURE_PAYMENTS),
            _frame([], schema.MEASURE_DEBT_CASES))


def test_same_persons_get_the_same_noise_in_every_table():
    seen = set()
    for secret in (b"a", b"b", b"c", b"d", b"e", b"f"):
        protected = protect_report(report(_consistent_data(), secret), CELLKEY)
        t = protected.tables
        published = {
            t["persons_by_situation"].rows[0]["persons"],
            t["persons_by_kod"].rows[0]["persons"],
            next(r["persons"] for r in t["persons_by_kod_sex"].rows if r["kod"] == "hotell"),
            next(r["persons"] for r in t["acute_persons_by_sex"].rows if r["sex"] == "kvinna"),
        }
        assert len(published) == 1 and abs(published.pop() - 7) <= 2
        seen.add(t["persons_by_kod"].rows[0]["persons"])
    assert len(seen) > 1  # the noise really depends on the key


def test_different_installation_keys_give_different_noise():
    data = frames(300, 3)
    a = protect_report(report(data, b"kommun A"), CELLKEY)
    b = protect_report(report(data, b"kommun B"), CELLKEY)
    again = protect_report(report(data, b"kommun A"), CELLKEY)
    counts = lambda r: [(tid, t.key(row), m, row[m]) for tid, t in r.tables.items() for row in t.rows  # noqa: E731
                        for m in t.measures if m in taxonomy.COUNT_MEASURES]
    assert counts(a) == counts(again)
    differ = sum(x != y for x, y in zip(counts(a), counts(b)))
    assert differ >= len(counts(a)) // 5


# --- a protected report ---------------------------------------------------------------------


@pytest.mark.parametrize("n, seed", [(40, 4), (150, 5), (600, 6)])
def test_cellkey_report_from_synthetic_persons(n, seed):
    data = frames(n, seed)
    truth = report(data)
    protected = protect_report(truth, CELLKEY)
    d, js, t = CELLKEY.cellkey_d, CELLKEY.cellkey_js, CELLKEY.threshold
    changed = 0
    for tid, table in protected.tables.items():
        true_rows = {table.key(r): r for r in truth.tables[tid].rows}
        assert len(true_rows) == len(table.rows)
        for row in table.rows:
            assert CELL_KEYS not in row
            true_row = true_rows[table.key(row)]
            small = False
            for m in table.measures:
                if m not in taxonomy.COUNT_MEASURES:
                    continue
                value, true = row[m], true_row[m]
                assert value is not None and m not in row["suppressed"]
                assert abs(value - true) <= d and not 1 <= value <= js
                assert true != 0 or value == 0
                changed += value != true
                if m in taxonomy.POPULATION_MEASURES and (1 <= true < t or 1 <= value < t):
                    small = True
            for m in table.measures:
                if m in taxonomy.MAGNITUDE_MEASURES:
                    if small:
                        assert row[m] is None and m in row["suppressed"]
                    elif m not in row["suppressed"]:
                        assert row[m] == true_row[m]
    assert changed > 0
    assert check_cellkey_report(protected, CELLKEY, truth) == []
    assert protected.protected and protected.settings["disclosure"]["method"] == "cellkey"
    assert any("summor kan därför avvika från summan av delarna" in note for note in protected.method_notes)
    assert "±2" in " ".join(protected.method_notes)
    assert "_cell_keys" not in dumps(protected) and "cell_key" not in dumps(protected)
    json.loads(dumps(protected))


def test_hidden_nights_cannot_be_derived_from_the_situation_total():
    # Situation 1: 2 persons at the hostel (nights hidden), 30 at the hotel. The situation's
    # nights equal the sum of its codes' nights, so one more nights cell must go.
    rows = [{"person": p, "insats": "Härbärget", "start_date": D(Y, 1, 1), "end_date": D(Y, 1, 11), "sex": "man",
             "birth_date": D(1970, 1, 1)} for p in (1, 2)]
    rows += [{"person": p, "insats": "Hotell", "start_date": D(Y, 2, 1), "end_date": D(Y, 2, 3), "sex": "man",
              "birth_date": D(1970, 1, 1)} for p in range(10, 40)]
    data = (_frame(rows, schema.MEASURE_STAYS), _frame([], schema.MEASURE_PAYMENTS),
            _frame([], schema.MEASURE_DEBT_CASES))
    truth = report(data)
    protected = protect_report(truth, CELLKEY)
    by_kod = {r["kod"]: r for r in protected.tables["persons_by_kod"].rows}
    total = protected.tables["persons_by_situation"].rows[0]
    assert by_kod["harbarge"]["nights"] is None
    assert total["nights"] is None or by_kod["hotell"]["nights"] is None
    assert protected.settings["disclosure"]["secondary"] >= 1
    assert check_cellkey_report(protected, CELLKEY, truth) == []


def test_check_finds_a_count_outside_the_noise_bound():
    data = frames(100, 7)
    truth = report(data)
    protected = protect_report(truth, CELLKEY)
    row = protected.tables["persons_by_kod"].rows[0]
    row["persons"] = truth.tables["persons_by_kod"].rows[0]["persons"] + 3
    assert any("otillåten störning" in p for p in check_cellkey_report(protected, CELLKEY, truth))


def test_cellkey_needs_cell_keys():
    with pytest.raises(ValueError, match="Cellnyckel saknas"):
        protect_report(report(frames(30, 8), None), CELLKEY)


def test_suppression_remains_the_default():
    assert ProtectionSettings().method == "suppression"
    protected = protect_report(report(frames(60, 9), None))
    assert not any("slumpats" in note for note in protected.method_notes)
    assert any("primär undertryckning" in note for note in protected.method_notes)


# --- through the real pipeline (Django) -------------------------------------------------------


def test_build_report_with_cellkey_setting(installed, settings, tmp_path):
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import figures, imports, mapping

    files = generate_demo(tmp_path / "uttag", persons=200, seed=21, year=Y)
    mapping.import_mapping(files.mapping)
    for kind in ("insatser", "utbetalningar", "skuldradgivning"):
        imports.import_extract(kind, getattr(files, kind))
    settings.BOINV_DISCLOSURE_METHOD = "cellkey"
    protected = figures.build_report(Y)
    truth = figures.build_report(Y, protected=False)
    assert protected.settings["disclosure"]["method"] == "cellkey"
    assert check_cellkey_report(protected, figures.protection_settings(), truth) == []
    assert figures.build_report(Y).tables == protected.tables  # same installation, same noise
    assert figures.audit_year(Y)[0]
    settings.BOINV_DISCLOSURE_METHOD = "suppression"
    assert figures.build_report(Y).settings["disclosure"]["method"] == "suppression"
