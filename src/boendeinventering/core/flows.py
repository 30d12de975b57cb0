"""Year over year (SPEC 8): trends, flows in and out of acute homelessness, length of stay.

Inputs are the persons of each year as ``measure.year_persons`` finds them (the same code
that computes ``acute_persons_by_sex`` and ``persons_by_situation_sex_age``, so A(X) and
S1-S3(X) follow exactly the rules of the year's own tables). Persons are joined across years
on their keyed pseudonym: that only works when every year was imported with the same key
(docs/gallring.md, ``boinv init``).

Tables (each a count of persons, so SPEC 7's disclosure control applies to every cell):

* ``trend_by_situation`` (year, situation -> persons): |S1|, |S2|, |S3| for Y and up to four
  earlier years that have data; every year listed has all three rows, zeros included.
* ``acute_trend`` (year -> persons): |A(X)| for the same years. Not required by SPEC 8 but it
  is what the outflow partitions, so the disclosure audit can use that relation, and it is the
  headline trend a coordinator asks for.
* ``acute_inflow`` (flow -> persons): continuing, returning, from_s2_s3, new; partitions A(Y);
  present when Y-1 or Y-2 has data. All four rows are kept, zeros included.
* ``acute_outflow`` (flow -> persons): still_acute, to_s3, to_s2, not_seen; partitions A(Y-1);
  present when Y-1 has data.
* ``acute_length_of_stay`` (-> persons, persons_over_90, persons_over_180, median_nights), and
  the same by sex (``acute_length_of_stay_by_sex``) and by age group
  (``acute_length_of_stay_by_age``): nights in situation 1 during Y per person of S1(Y).

Length of stay. A person's nights are the sum of the nights in Y of their situation-1 stays
(SPEC 1, a given ``boendedygn`` wins), capped at the number of days of the year, since stays
that overlap in time (two units, a move with a day's overlap) cannot add nights a year does not
have. Payments are left out: their nights are optional in the extract. Over 90 means at least
91 nights. The median is a figure about individuals: it is published under the same rule as a
sum of nights (core/protect: a magnitude beside a people count), i.e. only where the group's
count of persons is itself published (at least the threshold, default 5, and not suppressed);
shares over 90/180 nights are not stored but computed by the outputs from the published counts
(``share``), so a share never reveals a suppressed count.

Change versus chance: ``change_between`` says whether a count moved more than chance would
explain (exact conditional test of two Poisson counts).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Mapping

import polars as pl

from . import taxonomy
from .tables import Table

if TYPE_CHECKING:
    from .protect.cellkey import RecordKeys

__all__ = [
    "FLOW_TABLE_IDS",
    "INFLOW_FLOWS",
    "OUTFLOW_FLOWS",
    "AGE_GROUPS",
    "TREND_YEARS",
    "ChangeVerdict",
    "change_between",
    "flow_tables",
    "share",
    "after_protected_housing",
    "social_contract_exits",
    "exits_tables",
]

TREND_YEARS = 5  # Y and up to four earlier years that have data
INFLOW_FLOWS = ("continuing", "returning", "from_s2_s3", "new")
OUTFLOW_FLOWS = ("still_acute", "to_s3", "to_s2", "not_seen")
AGE_GROUPS = taxonomy.AGE_GROUPS  # the coarse age groups: one definition, in taxonomy
LONG_STAY_LIMITS = (90, 180)
FLOW_TABLE_IDS = (
    "trend_by_situation", "acute_trend", "acute_inflow", "acute_outflow",
    "acute_length_of_stay", "acute_length_of_stay_by_sex", "acute_length_of_stay_by_age",
)

FLOW_NAMES_SV = {
    "continuing": "Fanns i akut hemlöshet även året innan",
    "returning": "Återkom efter ett år utan akut hemlöshet",
    "from_s2_s3": "Kom från situation 2 eller 3 (stödboende, institution, andrahandskontrakt)",
    "new": "Nya (inte i akut hemlöshet eller situation 2–3 de två föregående åren)",
    "still_acute": "Fortfarande i akut hemlöshet",
    "to_s3": "Till situation 3 (socialt kontrakt, försöks-/träningslägenhet, Bostad först)",
    "to_s2": "Till situation 2 (stödboende, institution, familjehem)",
    "not_seen": "Finns inte längre i socialtjänstens boendeinsatser",
    # after_protected_housing / social_contract_exits
    "acute": "Akut hemlöshet (situation 1)",
    "situation_2": "Situation 2 (stödboende, institution, familjehem)",
    "situation_3": "Situation 3 (socialt kontrakt, försöks-/träningslägenhet, Bostad först)",
    "none": "Ingen känd insats",
    "to_acute": "Akut hemlöshet (situation 1)",
    "to_situation_2": "Situation 2 (stödboende, institution, familjehem)",
    "other_situation_3": "Annan lösning i situation 3",
}
# Short sheet names (xlsx, at most 31 characters) for the outputs.
SHEET_NAMES_SV = {
    "trend_by_situation": "Trend per situation",
    "acute_trend": "Trend akut hemlöshet",
    "acute_inflow": "Inflöde akut hemlöshet",
    "acute_outflow": "Utflöde akut hemlöshet",
    "acute_length_of_stay": "Tid i akut hemlöshet",
    "acute_length_of_stay_by_sex": "Tid i akut, kön",
    "acute_length_of_stay_by_age": "Tid i akut, ålder",
    "after_protected_housing": "Efter skyddat boende",
    "social_contract_exits": "Efter socialt kontrakt",
}

AGE_GROUP_OF_BAND = taxonomy.AGE_GROUP_OF_BAND


_MOD = 1 << 32


def flow_tables(years: Mapping[int, Mapping[str, pl.DataFrame]], year: int,
                record_keys: RecordKeys | None = None) -> dict[str, Table]:
    """The year-over-year tables of year ``year``.

    ``years`` maps each year that HAS DATA (SPEC 8: an active ``insatser`` import tagged with
    it) to ``measure.year_persons`` of that year; ``year`` itself must be in it. Years without
    data are absent and count as empty sets. With ``record_keys`` (the cell-key method) each
    row holds the cell keys of its counts, as compute_tables does."""
    if year not in years:
        raise ValueError(f"Året {year} saknas bland åren med uppgifter.")
    earlier = sorted((x for x in years if x < year), reverse=True)[: TREND_YEARS - 1]
    shown = sorted([year, *earlier])
    keyed = _Keys(record_keys)
    tables = [
        _trend_by_situation(years, shown, keyed),
        _acute_trend(years, shown, keyed),
    ]
    if (year - 1) in years or (year - 2) in years:
        tables.append(_inflow(years, year, keyed))
    if (year - 1) in years:
        tables.append(_outflow(years, year, keyed))
    tables.extend(_length_of_stay(years[year], year, keyed))
    return {t.id: t for t in tables}


# --- sets of persons -------------------------------------------------------------------------

_EMPTY = pl.DataFrame(schema={"person": pl.Int64})  # persons are pseudonym surrogates (schema.py)


def _acute(years, x: int) -> pl.DataFrame:
    data = years.get(x)
    return _EMPTY if data is None else data["acute"].select("person").unique()


def _situation(years, x: int, *situations: int) -> pl.DataFrame:
    data = years.get(x)
    if data is None:
        return _EMPTY
    return data["situations"].filter(pl.col("situation").is_in(list(situations))).select("person").unique()


def _first_fit(population: pl.DataFrame, categories: list[tuple[str, pl.DataFrame]], rest: str) -> pl.DataFrame:
    """person -> flow: the first category whose set holds the person, else ``rest``."""
    flow = pl.lit(rest)
    marked = population
    for i, (_, members) in enumerate(categories):
        marked = marked.join(members.unique().with_columns(pl.lit(True).alias(f"_in{i}")), on="person", how="left")
    # The first category that fits (a when without otherwise is null elsewhere), else the rest.
    flow = pl.coalesce([pl.when(pl.col(f"_in{i}")).then(pl.lit(name)) for i, (name, _) in enumerate(categories)]
                       + [flow])
    return marked.select("person", flow.alias("flow"))


# --- tables ------------------------------------------------------------------------------------

class _Keys:
    """Cell keys for the cell-key method (core/protect/cellkey.py), or nothing."""

    def __init__(self, record_keys):
        self.record_keys = record_keys

    def add(self, frame: pl.DataFrame) -> pl.DataFrame:
        if self.record_keys is None:
            return frame
        # The same label as measure.py, so a person has one record key in every table.
        return self.record_keys.column(frame, "person", b"person", "_rk")

    def agg(self, measure: str, condition: pl.Expr | None = None) -> dict[str, pl.Expr]:
        if self.record_keys is None:
            return {}
        key = pl.col("_rk") if condition is None else pl.col("_rk").filter(condition)
        return {f"_ck_{measure}": key.sum() % _MOD}


def _rows(data: pl.DataFrame, dimensions: list[str], measures: list[str], order: dict[str, tuple]) -> list[dict]:
    """Rows for every combination of ``order``'s values (zeros included), in that order."""
    found = {tuple(r[d] for d in dimensions): r for r in data.to_dicts()}
    combos: list[tuple] = [()]
    for d in dimensions:
        combos = [(*c, v) for c in combos for v in order[d]]
    rows = []
    for combo in combos:
        raw = found.get(combo, {})
        row: dict[str, Any] = dict(zip(dimensions, combo))
        for m in measures:
            row[m] = int(raw.get(m) or 0)
        if any(f"_ck_{m}" in raw for m in measures):
            row["_cell_keys"] = {m: (int(raw.get(f"_ck_{m}") or 0) % _MOD) / _MOD for m in measures
                                 if m in taxonomy.COUNT_MEASURES}
        rows.append(row)
    return rows


