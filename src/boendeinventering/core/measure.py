"""The figures of one inventory year (SPEC 1, 2, 3 and 6), unprotected.

Inputs are the MEASURE_* frames of core/schema.py, possibly holding rows of other years; the
year rule is applied here. Everything is column-wise Polars: group_by over the rows, no loop
over persons. Disclosure control is a later stage (core/protect).

Person attributes for the sex and age tables. A person's sex and birth date are taken from
that person's rows of year Y, stays and payments together (every row of Y, whatever its
code): among the rows that *know* the value (sex ``kvinna``/``man``; birth date not null), the
one with the latest date (stay ``start_date``, ``payment_date``) wins; rows with the same
latest date but different values are settled by the smallest value (``kvinna`` before
``man``, the earlier birth date), so the result never depends on row order. A person with no
such row is ``okänt`` / age band ``okänd``. Unknown values do not override known ones: a
later row from a system that lacks the column says nothing about the person.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from . import schema, taxonomy
from .classify import CODE_ENUM, Mapping, lookup_codes, with_codes
from .occupancy import occupancy_table
from .tables import Table

if TYPE_CHECKING:  # only a type; protect.cellkey is imported when record keys are given
    from .protect.cellkey import RecordKeys

__all__ = ["compute_tables", "compute_year", "YearFigures", "year_persons", "TABLE_IDS"]

TABLE_IDS: tuple[str, ...] = (
    "persons_by_situation",
    "persons_by_kod",
    "persons_by_kod_sex",
    "persons_by_situation_sex_age",
    "acute_persons_by_sex",
    "payments_by_purpose",
    "debt_counselling",
    "discharge_risk_by_kod",
    "discharge_risk_total",
    "households_with_children_by_kod",
    "persons_by_kod_age",
    "acute_persons_by_sex_age",
    "acute_households",
    "payments_by_purpose_sex",
    "payments_by_purpose_age",
    "occupancy_by_kod",
)

AGE_GROUP_OF_BAND = taxonomy.AGE_GROUP_OF_BAND  # the coarse age groups: one definition, in taxonomy
AGE_GROUPS = taxonomy.AGE_GROUPS

KNOWN_SEXES = ("kvinna", "man")
UNKNOWN_SEX = "okänt"


@dataclass(frozen=True)
class YearFigures:
    """A year's tables and the persons behind them, computed from one classification."""

    tables: dict[str, Table]  # keyed by table id (TABLE_IDS)
    persons: dict[str, pl.DataFrame]  # what year_persons(..., attributes=True) gives for the year


def compute_tables(
    stays: pl.DataFrame,
    payments: pl.DataFrame,
    debt_cases: pl.DataFrame,
    mapping: Mapping,
    year: int,
    reference_date: dt.date | None = None,
    record_keys: RecordKeys | None = None,
    places: pl.DataFrame | None = None,
) -> dict[str, Table]:
    """All tables of year ``year``, keyed by table id (see TABLE_IDS); compute_year documents them."""
    return compute_year(stays, payments, debt_cases, mapping, year, reference_date, record_keys, places).tables


