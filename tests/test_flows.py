"""core.flows (SPEC 8): hand-made years whose flows are known, every category hit once or more."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from boendeinventering.core import schema
from boendeinventering.core.classify import Mapping
from boendeinventering.core.flows import (
    INFLOW_FLOWS,
    OUTFLOW_FLOWS,
    after_protected_housing,
    change_between,
    flow_tables,
    share,
    social_contract_exits,
)
from boendeinventering.core.measure import compute_tables, year_persons
from boendeinventering.core.protect import ProtectionSettings, audit_report, protect_report
from boendeinventering.core.protect.relations import build_relations
from boendeinventering.core.tables import Report

D = dt.date
MAPPING = Mapping([("Akuten", "akutboende"), ("Hotellet", "hotell"), ("Stödet", "stodboende"),
                   ("Kontraktet", "socialt_kontrakt"), ("Skyddat", "skyddat_boende")])


BIRTH = D(1980, 5, 5)


def stay(person, insats, start, end=None, sex="man", birth=BIRTH, nights=None):
    return {"person": person, "insats": insats, "start_date": start, "end_date": end, "sex": sex,
            "birth_date": birth, "nights": nights}


def pay(person, purpose, date):
    return {"person": person, "purpose": purpose, "payment_date": date, "amount": 500.0, "sex": "man",
            "birth_date": D(1980, 5, 5)}


def frame(rows, spec):
    return pl.DataFrame([{c: r.get(c) for c in spec} for r in rows], schema=spec)


def year_of(x, stays=(), payments=()):
    return year_persons(frame(stays, schema.MEASURE_STAYS), frame(payments, schema.MEASURE_PAYMENTS), MAPPING, x)


def whole(x):  # a stay over the whole of year x
    return D(x, 2, 1), D(x, 3, 1)


# Persons 1-10; the comments give their expected flows into 2025 / out of 2024.
Y2023 = [
    stay(2, "Akuten", *whole(2023)),  # 2: acute 2023, S2 2024, acute 2025 -> returning (before from_s2_s3)
    stay(4, "Kontraktet", *whole(2023)),  # 4: S3 2023 only, acute 2025 -> from_s2_s3 (via Y-2)
    stay(7, "Akuten", *whole(2023)),
]
Y2024 = [
    stay(1, "Akuten", *whole(2024)),  # 1: continuing / still_acute
    stay(2, "Stödet", *whole(2024)),
    stay(3, "Stödet", *whole(2024)),  # 3: S2 2024, acute 2025 -> from_s2_s3 (via Y-1)
    stay(6, "Hotellet", *whole(2024)),  # 6: acute 2024, acute 2025 by a payment only -> continuing
    stay(7, "Akuten", *whole(2024)), stay(7, "Stödet", *whole(2024)),  # 7: continuing (first fit)
    stay(8, "Akuten", *whole(2024)),  # 8: S3 and S2 2025 -> to_s3 (before to_s2)
    stay(9, "Hotellet", *whole(2024)),  # 9: S2 2025 -> to_s2
    stay(10, "Akuten", *whole(2024)),  # 10: nothing 2025 -> not_seen
]
Y2025 = [
    stay(1, "Akuten", *whole(2025)),
    stay(2, "Akuten", *whole(2025)),
    stay(3, "Hotellet", *whole(2025)),
    stay(4, "Akuten", *whole(2025)),
    stay(5, "Akuten", *whole(2025)),  # 5: new
    stay(7, "Akuten", *whole(2025)), stay(7, "Kontraktet", *whole(2025)),  # 7: still_acute before to_s3
    stay(8, "Kontraktet", *whole(2025)), stay(8, "Stödet", *whole(2025)),
    stay(9, "Stödet", *whole(2025)),
]
P2025 = [pay(6, "hotell", D(2025, 6, 1))]


def three_years():
    return {2023: year_of(2023, Y2023), 2024: year_of(2024, Y2024), 2025: year_of(2025, Y2025, P2025)}


def rows(table):
    return {table.key(r): {m: r[m] for m in table.measures} for r in table.rows}


def test_inflow_and_outflow_hit_every_category():
    tables = flow_tables(three_years(), 2025)
    inflow = {k[0]: v["persons"] for k, v in rows(tables["acute_inflow"]).items()}
    outflow = {k[0]: v["persons"] for k, v in rows(tables["acute_outflow"]).items()}
    assert inflow == {"continuing": 3, "returning": 1, "from_s2_s3": 2, "new": 1}
    assert list(inflow) == list(INFLOW_FLOWS)
    assert outflow == {"still_acute": 3, "to_s3": 1, "to_s2": 1, "not_seen": 1}
    assert list(outflow) == list(OUTFLOW_FLOWS)


def test_flows_sum_to_acute_persons_of_each_year():
    years = three_years()
    tables = flow_tables(years, 2025)
    acute_2025 = compute_tables(frame(Y2025, schema.MEASURE_STAYS), frame(P2025, schema.MEASURE_PAYMENTS),
                                frame([], schema.MEASURE_DEBT_CASES), MAPPING, 2025)["acute_persons_by_sex"]
    a_2025 = sum(r["persons"] for r in acute_2025.rows)
    assert sum(r["persons"] for r in tables["acute_inflow"].rows) == a_2025 == 7
    assert sum(r["persons"] for r in tables["acute_outflow"].rows) == years[2024]["acute"].height == 6
    trend = {k[0]: v["persons"] for k, v in rows(tables["acute_trend"]).items()}
    assert trend == {2023: 2, 2024: 6, 2025: 7}


def test_trend_by_situation_lists_years_with_data_only_and_at_most_five():
    years = {x: year_of(x, [stay(1, "Akuten", *whole(x)), stay(2, "Stödet", *whole(x))])
             for x in (2017, 2019, 2020, 2021, 2022, 2024)}
    years[2025] = year_of(2025, Y2025, P2025)
    trend = rows(flow_tables(years, 2025)["trend_by_situation"])
    assert sorted({k[0] for k in trend}) == [2020, 2021, 2022, 2024, 2025]  # 2023 had no data
    assert trend[(2021, 1)]["persons"] == 1 and trend[(2021, 2)]["persons"] == 1 and trend[(2021, 3)]["persons"] == 0
    assert [trend[(2025, s)]["persons"] for s in (1, 2, 3)] == [6, 2, 2]


def test_flow_tables_present_only_with_the_years_they_need():
    only_2023 = flow_tables({2023: year_of(2023, Y2023), 2025: year_of(2025, Y2025)}, 2025)
    assert "acute_inflow" in only_2023 and "acute_outflow" not in only_2023  # Y-2 has data, Y-1 not
    inflow = {k[0]: v["persons"] for k, v in rows(only_2023["acute_inflow"]).items()}
    # without 2024 nobody continues; 2 and 7 return, 4 comes from S3 2023, the rest look new
    assert inflow == {"continuing": 0, "returning": 2, "from_s2_s3": 1, "new": 3}
    alone = flow_tables({2025: year_of(2025, Y2025)}, 2025)
    assert "acute_inflow" not in alone and "acute_outflow" not in alone
    assert rows(alone["acute_trend"]) == {(2025,): {"persons": 6}}


def test_length_of_stay_median_and_long_stays():
    stays = [
        stay(1, "Akuten", D(2025, 1, 1), D(2025, 1, 11)),  # 10 nights
        stay(2, "Akuten", D(2025, 1, 1), D(2025, 4, 2)),  # 91 nights: over 90
        stay(3, "Akuten", D(2025, 1, 1), D(2025, 7, 1), sex="kvinna"),  # 181: over 90 and 180
        # overlapping stays in two units: capped at the year's 365 nights
        stay(4, "Akuten", D(2024, 6, 1)), stay(4, "Hotellet", D(2025, 1, 1), sex="kvinna", birth=D(2007, 1, 1)),
        stay(5, "Stödet", D(2025, 1, 1)),  # situation 2: not counted
        stay(6, "Akuten", D(2025, 3, 1), D(2025, 3, 31), nights=5),  # a given boendedygn wins
    ]
    tables = flow_tables({2025: year_of(2025, stays)}, 2025)
    total = rows(tables["acute_length_of_stay"])[()]
    assert total == {"persons": 5, "persons_over_90": 3, "persons_over_180": 2, "median_nights": 91}
    by_sex = rows(tables["acute_length_of_stay_by_sex"])
    assert by_sex[("kvinna",)] == {"persons": 2, "persons_over_90": 2, "persons_over_180": 2, "median_nights": 273}
    assert by_sex[("okänt",)] == {"persons": 0, "persons_over_90": 0, "persons_over_180": 0, "median_nights": 0}
    by_age = rows(tables["acute_length_of_stay_by_age"])
    assert by_age[("18-25",)]["persons"] == 1 and by_age[("26-64",)]["persons"] == 4
    assert share(total, "persons_over_90") == pytest.approx(0.6)
    assert share({"persons": 7, "persons_over_90": None}, "persons_over_90") is None


@pytest.mark.parametrize(
    ("current", "previous", "verdict"),
    [(8, 3, "osäker förändring"), (50, 30, "ökning"), (30, 50, "minskning"), (0, 0, "osäker förändring"),
     (12, 12, "osäker förändring"), (None, 40, "osäker förändring"), (400, 330, "ökning")],
)
def test_change_between_is_an_exact_poisson_test(current, previous, verdict):
    result = change_between(current, previous)
    assert result.verdict == verdict
    assert result.text


def test_change_between_p_value_is_the_conditional_binomial():
    # 50 of 80 under Binomial(80, 1/2), two-sided: 2 * sum_{k>=50} C(80, k) / 2**80
    from math import comb

    expected = 2 * sum(comb(80, k) for k in range(50, 81)) / 2**80
    assert change_between(50, 30).p_value == pytest.approx(expected, rel=1e-9)
    assert change_between(None, 3).p_value is None
    with pytest.raises(ValueError):
        change_between(-1, 3)


def _report(years, year=2025, stays=Y2025, payments=P2025):
    tables = compute_tables(frame(stays, schema.MEASURE_STAYS), frame(payments, schema.MEASURE_PAYMENTS),
                            frame([], schema.MEASURE_DEBT_CASES), MAPPING, year)
    tables.update(flow_tables(years, year))
    return Report("0380", year, D(year, 12, 31), tables)


def test_every_year_over_year_relation_holds_on_true_figures():
    report = _report(three_years())
    values = {(tid, t.key(r), m): float(r[m]) for tid, t in report.tables.items() for r in t.rows for m in t.measures}
    relations = build_relations(report.tables)
    names = {r.name.split(" ")[0] for r in relations}
    assert {"R17", "R18", "R19", "R20", "R21", "R22"} <= names
    broken = [r.name for r in relations if not r.holds(lambda c: values.get(c, 0.0))]
    assert broken == []


def test_audit_uses_that_inflow_adds_up_to_acute_persons():
    report = _report(three_years())
    rules = ProtectionSettings(threshold=1, width=2)  # nothing suppressed by the threshold
    safe = protect_report(report, rules)
    assert audit_report(safe, rules, unprotected=report).ok
    # Hiding one flow alone hides nothing: R17 gives it back from A(Y) and the other flows.
    leaky = protect_report(report, rules)
    row = next(r for r in leaky.tables["acute_inflow"].rows if r["flow"] == "new")
    row["persons"], row["suppressed"] = None, ["persons"]
    result = audit_report(leaky, rules, unprotected=report)
    assert not result.ok
    assert any("acute_inflow" in p for p in result.problems)


def test_protected_year_over_year_tables_pass_the_audit():
    rules = ProtectionSettings(threshold=5, width=5)
    report = _report(three_years())
    safe = protect_report(report, rules)
    assert audit_report(safe, rules, unprotected=report).ok
    inflow = safe.tables["acute_inflow"].rows
    assert all(r["persons"] is None or r["persons"] == 0 or r["persons"] >= 5 for r in inflow)
    # the median of a suppressed group goes with its count
    for tid in ("acute_length_of_stay", "acute_length_of_stay_by_sex", "acute_length_of_stay_by_age"):
        for r in safe.tables[tid].rows:
            if r["persons"] is None:
                assert r["median_nights"] is None


def test_after_protected_housing_and_social_contract_exits():
    stays_2025 = [
        stay(1, "Skyddat", D(2025, 1, 1), D(2025, 3, 1)), stay(1, "Akuten", D(2025, 3, 1), D(2025, 4, 1)),
        stay(2, "Skyddat", D(2025, 1, 1), D(2025, 2, 1)), stay(2, "Kontraktet", D(2025, 9, 1)),
        stay(3, "Skyddat", D(2025, 1, 1), D(2025, 2, 1)),
        stay(4, "Skyddat", D(2024, 1, 1), D(2025, 2, 1)), stay(4, "Stödet", D(2025, 2, 1), D(2025, 6, 1)),
        stay(5, "Kontraktet", D(2024, 1, 1), D(2025, 5, 1)),  # exit, then nothing
        stay(6, "Kontraktet", D(2024, 1, 1), D(2025, 5, 1)), stay(6, "Kontraktet", D(2025, 5, 1)),  # moved: no exit
        stay(7, "Kontraktet", D(2024, 1, 1), D(2025, 5, 1)), stay(7, "Hotellet", D(2025, 8, 1), D(2025, 9, 1)),
    ]
    data = year_of(2025, stays_2025)["stays"]
    after = {k[0]: v["persons"] for k, v in rows(after_protected_housing(data, 2025)).items()}
    assert after == {"acute": 1, "situation_2": 1, "situation_3": 1, "none": 1}
    exits = {k[0]: v["persons"] for k, v in rows(social_contract_exits(data, 2025)).items()}
    assert exits == {"to_acute": 1, "to_situation_2": 0, "other_situation_3": 0, "none": 1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_year_persons_are_the_persons_of_the_year_tables(seed):
    """A(Y) and S1-S3(Y) of year_persons are exactly the persons the year's own tables count."""
    import random

    rng = random.Random(seed)
    names = ["Akuten", "Hotellet", "Stödet", "Kontraktet", "Skyddat"]
    stays = [stay(rng.randrange(120), rng.choice(names), D(2024, 6, 1) + dt.timedelta(days=rng.randrange(700)),
                  None if rng.random() < 0.3 else D(2025, 1, 1) + dt.timedelta(days=rng.randrange(400)),
                  sex=rng.choice(["man", "kvinna", None]))
             for _ in range(300)]
    stays = [s for s in stays if s["end_date"] is None or s["end_date"] >= s["start_date"]]
    payments = [pay(rng.randrange(150), rng.choice(["hotell", "vandrarhem"]),
                    D(2024, 11, 1) + dt.timedelta(days=rng.randrange(500))) for _ in range(120)]
    tables = compute_tables(frame(stays, schema.MEASURE_STAYS), frame(payments, schema.MEASURE_PAYMENTS),
                            frame([], schema.MEASURE_DEBT_CASES), MAPPING, 2025)
    persons = year_of(2025, stays, payments)
    acute_by_sex = {r["sex"]: r["persons"] for r in tables["acute_persons_by_sex"].rows}
    assert persons["acute"].group_by("sex").len().sort("sex").rows() == sorted(acute_by_sex.items())
    by_situation = {r["situation"]: r["persons"] for r in tables["persons_by_situation"].rows}
    assert dict(persons["situations"].group_by("situation").len().rows()) == by_situation