def _count_by(frame: pl.DataFrame, dims: list[str], keyed: _Keys, distinct: bool = False) -> pl.DataFrame:
    """Persons per group; ``distinct``: the frame already has one row per person and group."""
    frame = keyed.add(frame if distinct else frame.unique(subset=["person", *dims]))
    return frame.group_by(dims).agg(persons=pl.len(), **keyed.agg("persons"))


def _trend_by_situation(years, shown: list[int], keyed: _Keys) -> Table:
    # year_persons' situations hold each (person, situation) once, so each year is counted on
    # its own (grouping one frame of every year's persons cost five years' rows copied)
    data = pl.concat([
        _count_by(years[x]["situations"].filter(pl.col("situation").is_in([1, 2, 3]))
                  .select("person", pl.col("situation").cast(pl.Int64)), ["situation"], keyed, distinct=True)
        .select(pl.lit(x, dtype=pl.Int64).alias("year"), pl.all())
        for x in shown
    ])
    return Table(
        id="trend_by_situation", title="Personer per situation, år för år", dimensions=["year", "situation"],
        measures=["persons"], rows=_rows(data, ["year", "situation"], ["persons"],
                                         {"year": tuple(shown), "situation": (1, 2, 3)}),
        note="Varje år räknas för sig ur de uttag som importerats för året, med dagens mappning. "
             "Endast år med importerade insatser visas (högst fem år).",
    )