def compute_year(
    stays: pl.DataFrame,
    payments: pl.DataFrame,
    debt_cases: pl.DataFrame,
    mapping: Mapping,
    year: int,
    reference_date: dt.date | None = None,
    record_keys: RecordKeys | None = None,
    places: pl.DataFrame | None = None,
) -> YearFigures:
    """All tables of year ``year`` (see TABLE_IDS), and the year's persons for the flows.

    ``persons`` equals ``year_persons(stays, payments, mapping, year, reference_date)``, taken
    from the rows, codes and sex/age this computation has already made: the year's own report
    needs both, and classifying the year and finding its persons' sex and age a second time for
    the flows was a fifth of the city year's report (docs/benchmarks.md, "Stop 8: the export").

    Raises UnmappedNamesError listing every unmapped ``insats`` and ``purpose`` among the rows
    of the year (with suggested codes); names on rows of other years do not block. Sex and
    age come from each person's latest row of the year that knows them (module docstring).

    With ``record_keys`` (the cell-key method, core/protect/cellkey.py) every row also holds
    ``row["_cell_keys"]``: for each count measure, the cell key of the units it counts (sum of
    their record keys mod 2**32, as a float in [0, 1)). Persons are keyed by ``person``,
    households by their identity (hushåll-id, else the person), children by their households
    (a second key), debt cases by ``case``. Without it nothing changes.

    ``places`` is the ``platser`` register (schema.MEASURE_PLACES) for ``occupancy_by_kod``;
    stays then need a ``boende`` column (absent: facilities are matched on ``insats``). Its
    ``kod`` values are classified with the same mapping, so they block like other names."""
    ref = reference_date or dt.date(year, 12, 31)
    stays_y, pays_y, debt_y, stays_c, pays_c, places, codes = _classified_year(
        stays, payments, debt_cases, mapping, year, places)
    if record_keys is not None:
        stays_c, pays_c = _with_record_keys(stays_c, record_keys), _with_record_keys(pays_c, record_keys)

    # Only codes with a situation count in persons_* tables (never exkluderad/ovrigt/hyresskuld).
    counted = stays_c.filter(pl.col("situation").is_not_null())
    attrs = _person_attributes(stays_y, pays_y, ref)
    counted_attrs = counted.drop("sex", "birth_date").join(attrs, on="person", how="left")
    # A(Y)'s rows and persons, found once for its three tables and the flows (a filter of every
    # payment each time, at national scale)
    acute_rows = _acute_rows(counted, pays_c, _acute_columns(record_keys is not None))
    acute_persons = acute_rows.select("person", *([_KEY_PERSON] if record_keys is not None else [])).unique()
    acute_attrs = acute_persons.join(attrs, on="person", how="left")
    acute_households = _acute_households(acute_rows)
    del acute_rows  # (millions of payment rows at national scale: not kept through the other tables)
    counted_pays = _counted_payments(pays_c)  # once for the three payment tables

    tables = [
        _people_table(
            counted, ["situation"], "persons_by_situation",
            "Personer per situation",
            "Varje person räknas en gång per situation även om hen finns i flera boendeformer eller enheter. "
            "Hushåll = hushålls-id, annars personen. Barn = största antal barn per hushåll, summerat. "
            "Boendedygn och kostnad avser insatser under året.",
        ),
        _people_table(
            counted, ["situation", "kod"], "persons_by_kod",
            "Personer per boendeform",
            "Varje person räknas en gång per boendeform; en person i flera boendeformer räknas i var och en, "
            "så raderna summerar inte till antalet personer i situationen.",
        ),
        _persons_by(
            counted_attrs, ["situation", "kod", "sex"],
            "persons_by_kod_sex", "Personer per boendeform och kön",
            "Kön enligt personens senaste uppgift under året.",
        ),
        _persons_by(
            counted_attrs, ["situation", "sex", "age_band"],
            "persons_by_situation_sex_age", "Personer per situation, kön och ålder",
            f"Ålder i hela år den {ref.isoformat()}. Ålder 'okänd' när födelseår saknas.",
        ),
        _acute_by_sex(acute_attrs),
        _payments_table(counted_pays),
        _debt_table(debt_y, record_keys),
        _discharge_table(counted, ref),
        _discharge_total(counted, ref),
        _households_with_children(counted),
        _persons_by(
            counted_attrs.with_columns(age_group=_age_group(pl.col("age_band"))), ["situation", "kod", "age_group"],
            "persons_by_kod_age", "Personer per boendeform och åldersgrupp",
            f"Ålder i hela år den {ref.isoformat()}, i grova grupper så att uppgifterna kan redovisas utan att "
            "enskilda pekas ut. Varje person räknas en gång per boendeform.",
        ),
        _acute_by_sex_age(acute_attrs),
        acute_households,
        *_payments_by_attribute(counted_pays, attrs),
        occupancy_table(stays_c, places, codes, year),
    ]
    persons = _with_attributes(acute_persons.select("person"), counted.select("person", "situation").unique(),
                               _counted_stays(counted), attrs)
    return YearFigures({table.id: table for table in tables}, persons)


