"""A deliberately plain reference for core.measure, written from SPEC 1-3 and 6.

Loops over rows held as dicts, datetime arithmetic, sets. Slow and obvious on purpose: the
Polars implementation is checked against it on random municipalities. It shares nothing with
core/measure.py or core/classify.py except the vocabulary in core/taxonomy.py.

Result: {table_id: {key_tuple: {measure: value}}}, rows with all measures zero left out
(the dimensionless debt_counselling row is always there).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from boendeinventering.core import taxonomy


class Unmapped(Exception):
    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(", ".join(self.names))


def _key(name):
    return " ".join(name.split()).lower()


def _code_lookup(entries):
    table = {_key(name): code.strip().lower() for name, code in entries}

    def code_of(name):
        if name is None:
            return None
        k = _key(name)
        if k in table:
            return table[k]
        if k in taxonomy.SITUATION_BY_CODE:
            return k
        raise Unmapped([k])

    return code_of


def add_three_months(day):
    y, m = day.year, day.month + 3
    if m > 12:
        y, m = y + 1, m - 12
    d = day.day
    while True:
        try:
            return dt.date(y, m, d)
        except ValueError:  # 31 April does not exist: clamp to the month's last day
            d -= 1


def age(birth, ref):
    if birth is None:
        return None
    years = ref.year - birth.year
    if (ref.month, ref.day) < (birth.month, birth.day):
        years -= 1
    return years


def band(years):
    if years is None:
        return "okänd"
    if years <= 17:
        return "0-17"
    if years <= 20:
        return "18-20"
    if years <= 25:
        return "21-25"
    if years <= 30:
        return "26-30"
    if years <= 40:
        return "31-40"
    if years <= 50:
        return "41-50"
    if years <= 64:
        return "51-64"
    return "65-"


def half_up(x):
    return math.floor(x + 0.5)


class _Group:
    def __init__(self):
        self.persons = set()
        self.household_children = {}
        self.sums = defaultdict(float)

    def add(self, row, sums):
        self.persons.add(row["person"])
        if row["household"] is not None:
            hh = ("household", row["household"])
        else:
            hh = ("person", row["person"])
        kids = row["children"] or 0
        self.household_children[hh] = max(self.household_children.get(hh, 0), kids)
        for name, value in sums.items():
            self.sums[name] += value or 0

    def measures(self, sums):
        out = {
            "persons": len(self.persons),
            "households": len(self.household_children),
            "children": sum(self.household_children.values()),
        }
        for name in sums:
            out[name] = half_up(self.sums[name]) if name in ("cost", "amount") else int(self.sums[name])
        return out


def _nonzero(table):
    return {k: v for k, v in table.items() if any(x != 0 for x in v.values())}


def age_group(band_name):
    """The coarse groups of the q5 tables, written out by hand."""
    if band_name in ("18-20", "21-25"):
        return "18-25"
    if band_name in ("26-30", "31-40", "41-50", "51-64"):
        return "26-64"
    return band_name  # 0-17, 65-, okänd


def reference_tables(stays, payments, debt_cases, mapping_entries, year, reference_date=None, places=None):
    jan1, dec31, next_jan1 = dt.date(year, 1, 1), dt.date(year, 12, 31), dt.date(year + 1, 1, 1)
    ref = reference_date or dec31
    code_of = _code_lookup(mapping_entries)

    stays_y = [
        s for s in stays
        if s["start_date"] <= dec31 and (s["end_date"] is None or s["end_date"] >= jan1)
    ]
    pays_y = [p for p in payments if p["payment_date"].year == year]

    places_y = [
        r for r in (places or [])
        if r["from_date"] <= dec31 and (r["to_date"] is None or r["to_date"] >= jan1)
    ]
    missing = set()
    named = [(s, "insats") for s in stays_y] + [(p, "purpose") for p in pays_y] + [(r, "kod") for r in places_y]
    for row, column in named:
        try:
            row["_kod"] = code_of(row[column])
        except Unmapped as e:
            missing.update(e.names)
    if missing:
        raise Unmapped(missing)

    for s in stays_y:
        s["_situation"] = taxonomy.SITUATION_BY_CODE.get(s["_kod"]) if s["_kod"] else None
        if s["nights"] is not None:
            s["_nights"] = s["nights"]
        else:
            begin = max(s["start_date"], jan1)
            end = s["end_date"] if s["end_date"] is not None else next_jan1
            end = min(end, next_jan1)
            s["_nights"] = max((end - begin).days, 0)
    for p in pays_y:
        p["_situation"] = taxonomy.SITUATION_BY_CODE.get(p["_kod"]) if p["_kod"] else None

    # person attributes: latest dated row that knows the value; ties -> smallest value
    sex_of, birth_of = {}, {}
    for row, date in [(s, s["start_date"]) for s in stays_y] + [(p, p["payment_date"]) for p in pays_y]:
        person = row["person"]
        if row["sex"] in ("kvinna", "man"):
            cand = (date, row["sex"])
            old = sex_of.get(person)
            if old is None or cand[0] > old[0] or (cand[0] == old[0] and cand[1] < old[1]):
                sex_of[person] = cand
        if row["birth_date"] is not None:
            cand = (date, row["birth_date"])
            old = birth_of.get(person)
            if old is None or cand[0] > old[0] or (cand[0] == old[0] and cand[1] < old[1]):
                birth_of[person] = cand

    def sex(person):
        return sex_of[person][1] if person in sex_of else "okänt"

    def age_band(person):
        return band(age(birth_of[person][1], ref)) if person in birth_of else "okänd"

    counted = [s for s in stays_y if s["_situation"] is not None]
    stay_sums = ("nights", "cost")

    by_situation, by_kod = defaultdict(_Group), defaultdict(_Group)
    by_kod_sex, by_sit_sex_age = defaultdict(set), defaultdict(set)
    acute = set()
    for s in counted:
        sums = {"nights": s["_nights"], "cost": s["cost"]}
        by_situation[(s["_situation"],)].add(s, sums)
        by_kod[(s["_situation"], s["_kod"])].add(s, sums)
        by_kod_sex[(s["_situation"], s["_kod"], sex(s["person"]))].add(s["person"])
        by_sit_sex_age[(s["_situation"], sex(s["person"]), age_band(s["person"]))].add(s["person"])
        if s["_situation"] == 1:
            acute.add(s["person"])

    by_purpose = defaultdict(_Group)
    for p in pays_y:
        if p["_kod"] in ("exkluderad", "ovrigt") or p["_kod"] is None:
            continue
        by_purpose[(p["_kod"],)].add(p, {"amount": p["amount"], "nights": p["nights"]})
        if p["_situation"] == 1:
            acute.add(p["person"])

    acute_by_sex = defaultdict(set)
    for person in acute:
        acute_by_sex[(sex(person),)].add(person)

    cases, rent_cases = set(), set()
    for d in debt_cases:
        if d["received_date"].year == year:
            cases.add(d["case"])
            if d["rent_debt"]:
                rent_cases.add(d["case"])

    horizon = add_three_months(ref)
    discharge = defaultdict(lambda: {"persons": set(), "persons_unknown": set(), "persons_overdue": set()})
    for s in counted:
        if s["_situation"] != 2:
            continue
        if not (s["start_date"] <= ref and (s["end_date"] is None or s["end_date"] > ref)):
            continue
        planned = s["planned_end_date"]
        if planned is None:
            continue
        arranged = s["arranged_after"].strip().lower() if s["arranged_after"] is not None else None
        cell = discharge[(s["_kod"],)]
        if ref < planned <= horizon:
            if arranged == "nej":
                cell["persons"].add(s["person"])
            elif arranged != "ja":
                cell["persons_unknown"].add(s["person"])
        if planned <= ref and arranged != "ja":
            cell["persons_overdue"].add(s["person"])

    # discharge risk in total: the same conditions, distinct persons over all codes
    discharge_total = {"persons": set(), "persons_unknown": set(), "persons_overdue": set()}
    for cell in discharge.values():
        for m, persons in cell.items():
            discharge_total[m] |= persons

    # households with children per code: the households of by_kod with a largest antal_barn > 0
    hh_children = {
        k: {"households_with_children": sum(1 for n in g.household_children.values() if n > 0),
            "children": sum(g.household_children.values())}
        for k, g in by_kod.items()
    }

    by_kod_age = defaultdict(set)
    for s in counted:
        by_kod_age[(s["_situation"], s["_kod"], age_group(age_band(s["person"])))].add(s["person"])

    acute_by_sex_age = defaultdict(set)
    for person in acute:
        acute_by_sex_age[(sex(person), age_band(person))].add(person)

    acute_group = _Group()
    for row in [s for s in counted if s["_situation"] == 1] + [p for p in pays_y if p["_situation"] == 1]:
        acute_group.add(row, {})
    acute_hh = acute_group.measures(())
    acute_hh["households_with_children"] = sum(1 for n in acute_group.household_children.values() if n > 0)

    pay_by_sex, pay_by_age = defaultdict(set), defaultdict(set)
    for p in pays_y:
        if p["_kod"] in ("exkluderad", "ovrigt") or p["_kod"] is None:
            continue
        pay_by_sex[(p["_kod"], sex(p["person"]))].add(p["person"])
        pay_by_age[(p["_kod"], age_group(age_band(p["person"])))].add(p["person"])

    # occupancy (SPEC 9): place-nights of the register's rows, nights of the stays at them
    def name_key(text):
        return text.strip().lower()

    facility_codes = defaultdict(set)
    occupancy = defaultdict(lambda: {"place_nights": 0, "nights": 0})
    for r in places_y:
        begin = max(r["from_date"], jan1)
        end = min(r["to_date"] + dt.timedelta(days=1), next_jan1) if r["to_date"] is not None else next_jan1
        occupancy[r["_kod"]]["place_nights"] += r["places"] * max((end - begin).days, 0)
        facility_codes[name_key(r["boende"])].add(r["_kod"])
    for s in stays_y:
        at = s.get("boende")
        at = at if at is not None and at.strip() else s["insats"]
        for code in facility_codes.get(name_key(at), ()):
            occupancy[code]["nights"] += s["_nights"]
    occupancy_rows = {}
    for code, cell in occupancy.items():
        if taxonomy.SITUATION_BY_CODE.get(code) is None:
            continue  # outside the inventory: not published
        pn = cell["place_nights"]
        pct = math.floor(1000 * cell["nights"] / pn + 0.5) / 10 if pn else 0.0
        occupancy_rows[(code,)] = {"place_nights": pn, "nights": cell["nights"], "occupancy": pct}

    return {
        "discharge_risk_total": {(): {m: len(v) for m, v in discharge_total.items()}},
        "households_with_children_by_kod": _nonzero(hh_children),
        "persons_by_kod_age": _nonzero({k: {"persons": len(v)} for k, v in by_kod_age.items()}),
        "acute_persons_by_sex_age": _nonzero({k: {"persons": len(v)} for k, v in acute_by_sex_age.items()}),
        "acute_households": {(): acute_hh},
        "payments_by_purpose_sex": _nonzero({k: {"persons": len(v)} for k, v in pay_by_sex.items()}),
        "payments_by_purpose_age": _nonzero({k: {"persons": len(v)} for k, v in pay_by_age.items()}),
        "occupancy_by_kod": _nonzero(occupancy_rows),
        "persons_by_situation": _nonzero({k: g.measures(stay_sums) for k, g in by_situation.items()}),
        "persons_by_kod": _nonzero({k: g.measures(stay_sums) for k, g in by_kod.items()}),
        "persons_by_kod_sex": _nonzero({k: {"persons": len(v)} for k, v in by_kod_sex.items()}),
        "persons_by_situation_sex_age": _nonzero({k: {"persons": len(v)} for k, v in by_sit_sex_age.items()}),
        "acute_persons_by_sex": _nonzero({k: {"persons": len(v)} for k, v in acute_by_sex.items()}),
        "payments_by_purpose": _nonzero(
            {k: _without_children(g.measures(("amount", "nights"))) for k, g in by_purpose.items()}
        ),
        "debt_counselling": {(): {"cases": len(cases), "rent_debt_cases": len(rent_cases)}},
        "discharge_risk_by_kod": _nonzero({k: {m: len(v) for m, v in cell.items()} for k, cell in discharge.items()}),
    }


def _without_children(measures):
    measures.pop("children")
    return measures
