"""Occupancy per facility (SPEC 9): internal, for the coordinator's data-quality page only.

The published figure is ``occupancy_by_kod`` (per code, under disclosure control); per
facility the numbers describe a handful of identifiable places and are never published."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from boendeinventering.core import taxonomy
from boendeinventering.core.classify import lookup_codes
from boendeinventering.core.occupancy import by_facility
from boendeinventering.services.mapping import current_mapping


@dataclass(frozen=True)
class FacilityOccupancy:
    facility: str
    kod: str | None
    code_name: str
    places: int
    place_nights: int
    nights: int
    persons: int
    occupancy: float


def facility_occupancy(year: int) -> list[FacilityOccupancy]:
    """One row per registered facility and code, sorted by code then name; [] without a
    register. Raises UnmappedNamesError when a register code is not mapped."""
    from boendeinventering.services.figures import load_year

    data = load_year(year)
    places = data.places if data.places is not None else pl.DataFrame()
    if places.height == 0:
        return []
    codes = lookup_codes(places.get_column("kod").unique(maintain_order=True).to_list(), current_mapping())
    nights = _stay_nights(data.stays, year)
    rows = by_facility(nights, places, codes, year).filter(pl.col("place_nights") > 0)
    return [
        FacilityOccupancy(
            facility=r["facility"], kod=r["kod"], code_name=taxonomy.CODE_NAMES_SV.get(r["kod"] or "", r["kod"] or ""),
            places=r["places"], place_nights=r["place_nights"], nights=r["nights"], persons=r["persons"],
            occupancy=r["occupancy"],
        )
        for r in rows.to_dicts()
    ]


def _stay_nights(stays: pl.DataFrame, year: int) -> pl.DataFrame:
    """The year's stays with ``nights_y`` as SPEC 1 defines it (a given boendedygn wins)."""
    import datetime as dt

    first, next_first = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    start = pl.max_horizontal(pl.col("start_date"), pl.lit(first))
    end = pl.min_horizontal(pl.col("end_date").fill_null(next_first), pl.lit(next_first))
    computed = (end - start).dt.total_days().clip(lower_bound=0)
    return stays.with_columns(nights_y=pl.coalesce(pl.col("nights"), computed).cast(pl.Int64))