def _acute_trend(years, shown: list[int], keyed: _Keys) -> Table:
    parts = [_acute(years, x).with_columns(year=pl.lit(x, dtype=pl.Int64)) for x in shown]
    data = _count_by(pl.concat(parts), ["year"], keyed, distinct=True)
    return Table(
        id="acute_trend", title="Personer i akut hemlöshet, år för år", dimensions=["year"], measures=["persons"],
        rows=_rows(data, ["year"], ["persons"], {"year": tuple(shown)}),
        note="Personer med insats eller utbetalning i situation 1 under respektive år; varje person en gång per år.",
    )


def _flow_table(table_id: str, title: str, assigned: pl.DataFrame, flows: tuple[str, ...], keyed: _Keys,
                note: str) -> Table:
    data = _count_by(assigned, ["flow"], keyed)
    return Table(id=table_id, title=title, dimensions=["flow"], measures=["persons"],
                 rows=_rows(data, ["flow"], ["persons"], {"flow": flows}), note=note)


def _inflow(years, year: int, keyed: _Keys) -> Table:
    categories = [
        ("continuing", _acute(years, year - 1)),
        ("returning", _acute(years, year - 2)),
        ("from_s2_s3", pl.concat([_situation(years, year - 1, 2, 3), _situation(years, year - 2, 2, 3)])),
    ]
    missing = [str(x) for x in (year - 1, year - 2) if x not in years]
    return _flow_table(
        "acute_inflow", f"Varifrån kom personerna i akut hemlöshet {year}?",
        _first_fit(_acute(years, year), categories, "new"), INFLOW_FLOWS, keyed,
        f"Personerna i akut hemlöshet {year}, var och en i den första kategori som passar: fanns i akut "
        f"hemlöshet {year - 1}; i akut hemlöshet {year - 2}; i situation 2 eller 3 {year - 2}–{year - 1}; annars ny. "
        "Personer följs med nyckelkodade pseudonymer, aldrig personnummer."
        + (f" Uppgifter saknas för {', '.join(missing)}: de åren räknas som tomma, så fler kan se nya ut."
           if missing else ""),
    )


