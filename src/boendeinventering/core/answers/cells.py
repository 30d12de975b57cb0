"""Reading published cells of a (protected) report and stating them in Swedish prose.

Answers and signals state figures only through ``Cells``: every number they print is a cell of the
report as published (or, for q1, the sum of a table's cells when every one of them is published),
and a suppressed cell is stated as "uppgift dold av röjandeskäl", never as a bound such as "färre
än 5": the audit guarantees that a hidden count can only be narrowed to an interval at least 5
wide, and a bound in prose would narrow it further.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from ..report.labels import format_number_sv
from ..tables import Figure, Report, Table

HIDDEN_SV = "uppgift dold av röjandeskäl"
TOTAL_KEY = "*"  # a Figure's key value for "summed over this dimension" (q1's A(Y))


class Cells:
    """The report's cells, and the figures an answer or a signal has stated so far."""

    def __init__(self, report: Report):
        self.report = report
        self.stated: list[Figure] = []

    def table(self, tid: str) -> Table | None:
        return self.report.tables.get(tid)

    def has(self, tid: str, *measures: str) -> bool:
        t = self.table(tid)
        return t is not None and all(m in t.measures for m in measures)

    def figure(self, tid: str, measure: str, **key: Any) -> Figure | None:
        """The cell, or None when the table or measure is absent. An absent row of a present
        table is a published zero (rows of zeros may be left out, SPEC 6)."""
        t = self.table(tid)
        if t is None or measure not in t.measures:
            return None
        for row in t.rows:
            if all(row.get(d) == key.get(d) for d in t.dimensions):
                value = None if measure in row.get("suppressed", ()) else row.get(measure)
                return Figure(tid, {d: row.get(d) for d in t.dimensions}, measure, value)
        return Figure(tid, {d: key.get(d) for d in t.dimensions}, measure, 0)

    def rows(self, tid: str, **where: Any) -> list[dict]:
        t = self.table(tid)
        if t is None:
            return []
        return [r for r in t.rows if all(r.get(k) == v for k, v in where.items())]

    def total(self, tid: str, measure: str) -> Figure | None:
        """The sum of a table's cells, as a figure, when every cell is published; else None.

        Safe to state: it is a sum of published numbers (anyone can add them up)."""
        t = self.table(tid)
        if t is None or measure not in t.measures:
            return None
        values = []
        for row in t.rows:
            if measure in row.get("suppressed", ()) or row.get(measure) is None:
                return None
            values.append(row[measure])
        return Figure(tid, {d: TOTAL_KEY for d in t.dimensions}, measure, sum(values))

    def say(self, fig: Figure | None, unit: str = "", *, zero: str | None = None) -> str:
        """The figure as Swedish text, recorded as stated ("1 206 personer", "inga", hidden)."""
        if fig is None:
            return "uppgift saknas"
        self.stated.append(fig)
        if fig.value is None:
            return f"ett antal {unit} (dolt av röjandeskäl)" if unit else HIDDEN_SV
        if fig.value == 0 and zero is not None:
            return zero
        number = format_number_sv(fig.value)
        return f"{number} {unit}".strip()

    def take(self) -> list[Figure]:
        out, self.stated = self.stated, []
        return out


def published(fig: Figure | None) -> TypeGuard[Figure]:
    return fig is not None and fig.value is not None


def positive(fig: Figure | None) -> TypeGuard[Figure]:
    """The cell is known to be at least 1: published above zero, or hidden (zero is always published)."""
    return fig is not None and (fig.value is None or fig.value > 0)


def code_name(kod: str) -> str:
    """A housing code's Swedish name inside a sentence: "hotell", but "HVB" and the method's name
    "Bostad först" stay as they are."""
    from ..taxonomy import CODE_NAMES_SV

    name = CODE_NAMES_SV.get(str(kod), str(kod))
    if name[:2].isupper() or kod == "bostad_forst":
        return name
    return name[:1].lower() + name[1:]


def join_sv(parts: list[str], conjunction: str = "och") -> str:
    """'a, b och c' (or 'a, b eller c')."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {conjunction} " + parts[-1]
