"""Places and occupancy (beläggning), SPEC 9.

The ``platser`` register lists the municipality's own facilities: name (``boende``), code
(standard or a mapped local name), places and the dates they were in force. A stay is *at* a
facility when its ``boende`` equals the facility's name or, where ``boende`` is empty, its
``insats`` does (trimmed, case-insensitive). Place-nights of a register row in Y = places ×
days from max(fran_datum, Y-01-01) to min(till_datum + 1 day, Y+1-01-01).

``by_facility`` is internal (the coordinator's data-quality page); ``occupancy_table`` is the
published ``occupancy_by_kod`` (codes of situations 1–3 only: a facility outside the inventory
has nothing published to stand beside), which disclosure control protects (its nights describe
the persons at the code's facilities; see core/protect/suppress.MagnitudeRule).
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from . import taxonomy
from .schema import DType
from .tables import Table

__all__ = ["by_facility", "occupancy_percent", "occupancy_table", "place_nights"]


def _key(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.to_lowercase()


def place_nights(places: pl.DataFrame, year: int) -> pl.Expr:
    """Place-nights in ``year`` of each register row (SPEC 9)."""
    first, next_first = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    start = pl.max_horizontal(pl.col("from_date"), pl.lit(first))
    end = pl.min_horizontal(
        (pl.col("to_date") + pl.duration(days=1)).fill_null(pl.lit(next_first)), pl.lit(next_first)
    )
    days = (end - start).dt.total_days().clip(lower_bound=0)
    return (pl.col("places").cast(pl.Int64) * days).cast(pl.Int64)


def occupancy_percent(nights: int, place_nights_: int) -> float:
    """100 × nights / place-nights to one decimal, halves up; 0.0 without place-nights."""
    if not place_nights_:
        return 0.0
    return math.floor(1000.0 * nights / place_nights_ + 0.5) / 10.0


def by_facility(stays: pl.DataFrame, places: pl.DataFrame, codes: dict[str, str], year: int) -> pl.DataFrame:
    """One row per (facility, code): facility (name as first registered), kod, places (in
    force at the year's end, else the last row's), place_nights, nights, persons, occupancy.

    ``stays``: the year's stays with ``person``, ``insats``, ``nights_y`` and (optionally)
    ``boende``; ``codes``: register kod value -> standard code (classify.lookup_codes)."""
    schema: dict[str, DType] = {"facility": pl.Utf8, "kod": pl.Utf8, "places": pl.Int64, "place_nights": pl.Int64,
              "nights": pl.Int64, "persons": pl.Int64, "occupancy": pl.Float64}
    if places.height == 0:
        return pl.DataFrame(schema=schema)
    last = dt.date(year, 12, 31)
    register = places.with_columns(
        facility_key=_key(pl.col("boende")),
        kod=pl.col("kod").replace_strict(codes, default=None, return_dtype=pl.Utf8),
        place_nights=place_nights(places, year),
        in_force=(pl.col("from_date") <= last) & (pl.col("to_date").is_null() | (pl.col("to_date") >= last)),
    )
    per_facility = (
        register.sort("from_date")
        .group_by("facility_key", "kod", maintain_order=True)
        .agg(
            facility=pl.col("boende").first().str.strip_chars(),
            place_nights=pl.col("place_nights").sum(),
            places=pl.when(pl.col("in_force").any())
            .then(pl.col("places").filter(pl.col("in_force")).sum())
            .otherwise(pl.col("places").last()),
        )
    )
    boende = pl.col("boende") if "boende" in stays.columns else pl.lit(None, dtype=pl.Utf8)
    at = stays.select(
        "person", "nights_y",
        facility_key=pl.when(boende.str.strip_chars().str.len_chars() > 0).then(_key(boende))
        .otherwise(_key(pl.col("insats"))),
    )
    used = (
        at.join(per_facility.select("facility_key", "kod"), on="facility_key", how="inner")
        .group_by("facility_key", "kod")
        .agg(nights=pl.col("nights_y").sum().cast(pl.Int64), persons=pl.col("person").n_unique().cast(pl.Int64))
    )
    out = per_facility.join(used, on=["facility_key", "kod"], how="left").with_columns(
        pl.col("nights").fill_null(0), pl.col("persons").fill_null(0)
    )
    out = out.with_columns(
        occupancy=pl.struct("nights", "place_nights").map_elements(
            lambda r: occupancy_percent(r["nights"], r["place_nights"]), return_dtype=pl.Float64
        )
    )
    return out.select(list(schema)).cast(pl.Schema(schema)).sort("kod", "facility")


def occupancy_table(stays: pl.DataFrame, places: pl.DataFrame, codes: dict[str, str], year: int) -> Table:
    """The published ``occupancy_by_kod``: place_nights, nights, occupancy per register code.

    Each row also carries ``_population`` (distinct persons of its stays, private, never
    exported): disclosure control hides the row's nights and occupancy when it is 1..4."""
    rows = []
    if places.height:
        facilities = by_facility(stays, places, codes, year)
        boende = pl.col("boende") if "boende" in stays.columns else pl.lit(None, dtype=pl.Utf8)
        at = stays.select(
            "person",
            facility_key=pl.when(boende.str.strip_chars().str.len_chars() > 0).then(_key(boende))
            .otherwise(_key(pl.col("insats"))),
        )
        register = places.select(facility_key=_key(pl.col("boende")),
                                 kod=pl.col("kod").replace_strict(codes, default=None, return_dtype=pl.Utf8)).unique()
        persons = dict(
            at.join(register, on="facility_key", how="inner").group_by("kod")
            .agg(pl.col("person").n_unique()).iter_rows()
        )
        per_code = facilities.group_by("kod").agg(pl.col("place_nights").sum(), pl.col("nights").sum())
        for kod, pn, nights in per_code.iter_rows():
            if kod is None or taxonomy.situation_of(kod) is None or (pn == 0 and nights == 0):
                continue
            rows.append({"kod": kod, "place_nights": int(pn), "nights": int(nights),
                         "occupancy": occupancy_percent(int(nights), int(pn)),
                         "_population": int(persons.get(kod, 0))})
    order = {code: i for i, code in enumerate(taxonomy.STANDARD_CODES)}
    rows.sort(key=lambda r: order.get(r["kod"], len(order)))
    return Table(
        id="occupancy_by_kod",
        title="Beläggning per boendeform",
        dimensions=["kod"],
        measures=["place_nights", "nights", "occupancy"],
        rows=rows,
        note="Kommunens egna boenden enligt platsregistret. Platsdygn = platser × dagar under året; "
             "boendedygn = dygn under året för insatser på boendet (kolumnen boende, annars insats); "
             "beläggning = 100 × boendedygn / platsdygn, avrundat till en decimal (kan vara över 100).",
    )
