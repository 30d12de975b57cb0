"""The report model: figures as tables of rows, independent of any output format.

A ``Table`` is what every exporter writes and what disclosure control protects. Rows are plain
dicts holding the dimension values and the measure values; a protected table's suppressed
cells hold ``None`` and the row lists their measures under ``"suppressed"`` (SPEC 6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    id: str
    title: str  # Swedish, for people
    dimensions: list[str]
    measures: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""  # Swedish footnote, e.g. what is counted

    def key(self, row: dict[str, Any]) -> tuple:
        return tuple(row[d] for d in self.dimensions)

    def suppressed_cells(self) -> list[tuple[tuple, str]]:
        return [(self.key(r), m) for r in self.rows for m in r.get("suppressed", ())]


@dataclass
class Figure:
    """One figure that prose states: a cell of one of the report's tables, as the report holds it.

    Answers and signals may only state figures that are cells of the (audited) report, so a
    protected export never states a number that disclosure control has not seen (SPEC 10)."""

    table: str
    key: dict[str, Any]  # the row's dimension values
    measure: str
    value: Any  # as published: None where suppressed


@dataclass
class Answer:
    """The report's answer to one of the method support's ten questions (SPEC 10)."""

    id: str  # q1 … q10
    question: str  # Swedish, as in the method support
    status: str  # answered | partly | no_data
    text: str  # Swedish prose from reviewed templates; states only `figures`
    tables: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # insatser, utbetalningar, …, form:<slug>
    caveats: list[str] = field(default_factory=list)  # Swedish
    figures: list[Figure] = field(default_factory=list)
    comment: str = ""  # the coordinator's comment, printed with the answer


@dataclass
class Signal:
    """A needs signal: a transparent rule that fired, with its evidence. A signal, not a decision."""

    id: str  # e.g. "children_in_hotels"
    title: str  # Swedish
    text: str  # Swedish: what was found
    rule: str  # Swedish: the rule and its threshold, as set
    evidence: list[Figure] = field(default_factory=list)
    status: str = "open"  # open | commented | dismissed
    comment: str = ""  # the coordinator's comment, printed in the report
    history: list[int] = field(default_factory=list)  # earlier years it fired (year over year)


@dataclass
class Recommendation:
    """Whether to complement the inventory with a local survey or a social report, and why."""

    advice: str  # "inventering_racker" | "lokal_kartlaggning" | "social_rapport"
    text: str  # Swedish
    reasons: list[str] = field(default_factory=list)  # Swedish


@dataclass
class Report:
    kommun: str
    year: int
    reference_date: dt.date
    tables: dict[str, Table]
    protected: bool = False
    # method notes shown in every output (threshold, width, what was done), Swedish
    method_notes: list[str] = field(default_factory=list)
    quality: Table | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    # The method's purpose (SPEC 10): built from this report's own (protected) cells.
    answers: list[Answer] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    recommendation: Recommendation | None = None
    introduction: str = ""  # written by the coordinator in the web app
    conclusions: str = ""  # written by the coordinator in the web app
    # The day the coordinator published this report; None = a preview, marked "EJ PUBLICERAD".
    published: dt.date | None = None