def stays_in_year(year: int) -> pl.Expr:
    """SPEC 1's year rule for stays: the stay overlaps the year (open-ended stays go on)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (pl.col("start_date") <= last) & (pl.col("end_date").is_null() | (pl.col("end_date") >= first))


def dated_in_year(column: str, year: int) -> pl.Expr:
    """SPEC 1's year rule for payments (payment_date) and debt cases (received_date)."""
    return pl.col(column).is_between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _classified_year(stays: pl.DataFrame, payments: pl.DataFrame, debt_cases: pl.DataFrame | None,
                     mapping: Mapping, year: int, places: pl.DataFrame | None = None):
    """The rows of year ``year`` (SPEC 1) and the stays and payments with their codes.

    One place for the year rule, the mapping and (_classified_stays) the nights of Y, shared by
    compute_tables and year_persons (the year-over-year flows), so the rules are written once."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    stays_y = stays.filter(stays_in_year(year))
    pays_y = payments.filter(dated_in_year("payment_date", year))
    debt_y = None if debt_cases is None else debt_cases.filter(dated_in_year("received_date", year))

    # Names of every extract in one lookup, so one error lists everything the mapping lacks.
    if places is None:
        places = pl.DataFrame(schema=schema.MEASURE_PLACES)
    places = places.filter(
        (pl.col("from_date") <= last) & (pl.col("to_date").is_null() | (pl.col("to_date") >= first))
    )
    names = [*_names(stays_y, "insats"), *_names(pays_y, "purpose"), *_names(places, "kod")]
    codes = lookup_codes(names, mapping)  # raises UnmappedNamesError

    stays_c = _classified_stays(stays_y, codes, year)
    pays_c = with_codes(pays_y, "purpose", codes, CODE_ENUM).with_columns(**_household_columns())
    return stays_y, pays_y, debt_y, stays_c, pays_c, places, codes


def _names(frame: pl.DataFrame, column: str) -> list[str]:
    return frame.get_column(column).unique(maintain_order=True).to_list()


def _classified_stays(stays_y, codes: dict[str, str], year: int):
    """The year's stays with kod, situation, nights in the year (a given ``nights`` wins) and
    household identity; a DataFrame or a LazyFrame, as given."""
    first, next_first = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    start_in_year = pl.max_horizontal(pl.col("start_date"), pl.lit(first))
    end_in_year = pl.min_horizontal(pl.col("end_date").fill_null(next_first), pl.lit(next_first))
    computed_nights = (end_in_year - start_in_year).dt.total_days().clip(lower_bound=0)
    return with_codes(stays_y, "insats", codes, CODE_ENUM).with_columns(
        nights_y=pl.coalesce(pl.col("nights"), computed_nights).cast(pl.Int64),
        **_household_columns(),
    )


def _acute_columns(keyed: bool) -> list[str]:
    columns = ["person", "hh_is_person", "hh_id", "children"]
    return [*columns, _KEY_PERSON, _KEY_HOUSEHOLD, _KEY_CHILDREN] if keyed else columns


def _acute_rows(counted: pl.DataFrame, pays_c: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """A(Y)'s rows (SPEC 6/8): situation-1 stays and situation-1 payments, the given columns;
    ``.unique()`` of person columns gives A(Y)'s persons once each."""
    return pl.concat(
        [
            counted.filter(pl.col("situation") == 1).select(cols),
            pays_c.filter(pl.col("situation") == 1).select(cols),
        ],
        how="vertical_relaxed",
    )


def year_persons(stays: pl.DataFrame, payments: pl.DataFrame, mapping: Mapping, year: int,
                 reference_date: dt.date | None = None, attributes: bool = True) -> dict[str, pl.DataFrame]:
    """The persons behind the year's tables, for following them across years (SPEC 8).

    ``acute``: person (and, with ``attributes``, sex, age_band) -- A(Y), exactly the persons of
    ``acute_persons_by_sex``; ``situations``: person, situation -- S1-S3(Y) as in
    ``persons_by_situation_sex_age`` (one row per person and situation); ``stays``: the counted
    stays of the year (person, kod, situation, start_date, end_date, nights_y); ``attributes``:
    person, sex, age_band of the persons of A(Y) (which holds S1), by the rule of the module
    docstring -- computed from all of their rows of the year, so they equal the year tables'.
    Without ``attributes`` (earlier years, which need only who was where) the frames need only
    person, household, insats/purpose, the dates and nights, and nothing about sex or age is
    computed: that is what keeps five years within twice one year's time."""
    ref = reference_date or dt.date(year, 12, 31)
    stays_y = stays.filter(stays_in_year(year))
    pays_y = payments.filter(dated_in_year("payment_date", year))
    # Every name of the year is looked up, so an unmapped one blocks exactly as in compute_tables.
    codes = lookup_codes([*_names(stays_y, "insats"), *_names(pays_y, "purpose")], mapping)
    # Only situation-1 payments count here (A(Y)): those whose purpose maps to situation 1, so
    # they need no classification of their own.
    acute_names = [name for name, code in codes.items() if taxonomy.situation_of(code) == 1]
    if not attributes:
        # One plan for the three frames, so Polars classifies the stays once for all of them
        # and runs them side by side: most of an earlier year's cost in a five-year report.
        counted_plan = _classified_stays(stays_y.lazy(), codes, year).filter(pl.col("situation").is_not_null())
        payers_plan = pays_y.lazy().filter(pl.col("purpose").is_in(acute_names)).select("person")
        acute, situations, stays_of_year = pl.collect_all(_persons_plans(counted_plan, payers_plan))
        return {"acute": acute, "situations": situations, "stays": stays_of_year, "attributes": _NO_ATTRIBUTES}
    counted = _classified_stays(stays_y, codes, year).filter(pl.col("situation").is_not_null())
    acute_payers = pays_y.filter(pl.col("purpose").is_in(acute_names)).select("person")
    acute, situations, stays_of_year = _persons_plans(counted, acute_payers)
    # Only A(Y)'s rows, but all of them (any code): a person's attributes depend on that
    # person's rows alone.
    attrs = _person_attributes(stays_y.join(acute, on="person", how="semi"),
                               pays_y.join(acute, on="person", how="semi"), ref)
    return _with_attributes(acute, situations, stays_of_year, attrs)


