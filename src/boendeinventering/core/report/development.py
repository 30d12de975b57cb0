"""The chapter "Utveckling över tid": the main figures beside last year's, and the trend.

Everything here reads the published cells of the year-over-year tables (core/flows.py:
``acute_trend``, ``trend_by_situation``) and nothing else, so a hidden cell stays hidden: the
change and the change-vs-chance verdict are computed only where both years' cells are published
(a difference of a published and a hidden count would narrow the hidden one), and the verdict
comes from ``flows.change_between`` on the published values.
"""

from __future__ import annotations

from dataclasses import dataclass

from boendeinventering.core.report.labels import cell_value, format_number_sv
from boendeinventering.core.tables import Report

# (label, table, key) of the main figures, in reading order.
MAIN_FIGURES: tuple[tuple[str, str, dict], ...] = (
    ("Personer i akut hemlöshet (situation 1, insatser och utbetalningar)", "acute_trend", {}),
    ("Personer med insats i situation 1, akut hemlöshet", "trend_by_situation", {"situation": 1}),
    ("Personer i situation 2, institution och stödboende", "trend_by_situation", {"situation": 2}),
    ("Personer i situation 3, långsiktiga boendelösningar", "trend_by_situation", {"situation": 3}),
)
FLOW_TABLES = ("acute_inflow", "acute_outflow", "acute_length_of_stay", "acute_length_of_stay_by_sex",
               "acute_length_of_stay_by_age")
# Evictions year by year (the units' forms and Kronofogden's statistics): the chapter's last section.
EVICTION_TABLES = ("form_avhysning_by_year", "kronofogden_by_year")
EVICTION_HEADING = "Avhysningar år för år"
NO_COMPARISON = "ingen jämförelse"
# A hidden value in the comparison is a word, not the tables' "–": the cell itself is shown (as
# "–") once, in its own table, so every output has exactly one dash per hidden cell.
HIDDEN_WORD = "dold"
NOT_COMPUTED = "kan inte beräknas"


@dataclass(frozen=True)
class Change:
    label: str
    previous: int | None  # None: hidden, or no data that year
    current: int | None
    verdict: str  # "ökning" | "minskning" | "osäker förändring" | "ingen jämförelse"

    @property
    def difference(self) -> int | None:
        return None if self.previous is None or self.current is None else self.current - self.previous


def trend_years(report: Report) -> list[int]:
    """The years the trend tables show (Y and up to four earlier years with data), ascending."""
    table = report.tables.get("acute_trend") or report.tables.get("trend_by_situation")
    if table is None:
        return []
    return sorted({int(r["year"]) for r in table.rows if r.get("year") is not None})


def series(report: Report, table_id: str, key: dict) -> dict[int, int | None]:
    """year -> the published value (None where hidden) of one main figure."""
    table = report.tables.get(table_id)
    if table is None or "persons" not in table.measures:
        return {}
    out: dict[int, int | None] = {}
    for row in table.rows:
        if row.get("year") is None or any(row.get(k) != v for k, v in key.items()):
            continue
        value = cell_value(row, "persons")  # persons: a whole number, or None where hidden
        out[int(row["year"])] = None if value is None else int(value)
    return out


def previous_year(report: Report) -> int | None:
    earlier = [x for x in trend_years(report) if x < report.year]
    return earlier[-1] if earlier else None


def main_changes(report: Report) -> list[Change]:
    """Each main figure this year and in the latest earlier year with data."""
    from boendeinventering.core.flows import change_between

    before = previous_year(report)
    out = []
    for label, table_id, key in MAIN_FIGURES:
        values = series(report, table_id, key)
        if report.year not in values:
            continue
        current = values[report.year]
        previous = values.get(before) if before is not None else None
        if before is None:
            verdict = NO_COMPARISON
        else:
            verdict = change_between(current, previous).verdict
        out.append(Change(label, previous, current, verdict))
    return out


def change_text(change: Change) -> str:
    """"+12", "−3", "0" or "kan inte beräknas" (a hidden year has no change)."""
    diff = change.difference
    if diff is None:
        return NOT_COMPUTED if change.previous is not None or change.current is not None else HIDDEN_WORD
    return ("+" if diff > 0 else "") + format_number_sv(diff)


def value_text(value: int | None) -> str:
    return HIDDEN_WORD if value is None else format_number_sv(value)


def comparison_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """(column headings, rows as text) of the comparison table the document shows."""
    before = previous_year(report)
    headings = ["Uppgift", str(before) if before is not None else "Föregående år", str(report.year), "Förändring",
                "Bedömning"]
    rows = [[c.label, value_text(c.previous), value_text(c.current), change_text(c), c.verdict]
            for c in main_changes(report)]
    return headings, rows


VERDICT_NOTE = (
    "Bedömningen säger om förändringen är större än vad slumpen brukar ge (exakt test av två antal, "
    "5 procents nivå). I en mindre kommun kan antalen skifta mycket från år till år av en slump; då står "
    "det ”osäker förändring”. Där ett av åren inte redovisas av röjandeskäl står det ”dold”, "
    "förändringen kan inte beräknas och bedöms som osäker."
)