def _outflow(years, year: int, keyed: _Keys) -> Table:
    categories = [
        ("still_acute", _acute(years, year)),
        ("to_s3", _situation(years, year, 3)),
        ("to_s2", _situation(years, year, 2)),
    ]
    return _flow_table(
        "acute_outflow", f"Vart tog personerna i akut hemlöshet {year - 1} vägen {year}?",
        _first_fit(_acute(years, year - 1), categories, "not_seen"), OUTFLOW_FLOWS, keyed,
        f"Personerna i akut hemlöshet {year - 1}, var och en i den första kategori som passar under {year}: "
        "fortfarande i akut hemlöshet; i situation 3; i situation 2; annars inte längre i socialtjänstens "
        "boendeinsatser (det kan vara både bra och dåligt: eget boende, flytt, sjukhus, eller bostadslös "
        "utan kontakt).",
    )


def _length_of_stay(data: Mapping[str, pl.DataFrame], year: int, keyed: _Keys) -> list[Table]:
    days = 366 if calendar.isleap(year) else 365
    per_person = (
        data["stays"].filter(pl.col("situation") == 1)
        .group_by("person").agg(nights=pl.col("nights_y").sum().clip(upper_bound=days))
        .join(data["attributes"], on="person", how="left")
        .with_columns(
            sex=pl.col("sex").fill_null(taxonomy.SEXES[-1]),
            age_group=pl.col("age_band").fill_null(taxonomy.AGE_BAND_UNKNOWN)
            .replace_strict(AGE_GROUP_OF_BAND, default="okänd"),
            _all=pl.lit("alla"),
        )
    )
    per_person = keyed.add(per_person)
    over = {f"persons_over_{n}": pl.col("nights") > n for n in LONG_STAY_LIMITS}
    measures = ["persons", *over, "median_nights"]

    def table(dims: list[str], table_id: str, title: str, order: dict[str, tuple]) -> Table:
        group = dims or ["_all"]
        agg = per_person.group_by(group).agg(
            persons=pl.len(),
            **{m: cond.sum() for m, cond in over.items()},
            median_nights=pl.col("nights").median(),
            **keyed.agg("persons"),
            **{k: v for m, cond in over.items() for k, v in keyed.agg(m, cond).items()},
        )
        rows = _rows(agg, dims, measures, order) if dims else _rows(agg.drop("_all"), [], measures, {})
        for row in rows:
            raw = next((r for r in agg.to_dicts() if all(r[d] == row[d] for d in dims)), None)
            # Half nights (an even group's median) are rounded up, as kronor are.
            row["median_nights"] = int(float(raw["median_nights"]) + 0.5) if raw and row["persons"] else 0
        return Table(
            id=table_id, title=title, dimensions=dims, measures=measures, rows=rows,
            note=f"Boendedygn {year} i situation 1 per person (flera insatser summeras, högst årets dagar). "
                 "Över 90 = minst 91 dygn. Medianen redovisas bara där antalet personer redovisas "
                 "(samma regel som för summor av boendedygn).",
        )

    return [
        table([], "acute_length_of_stay", f"Tid i akut hemlöshet {year}", {}),
        table(["sex"], "acute_length_of_stay_by_sex", f"Tid i akut hemlöshet {year} per kön",
              {"sex": tuple(taxonomy.SEXES)}),
        table(["age_group"], "acute_length_of_stay_by_age", f"Tid i akut hemlöshet {year} per åldersgrupp",
              {"age_group": AGE_GROUPS}),
    ]