_NO_ATTRIBUTES = pl.DataFrame(schema={"person": pl.Int64, "sex": pl.Utf8, "age_band": pl.Utf8})


def _persons_plans(counted, acute_payers) -> tuple:
    """A(Y) (each person once), S1-S3(Y) (each person and situation once) and the counted stays'
    columns the flows read, from the year's counted stays and the persons of its situation-1
    payments; eager frames in, eager frames out, or lazy ones."""
    stays_1 = counted.filter(pl.col("situation") == 1).select("person")
    return (
        pl.concat([stays_1, acute_payers.select("person")]).unique(),
        counted.select("person", "situation").unique(),
        _counted_stays(counted),
    )


def _counted_stays(counted):
    return counted.select("person", "kod", "situation", "start_date", "end_date", "nights_y")


def _with_attributes(acute: pl.DataFrame, situations: pl.DataFrame, stays_of_year: pl.DataFrame,
                     attrs: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """year_persons' frames, given A(Y), S1-S3(Y), the counted stays and ``attrs``: sex and age
    band of (at least) every person of A(Y)."""
    attrs = attrs.join(acute, on="person", how="semi")
    return {
        "acute": acute.join(attrs, on="person", how="left"),
        "situations": situations,
        "stays": stays_of_year,
        "attributes": attrs,
    }

# --- building blocks ----------------------------------------------------------------------


def _household_columns() -> dict[str, pl.Expr]:
    # A household is (False, household) or (True, person): tagging keeps the two id spaces apart.
    return {
        "hh_is_person": pl.col("household").is_null(),
        "hh_id": pl.coalesce(pl.col("household"), pl.col("person")),
    }


def _person_attributes(stays_y: pl.DataFrame, pays_y: pl.DataFrame, ref: dt.date) -> pl.DataFrame:
    """person -> sex, age_band (rule in the module docstring).

    "Latest date, then smallest value" is a lexicographic maximum, so each candidate is packed
    into one integer key (date high, inverted value low) and a plain group_by max picks it:
    several times faster than sorting or filtering within groups on a million rows. The keys
    are computed over the rows before grouping, so the group_by only takes maxima of plain
    columns (Polars' fast path; an expression inside agg is evaluated group by group)."""
    parts = [stays_y.lazy().select("person", pl.col("start_date").alias("date"), "sex", "birth_date"),
             pays_y.lazy().select("person", pl.col("payment_date").alias("date"), "sex", "birth_date")]
    births = pl.concat(parts).select(low=pl.col("birth_date").min(), high=pl.col("birth_date").max())
    low, high = births.collect().row(0)
    if low is not None and (low < _BIRTH_MIN or high > _BIRTH_MAX):
        raise ValueError("Orimligt födelsedatum i underlaget (före år 600 eller efter år 3000).")
    day = pl.col("date").cast(pl.Int64) + _SHIFT  # positive for any date after year -900
    birth = pl.col("birth_date").cast(pl.Int64)
    candidate_keys = {
        "sex_key": pl.when(pl.col("sex") == "kvinna").then(day * 2 + 1).when(pl.col("sex") == "man").then(day * 2),
        "birth_key": day * _SHIFT + (_HALF - birth),  # null birth -> null key, ignored by max
    }
    keys = (
        pl.concat([part.select("person", **candidate_keys) for part in parts])
        .group_by("person").agg(pl.col("sex_key").max(), pl.col("birth_key").max())
        .collect()
    )
    sex = (
        pl.when(pl.col("sex_key").is_null())
        .then(pl.lit(UNKNOWN_SEX))
        .when(pl.col("sex_key") % 2 == 1)
        .then(pl.lit("kvinna"))
        .otherwise(pl.lit("man"))
    )
    birth_date = (_HALF - pl.col("birth_key") % _SHIFT).cast(pl.Int32).cast(pl.Date)
    # Step by step: nested expressions would be evaluated once per reference (no CSE here).
    return (
        keys.select("person", sex.alias("sex"), birth_date.alias("birth_date"))
        .with_columns(age=_age(pl.col("birth_date"), ref))
        .select("person", "sex", _age_band(pl.col("age")).alias("age_band"))
    )


_SHIFT = 1 << 20  # days; birth dates must lie within +-2**19 days of 1970 to pack losslessly
_HALF = _SHIFT // 2
_BIRTH_MIN = dt.date(600, 1, 1)
_BIRTH_MAX = dt.date(3000, 1, 1)


def _age(birth: pl.Expr, ref: dt.date) -> pl.Expr:
    # Same as taxonomy.age_at: the birthday has passed unless (month, day) is after ref's.
    not_yet = (birth.dt.month() > ref.month) | ((birth.dt.month() == ref.month) & (birth.dt.day() > ref.day))
    return (ref.year - birth.dt.year().cast(pl.Int64)) - not_yet.cast(pl.Int64)


def _age_band(age: pl.Expr) -> pl.Expr:
    lowers = taxonomy._AGE_BAND_LOWER
    # taxonomy.age_band puts anything below 18 (even a negative age) in the first band: the
    # bands are tried from the youngest, so they nest from the oldest outwards.
    expr = pl.lit(taxonomy.AGE_BANDS[-1])
    for upper, band in reversed(list(zip(lowers[1:], taxonomy.AGE_BANDS))):
        expr = pl.when(age < upper).then(pl.lit(band)).otherwise(expr)
    return pl.when(age.is_null()).then(pl.lit(taxonomy.AGE_BAND_UNKNOWN)).otherwise(expr)


def _group_measures(frame: pl.DataFrame, keys: list[str], sums: dict[str, str]) -> pl.DataFrame:
    """persons, households, children and the given sums per group (and their cell keys)."""
    keyed = _KEY_PERSON in frame.columns
    base = frame.group_by(keys).agg(
        persons=pl.col("person").n_unique(),
        **{out: pl.col(column).sum() for out, column in sums.items()},
        **({_ck("persons"): _distinct_person_keys()} if keyed else {}),
    )
    households = (
        frame.group_by([*keys, "hh_is_person", "hh_id"])
        .agg(
            pl.col("children").max().fill_null(0),
            *((pl.col(_KEY_HOUSEHOLD).first(), pl.col(_KEY_CHILDREN).first()) if keyed else ()),
        )
        .group_by(keys)
        .agg(
            households=pl.len(),
            children=pl.col("children").sum(),
            **({_ck("households"): _key_sum(_KEY_HOUSEHOLD), _ck("children"): _key_sum(_KEY_CHILDREN)}
               if keyed else {}),
        )
    )
    return base.join(households, on=keys, how="left")


# --- cell keys (only with record keys; see compute_tables) ---------------------------------

_KEY_PERSON, _KEY_HOUSEHOLD, _KEY_CHILDREN = "_rk_person", "_rk_household", "_rk_children"


def _ck(measure: str) -> str:
    return f"{measure}__cell_key"


def _key_sum(column: str) -> pl.Expr:
    # Integer sum mod 2**32: exact and independent of row order (cellkey.py).
    return pl.col(column).sum() % (1 << 32)


def _distinct_person_keys(condition: pl.Expr | None = None) -> pl.Expr:
    """Within a group: the sum of the record keys of the distinct persons (meeting ``condition``)."""
    person, key = pl.col("person"), pl.col(_KEY_PERSON)
    if condition is not None:
        person, key = person.filter(condition), key.filter(condition)
    return key.filter(person.is_first_distinct()).sum() % (1 << 32)


def _with_record_keys(frame: pl.DataFrame, record_keys: RecordKeys) -> pl.DataFrame:
    # A household is (hh_is_person, hh_id), so both parts go into its key; children get a
    # second, independent key of the same household, so their noise is not the households'.
    household = pl.format("{}:{}", pl.col("hh_is_person").cast(pl.Int8), pl.col("hh_id"))
    frame = record_keys.column(frame, "person", b"person", _KEY_PERSON)
    frame = record_keys.column(frame, household, b"household", _KEY_HOUSEHOLD)
    return record_keys.column(frame, household, b"children", _KEY_CHILDREN)


def _people_table(frame: pl.DataFrame, keys: list[str], table_id: str, title: str, note: str) -> Table:
    measures = ["persons", "households", "children", "nights", "cost"]
    data = _group_measures(frame, keys, {"nights": "nights_y", "cost": "cost"})
    return _table(table_id, title, keys, measures, data, note)


def _persons_by(frame: pl.DataFrame, keys: list[str], table_id: str, title: str, note: str) -> Table:
    keyed = {_ck("persons"): _distinct_person_keys()} if _KEY_PERSON in frame.columns else {}
    data = frame.group_by(keys).agg(persons=pl.col("person").n_unique(), **keyed)
    return _table(table_id, title, keys, ["persons"], data, note)


def _acute_by_sex(acute_attrs: pl.DataFrame) -> Table:
    """``acute_attrs``: A(Y), once per person (a person with a stay and a payment, or several
    payments, is one person), with sex and age band."""
    keyed = {_ck("persons"): _key_sum(_KEY_PERSON)} if _KEY_PERSON in acute_attrs.columns else {}
    data = acute_attrs.group_by("sex").agg(persons=pl.len(), **keyed)
    return _table(
        "acute_persons_by_sex", "Personer i akut hemlöshet per kön", ["sex"], ["persons"], data,
        "Personer med insats i situation 1 eller utbetalning till ett ändamål i situation 1 under året; "
        "den som har båda räknas en gång.",
    )


def _counted_payments(pays_c: pl.DataFrame) -> pl.DataFrame:
    """The payments the payment tables count: a standard code, and not one of NOT_COUNTED_CODES."""
    return pays_c.filter(pl.col("kod").is_not_null() & ~pl.col("kod").is_in(list(taxonomy.NOT_COUNTED_CODES)))


def _payments_table(counted: pl.DataFrame) -> Table:
    """``counted``: _counted_payments."""
    data = _group_measures(counted, ["kod"], {"amount": "amount", "nights": "nights"})
    return _table(
        "payments_by_purpose", "Utbetalningar av ekonomiskt bistånd per ändamål", ["kod"],
        ["persons", "households", "amount", "nights"], data,
        "Utbetalningar med utbetalningsdatum under året. Boendedygn enligt utdraget (saknas = 0).",
    )


def _debt_table(debt_y: pl.DataFrame, record_keys: RecordKeys | None = None) -> Table:
    cases = debt_y.get_column("case").n_unique()
    rent = debt_y.filter(pl.col("rent_debt").fill_null(False)).get_column("case").n_unique()
    row: dict[str, Any] = {"cases": int(cases), "rent_debt_cases": int(rent)}
    if record_keys is not None:
        from .protect.cellkey import CELL_KEYS, as_cell_key

        distinct = debt_y.select("case", "rent_debt").group_by("case").agg(pl.col("rent_debt").fill_null(False).any())
        keyed = record_keys.column(distinct, "case", b"case", "_rk")
        row[CELL_KEYS] = {
            "cases": as_cell_key(int(keyed.get_column("_rk").sum())),
            "rent_debt_cases": as_cell_key(int(keyed.filter(pl.col("rent_debt")).get_column("_rk").sum())),
        }
    # The single total row is kept even when zero: "no cases" is itself the figure.
    return Table(
        id="debt_counselling",
        title="Budget- och skuldrådgivning",
        dimensions=[],
        measures=["cases", "rent_debt_cases"],
        rows=[row],
        note="Ärenden som inkommit under året; varav ärenden med hyresskuld.",
    )


def _discharge_table(counted: pl.DataFrame, ref: dt.date) -> Table:
    horizon = taxonomy.add_months(ref, 3)
    planned = pl.col("planned_end_date")
    arranged = pl.col("arranged_after").str.strip_chars().str.to_lowercase()
    in_window = (planned > ref) & (planned <= horizon)
    ongoing = counted.filter(
        (pl.col("situation") == 2)
        & (pl.col("start_date") <= ref)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > ref))
    )
    person = pl.col("person")
    conditions = {
        "persons": in_window & (arranged == "nej"),
        "persons_unknown": in_window & (arranged.is_null() | ~arranged.is_in(["ja", "nej"])),
        "persons_overdue": (planned <= ref) & (arranged.is_null() | (arranged != "ja")),
    }
    keyed = (
        {_ck(m): _distinct_person_keys(c) for m, c in conditions.items()} if _KEY_PERSON in ongoing.columns else {}
    )
    data = ongoing.group_by("kod").agg(
        **{m: person.filter(c).n_unique() for m, c in conditions.items()},
        **keyed,
    )
    return _table(
        "discharge_risk_by_kod", "Personer som ska skrivas ut inom tre månader utan ordnat boende",
        ["kod"], ["persons", "persons_unknown", "persons_overdue"], data,
        f"Personer i situation 2 som bor kvar den {ref.isoformat()} med planerat slutdatum till och med "
        f"{horizon.isoformat()} och utan ordnat boende efter ('nej'); okänt om ordnat boende redovisas för sig, "
        "liksom de som bor kvar efter planerat slutdatum utan ordnat boende.",
    )


