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