def share(row: Mapping[str, Any], measure: str, of: str = "persons") -> float | None:
    """``row[measure] / row[of]`` for display, or None where either is suppressed or zero.

    Shares are computed from the published counts only, so they never reveal a hidden count."""
    part, whole = row.get(measure), row.get(of)
    if part is None or not whole:
        return None
    return part / whole


# --- change versus chance ------------------------------------------------------------------------

INCREASE, DECREASE, UNCERTAIN = "ökning", "minskning", "osäker förändring"


@dataclass(frozen=True)
class ChangeVerdict:
    current: int | None
    previous: int | None
    verdict: str  # "ökning" | "minskning" | "osäker förändring"
    p_value: float | None  # two-sided; None when a count is missing (suppressed)
    text: str  # Swedish sentence for the report

    @property
    def difference(self) -> int | None:
        return None if self.current is None or self.previous is None else self.current - self.previous


def change_between(current: int | None, previous: int | None, alpha: float = 0.05) -> ChangeVerdict:
    """Is the change from ``previous`` (last year) to ``current`` (this year) larger than chance?

    Both counts are taken as Poisson with unknown rates; given their sum n, this year's count
    is Binomial(n, 1/2) when the rates are equal (the exact conditional test). A two-sided
    p-value below ``alpha`` gives "ökning" or "minskning", anything else "osäker förändring",
    and so does a missing count: pass the PUBLISHED values (None where suppressed), never the
    true value of a suppressed cell, or the verdict could reveal it. Small municipalities move
    a lot by chance: 3 -> 8 is "osäker förändring", 30 -> 50 is "ökning"."""
    if current is None or previous is None:
        return ChangeVerdict(current, previous, UNCERTAIN, None,
                             "Förändringen kan inte bedömas eftersom en av uppgifterna inte redovisas.")
    current, previous = int(current), int(previous)
    if current < 0 or previous < 0:
        raise ValueError("Antal kan inte vara negativa.")
    n = current + previous
    if n == 0:
        return ChangeVerdict(current, previous, UNCERTAIN, 1.0, "Inga personer något av åren.")
    from scipy.stats import binomtest  # only here: the rest of the core needs no scipy.stats

    p = float(binomtest(current, n, 0.5, alternative="two-sided").pvalue)
    if p < alpha and current != previous:
        verdict = INCREASE if current > previous else DECREASE
        text = (f"{'Ökningen' if verdict == INCREASE else 'Minskningen'} från {previous} till {current} är större "
                f"än vad slumpen brukar ge (p = {p:.3f}).")
    else:
        verdict = UNCERTAIN
        text = (f"Förändringen från {previous} till {current} är inte större än vad slumpen kan ge "
                f"(p = {p:.2f}); den kan vara tillfällig.")
    return ChangeVerdict(current, previous, verdict, p, text)


# --- answers q9 and q10 (tables for the answers) -----------------------------------------------

AFTER_PROTECTED = ("acute", "situation_2", "situation_3", "none")


def _next_situation(ended: pl.DataFrame, later: pl.DataFrame, months: int) -> pl.DataFrame:
    """person -> situation of the first stay in ``later`` that starts on or after the person's
    ``ended`` date and within ``months`` months of it (q9 and q10 follow-ups)."""
    return (
        ended.join(later.select("person", "situation", "start_date"), on="person", how="inner")
        .filter((pl.col("start_date") >= pl.col("ended"))
                & (pl.col("start_date") <= pl.col("ended").dt.offset_by(f"{months}mo")))
        .sort("start_date", "situation")
        .group_by("person").agg(pl.col("situation").first())
    )