def _age_group(band: pl.Expr) -> pl.Expr:
    return band.replace_strict(AGE_GROUP_OF_BAND, default=taxonomy.AGE_BAND_UNKNOWN, return_dtype=pl.Utf8)


def _discharge_conditions(ref: dt.date) -> dict[str, pl.Expr]:
    horizon = taxonomy.add_months(ref, 3)
    planned = pl.col("planned_end_date")
    arranged = pl.col("arranged_after").str.strip_chars().str.to_lowercase()
    in_window = (planned > ref) & (planned <= horizon)
    return {
        "persons": in_window & (arranged == "nej"),
        "persons_unknown": in_window & (arranged.is_null() | ~arranged.is_in(["ja", "nej"])),
        "persons_overdue": (planned <= ref) & (arranged.is_null() | (arranged != "ja")),
    }


def _ongoing_situation_2(counted: pl.DataFrame, ref: dt.date) -> pl.DataFrame:
    return counted.filter(
        (pl.col("situation") == 2)
        & (pl.col("start_date") <= ref)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > ref))
    )


def _discharge_total(counted: pl.DataFrame, ref: dt.date) -> Table:
    """Distinct persons over all codes (q2 cannot be read from per-code cells, mostly hidden)."""
    ongoing = _ongoing_situation_2(counted, ref)
    conditions = _discharge_conditions(ref)
    person = pl.col("person")
    keyed = _KEY_PERSON in ongoing.columns
    data = ongoing.select(
        **{m: person.filter(c).n_unique() for m, c in conditions.items()},
        **({_ck(m): _distinct_person_keys(c) for m, c in conditions.items()} if keyed else {}),
    ).to_dicts()[0]
    row: dict[str, Any] = {m: int(data[m] or 0) for m in conditions}
    if keyed:
        row["_cell_keys"] = {m: (int(data[_ck(m)] or 0) % (1 << 32)) / (1 << 32) for m in conditions}
    # The single total row is kept even when zero: "nobody at risk" is itself the answer to q2.
    return Table(
        id="discharge_risk_total", title="Personer som riskerar att skrivas ut utan ordnat boende, totalt",
        dimensions=[], measures=list(conditions), rows=[row],
        note="Samma regel som per boendeform, men varje person räknas en gång oavsett boendeform.",
    )


