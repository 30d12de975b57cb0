"""The four standard extracts (SPEC 5): their columns, which are required, and their types.

``target`` is the column's name in the validated frame (core/schema.py VALIDATED_*); columns
without a target (id_typ, kon, fodelsear) feed derived columns (id_kind, sex, birth_date).
"""

from __future__ import annotations

from dataclasses import dataclass

# column types
PERSON = "person_id"  # personnummer/samordningsnummer or another id (id_typ says which)
ID = "id"  # an identifier kept as given (hushall_id, arende_id); masked in messages
TEXT = "text"
ID_TYPE = "id_type"
SEX = "sex"
YEAR = "year"
DATE = "date"
INTEGER = "integer"
DECIMAL = "decimal"
YES_NO = "yes_no"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    target: str | None = None
    non_negative: bool = False


@dataclass(frozen=True)
class Extract:
    kind: str
    title: str  # Swedish, for messages
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _person_columns() -> tuple[Column, ...]:
    return (
        Column("person_id", PERSON, required=True, target="person_id"),
        Column("id_typ", ID_TYPE),
        Column("kon", SEX),
        Column("fodelsear", YEAR),
    )


INSATSER = Extract(
    "insatser",
    "insatser",
    _person_columns()
    + (
        Column("enhet", TEXT, required=True, target="unit"),
        Column("insats", TEXT, required=True, target="insats"),
        Column("boende", TEXT, target="boende"),
        Column("beslutsdatum", DATE, target="decision_date"),
        Column("startdatum", DATE, required=True, target="start_date"),
        Column("slutdatum", DATE, target="end_date"),
        Column("planerat_slutdatum", DATE, target="planned_end_date"),
        Column("ordnat_boende_efter", YES_NO, target="arranged_after"),
        Column("hushall_id", ID, target="household_id"),
        Column("antal_barn", INTEGER, target="children", non_negative=True),
        Column("boendedygn", INTEGER, target="nights", non_negative=True),
        Column("kostnad", DECIMAL, target="cost", non_negative=True),
    ),
)

UTBETALNINGAR = Extract(
    "utbetalningar",
    "utbetalningar",
    _person_columns()
    + (
        Column("hushall_id", ID, target="household_id"),
        Column("antal_barn", INTEGER, target="children", non_negative=True),
        Column("utbetalningsdatum", DATE, required=True, target="payment_date"),
        Column("belopp", DECIMAL, required=True, target="amount", non_negative=True),
        Column("andamal", TEXT, required=True, target="purpose"),
        Column("boendedygn", INTEGER, target="nights", non_negative=True),
        Column("enhet", TEXT, target="unit"),
    ),
)

SKULDRADGIVNING = Extract(
    "skuldradgivning",
    "skuldrådgivning",
    (
        Column("arende_id", ID, required=True, target="case_id"),
        Column("person_id", PERSON, target="person_id"),
        Column("inkommet_datum", DATE, required=True, target="received_date"),
        Column("hyresskuld", YES_NO, required=True, target="rent_debt"),
    ),
)

# The register of places (SPEC 9): the municipality's own facilities, no persons.
PLATSER = Extract(
    "platser",
    "platser",
    (
        Column("boende", TEXT, required=True, target="boende"),
        Column("kod", TEXT, required=True, target="kod"),
        Column("platser", INTEGER, required=True, target="places", non_negative=True),
        Column("fran_datum", DATE, required=True, target="from_date"),
        Column("till_datum", DATE, target="to_date"),
    ),
)

EXTRACTS: dict[str, Extract] = {e.kind: e for e in (INSATSER, UTBETALNINGAR, SKULDRADGIVNING, PLATSER)}

# Columns whose values are identifiers: always masked as a personnummer in messages.
ID_COLUMNS = frozenset({"person_id", "hushall_id", "arende_id"})