def after_protected_housing(stays: pl.DataFrame, year: int, months: int = 12, record_keys=None) -> Table:
    """q9: what came next for persons whose ``skyddat_boende`` stay ended in year ``year``.

    ``stays``: every counted stay of the years concerned (person, kod, situation, start_date,
    end_date), e.g. ``measure.year_persons(...)["stays"]`` of Y and Y+1 concatenated. For each
    person the last skyddat_boende stay ending in Y is taken; the next intervention is the
    first other stay (or a new stay in another code) starting on or after that end and within
    ``months`` months: situation 1 (acute), 2 or 3; none if there is none. Earlier ending years
    are compared at the time the report is made, so a stay ending late in Y may not yet have had
    its twelve months: the note says so."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ended = (
        stays.filter((pl.col("kod") == "skyddat_boende") & pl.col("end_date").is_between(first, last))
        .group_by("person").agg(ended=pl.col("end_date").max())
    )
    nxt = _next_situation(ended, stays.filter(pl.col("kod") != "skyddat_boende"), months)
    assigned = ended.join(nxt, on="person", how="left").select(
        "person",
        flow=pl.col("situation").replace_strict({1: "acute", 2: "situation_2", 3: "situation_3"}, default="none",
                                                return_dtype=pl.Utf8),
    )
    data = _count_by(assigned, ["flow"], _Keys(record_keys))
    return Table(
        id="after_protected_housing", title=f"Efter skyddat boende som avslutades {year}",
        dimensions=["flow"], measures=["persons"], rows=_rows(data, ["flow"], ["persons"], {"flow": AFTER_PROTECTED}),
        note=f"Första insats som började inom {months} månader efter att ett skyddat boende avslutades under {year}: "
             "akut hemlöshet, situation 2, situation 3 eller ingen (ingen känd insats).",
    )


SOCIAL_CONTRACT_EXITS = ("to_acute", "to_situation_2", "other_situation_3", "none")


def social_contract_exits(stays: pl.DataFrame, year: int, months: int = 12, record_keys=None) -> Table:
    """q10: persons whose ``socialt_kontrakt`` ended in ``year`` and what followed within ``months``.

    ``none`` is no new intervention known (for most: an own lease -- the goal -- but the data
    cannot tell it from moving away); the other flows are the first new stay's situation
    (``other_situation_3``: e.g. a new social contract or Housing First). A person with a
    social contract still running after the end (moved between flats) is not an exit."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    contracts = stays.filter(pl.col("kod") == "socialt_kontrakt")
    ended = contracts.filter(pl.col("end_date").is_between(first, last)).group_by("person").agg(
        ended=pl.col("end_date").max())
    still = contracts.filter(pl.col("end_date").is_null() | (pl.col("end_date") > last)).select("person").unique()
    ended = ended.join(still, on="person", how="anti")
    nxt = _next_situation(ended, stays.filter(pl.col("kod") != "socialt_kontrakt"), months)
    assigned = ended.join(nxt, on="person", how="left").select(
        "person",
        flow=pl.col("situation").replace_strict({1: "to_acute", 2: "to_situation_2", 3: "other_situation_3"},
                                                default="none", return_dtype=pl.Utf8),
    )
    data = _count_by(assigned, ["flow"], _Keys(record_keys))
    return Table(
        id="social_contract_exits", title=f"Sociala kontrakt som avslutades {year}",
        dimensions=["flow"], measures=["persons"],
        rows=_rows(data, ["flow"], ["persons"], {"flow": SOCIAL_CONTRACT_EXITS}),
        note=f"Personer vars sociala kontrakt avslutades under {year} (och som inte fick ett nytt), efter första "
             f"insats inom {months} månader: ingen känd insats (oftast eget kontrakt), akut hemlöshet, "
             "situation 2 eller annan lösning i situation 3.",
    )


def exits_tables(years: Mapping[int, Mapping[str, pl.DataFrame]], year: int,
                 record_keys: RecordKeys | None = None) -> dict[str, Table]:
    """q9 and q10 for the report of ``year``: stays that ended in Y-1, followed for twelve months
    into Y (a whole year of follow-up for every one of them); present when Y-1 has data."""
    if (year - 1) not in years or year not in years:
        return {}
    # No unique(): a stay in both years' extracts is found twice, but every step below takes a
    # maximum, a first or a distinct person, so a repeated row changes nothing (and removing
    # them cost more than the rest of the two tables).
    stays = pl.concat([years[year - 1]["stays"], years[year]["stays"]])
    return {t.id: t for t in (after_protected_housing(stays, year - 1, record_keys=record_keys),
                              social_contract_exits(stays, year - 1, record_keys=record_keys))}