def _household_level(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row per household of each group: its largest antal_barn in the group (and keys)."""
    keyed = _KEY_PERSON in frame.columns
    return frame.group_by([*keys, "hh_is_person", "hh_id"]).agg(
        pl.col("children").max().fill_null(0),
        *((pl.col(_KEY_HOUSEHOLD).first(), pl.col(_KEY_CHILDREN).first()) if keyed else ()),
    )


def _with_children_measures(households: pl.DataFrame, keys: list[str], keyed: bool) -> pl.DataFrame:
    with_children = pl.col("children") > 0
    aggs = {
        "households": pl.len(),
        "households_with_children": with_children.sum(),
        "children": pl.col("children").sum(),
    }
    if keyed:
        aggs |= {
            _ck("households"): _key_sum(_KEY_HOUSEHOLD),
            _ck("households_with_children"): pl.col(_KEY_HOUSEHOLD).filter(with_children).sum() % (1 << 32),
            _ck("children"): _key_sum(_KEY_CHILDREN),
        }
    if keys:
        return households.group_by(keys).agg(**aggs)
    return households.select(**aggs)


def _households_with_children(counted: pl.DataFrame) -> Table:
    keys = ["situation", "kod"]
    keyed = _KEY_PERSON in counted.columns
    data = _with_children_measures(_household_level(counted, keys), keys, keyed)
    return _table(
        "households_with_children_by_kod", "Barnhushåll per boendeform", keys,
        ["households_with_children", "children"], data,
        "Hushåll där minst ett barn under 18 år har bott med under året (största antal barn som angetts "
        "för hushållet), och antalet barn i dem. Barnen är samma som i tabellen över personer per boendeform.",
    )




def _acute_by_sex_age(acute_attrs: pl.DataFrame) -> Table:
    keyed = {_ck("persons"): _key_sum(_KEY_PERSON)} if _KEY_PERSON in acute_attrs.columns else {}
    data = acute_attrs.group_by("sex", "age_band").agg(persons=pl.len(), **keyed)
    return _table(
        "acute_persons_by_sex_age", "Personer i akut hemlöshet per kön och ålder", ["sex", "age_band"], ["persons"],
        data,
        "Samma personer som i tabellen över akut hemlöshet per kön (insats eller utbetalning i situation 1, "
        "en gång per person), fördelade på ålder.",
    )


def _acute_households(rows: pl.DataFrame) -> Table:
    """``rows``: A(Y)'s rows (_acute_rows) with _acute_columns."""
    keyed = _KEY_PERSON in rows.columns
    persons = rows.select(persons=pl.col("person").n_unique(),
                          **({_ck("persons"): _distinct_person_keys()} if keyed else {}))
    households = _with_children_measures(_household_level(rows, []), [], keyed)
    data = pl.concat([persons, households], how="horizontal").to_dicts()[0]
    measures = ["persons", "households", "households_with_children", "children"]
    row: dict[str, Any] = {m: int(data[m] or 0) for m in measures}
    if keyed:
        row["_cell_keys"] = {m: (int(data[_ck(m)] or 0) % (1 << 32)) / (1 << 32) for m in measures}
    return Table(
        id="acute_households", title="Hushåll i akut hemlöshet", dimensions=[], measures=measures, rows=[row],
        note="Personer och hushåll med insats eller utbetalning i situation 1 under året, var och en en gång; "
             "barnhushåll och barn enligt största antal barn som angetts för hushållet.",
    )


def _payments_by_attribute(counted: pl.DataFrame, attrs: pl.DataFrame) -> list[Table]:
    """``counted``: _counted_payments."""
    with_attrs = counted.drop("sex", "birth_date").join(attrs, on="person", how="left").with_columns(
        age_group=_age_group(pl.col("age_band"))
    )
    return [
        _persons_by(with_attrs, ["kod", "sex"], "payments_by_purpose_sex",
                    "Personer med utbetalningar per ändamål och kön",
                    "Varje person räknas en gång per ändamål. Kön enligt personens senaste uppgift under året."),
        _persons_by(with_attrs, ["kod", "age_group"], "payments_by_purpose_age",
                    "Personer med utbetalningar per ändamål och åldersgrupp",
                    "Varje person räknas en gång per ändamål, i grova åldersgrupper."),
    ]


# --- rows -----------------------------------------------------------------------------------

_ORDER: dict[str, dict[Any, int]] = {
    "kod": {code: i for i, code in enumerate(taxonomy.STANDARD_CODES)},
    "sex": {sex: i for i, sex in enumerate(taxonomy.SEXES)},
    "age_band": {band: i for i, band in enumerate((*taxonomy.AGE_BANDS, taxonomy.AGE_BAND_UNKNOWN))},
    "age_group": {group: i for i, group in enumerate(AGE_GROUPS)},
}


def _sort_key(row: dict[str, Any], dimensions: list[str]) -> tuple:
    key = []
    for d in dimensions:
        order = _ORDER.get(d)
        value = row[d]
        key.append((order.get(value, len(order)), str(value)) if order is not None else (value, ""))
    return tuple(key)


def round_kronor(value: float | int | None) -> int:
    """Whole kronor, halves rounded up (not banker's rounding)."""
    return 0 if value is None else int(math.floor(value + 0.5))


def _table(table_id: str, title: str, dimensions: list[str], measures: list[str], data: pl.DataFrame,
           note: str) -> Table:
    rows = []
    key_columns = {m: _ck(m) for m in measures if _ck(m) in data.columns}
    for raw in data.to_dicts():
        row = {d: raw[d] for d in dimensions}
        for m in measures:
            row[m] = round_kronor(raw[m]) if m in taxonomy.MONEY_MEASURES else int(raw[m] or 0)
        if any(row[m] != 0 for m in measures):
            if key_columns:
                row["_cell_keys"] = {m: (int(raw[c] or 0) % (1 << 32)) / (1 << 32) for m, c in key_columns.items()}
            rows.append(row)
    rows.sort(key=lambda r: _sort_key(r, dimensions))
    return Table(id=table_id, title=title, dimensions=dimensions, measures=measures, rows=rows, note=note)