def test_exits_are_the_same_when_both_years_hold_the_same_stay():
    """exits_tables joins Y-1's and Y's counted stays without removing repeated rows (a stay in
    both years' extracts, with its nights given, is the same row twice): q9 and q10 must be what
    the rows taken once give."""
    from boendeinventering.core.flows import exits_tables

    stays = [
        stay(1, "Skyddat", D(2024, 3, 1), D(2024, 11, 1), nights=20),
        stay(1, "Akuten", D(2024, 11, 1), D(2025, 2, 1), nights=9),
        stay(2, "Kontraktet", D(2023, 6, 1), D(2024, 12, 1), nights=30),
        stay(2, "Stödet", D(2024, 12, 20), D(2025, 3, 1), nights=5),
        stay(3, "Kontraktet", D(2024, 1, 1), D(2024, 8, 1), nights=3),
        stay(4, "Skyddat", D(2024, 5, 1), D(2024, 6, 1), nights=4),
        stay(4, "Kontraktet", D(2024, 12, 1), nights=7),
    ]
    years = {2024: year_of(2024, stays), 2025: year_of(2025, stays)}
    both = pl.concat([years[2024]["stays"], years[2025]["stays"]])
    assert both.height > both.unique().height  # the repeated rows are there
    got = exits_tables(years, 2025)
    assert got["after_protected_housing"] == after_protected_housing(both.unique(), 2024)
    assert got["social_contract_exits"] == social_contract_exits(both.unique(), 2024)
    assert rows(got["after_protected_housing"])[("acute",)]["persons"] == 1
    assert rows(got["social_contract_exits"])[("to_situation_2",)]["persons"] == 1
