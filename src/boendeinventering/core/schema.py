"""Canonical frames passed between the stages (ingest -> classify -> measure -> protect -> report).

Two shapes per extract kind:

* VALIDATED_*: what ingest returns after reading and validating a file. It still holds the
  normalised identifiers in memory (``person_id`` normalised to 12 digits for personnummer,
  trimmed text otherwise); the pseudonymise step replaces them by keys before anything is
  stored. Every frame carries ``row_no``: the row number as the user sees it in Excel (header is
  row 1, first data row is row 2) and ``row_hash``: a digest of the row's normalised content,
  used to report identical rows within a file and overlap between imports.

* MEASURE_*: what the measures read back from storage. Identifiers are opaque integers
  (surrogates for keyed pseudonyms); measures must not care what they are.
"""

from __future__ import annotations

import polars as pl
from polars.datatypes import DataTypeClass

# A column's type as the frames below name it: the class (pl.Int64) or an instance (pl.Datetime("us")).
DType = DataTypeClass | pl.DataType

VALIDATED_STAYS: dict[str, DType] = {
    "row_no": pl.Int64,
    "row_hash": pl.Utf8,
    "person_id": pl.Utf8,  # normalised; never stored
    "id_kind": pl.Utf8,  # "pnr" (personnummer/samordningsnummer) | "annat"
    "sex": pl.Utf8,  # kvinna | man | okänt
    "birth_date": pl.Date,  # from the number, or 1 January of fodelsear; null if unknown
    "unit": pl.Utf8,
    "insats": pl.Utf8,  # local name as imported
    "boende": pl.Utf8,
    "decision_date": pl.Date,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "planned_end_date": pl.Date,
    "arranged_after": pl.Utf8,  # "ja" | "nej" | null
    "household_id": pl.Utf8,  # as given; never stored raw
    "children": pl.Int64,
    "nights": pl.Int64,  # given boendedygn, null if absent
    "cost": pl.Float64,
}

VALIDATED_PAYMENTS: dict[str, DType] = {
    "row_no": pl.Int64,
    "row_hash": pl.Utf8,
    "person_id": pl.Utf8,
    "id_kind": pl.Utf8,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "household_id": pl.Utf8,
    "children": pl.Int64,
    "payment_date": pl.Date,
    "amount": pl.Float64,
    "purpose": pl.Utf8,  # andamal, local name as imported
    "nights": pl.Int64,
    "unit": pl.Utf8,
}

VALIDATED_DEBT_CASES: dict[str, DType] = {
    "row_no": pl.Int64,
    "row_hash": pl.Utf8,
    "case_id": pl.Utf8,
    "person_id": pl.Utf8,  # may be null
    "id_kind": pl.Utf8,  # null when person_id is null
    "received_date": pl.Date,
    "rent_debt": pl.Boolean,
}

MEASURE_STAYS: dict[str, DType] = {
    "person": pl.Int64,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "unit": pl.Utf8,
    "insats": pl.Utf8,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "planned_end_date": pl.Date,
    "arranged_after": pl.Utf8,
    "household": pl.Int64,  # null = the person is their own household
    "children": pl.Int64,
    "nights": pl.Int64,
    "cost": pl.Float64,
}

MEASURE_PAYMENTS: dict[str, DType] = {
    "person": pl.Int64,
    "sex": pl.Utf8,
    "birth_date": pl.Date,
    "household": pl.Int64,
    "children": pl.Int64,
    "payment_date": pl.Date,
    "amount": pl.Float64,
    "purpose": pl.Utf8,
    "nights": pl.Int64,
    "unit": pl.Utf8,
}

MEASURE_DEBT_CASES: dict[str, DType] = {
    "case": pl.Int64,
    "person": pl.Int64,
    "received_date": pl.Date,
    "rent_debt": pl.Boolean,
}

# The register of places (SPEC 9): facilities, not persons, so there is nothing to pseudonymise
# and the validated and stored shapes are the same columns.
VALIDATED_PLACES: dict[str, DType] = {
    "row_no": pl.Int64,
    "row_hash": pl.Utf8,
    "boende": pl.Utf8,  # the facility's name, as in insatser's boende (or insats)
    "kod": pl.Utf8,  # a standard code or a mapped local name, as imported
    "places": pl.Int64,
    "from_date": pl.Date,
    "to_date": pl.Date,  # inclusive; null = still in force
}

MEASURE_PLACES: dict[str, DType] = {
    "boende": pl.Utf8,
    "kod": pl.Utf8,
    "places": pl.Int64,
    "from_date": pl.Date,
    "to_date": pl.Date,
}

VALIDATED = {"insatser": VALIDATED_STAYS, "utbetalningar": VALIDATED_PAYMENTS, "skuldradgivning": VALIDATED_DEBT_CASES,
             "platser": VALIDATED_PLACES}
MEASURE = {"insatser": MEASURE_STAYS, "utbetalningar": MEASURE_PAYMENTS, "skuldradgivning": MEASURE_DEBT_CASES,
           "platser": MEASURE_PLACES}


def empty(schema: dict[str, DType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
