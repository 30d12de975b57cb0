"""The Excel export: one sheet about the report, one per table, one for data quality.

Numbers are written as numbers (so the coordinator can sum and chart them) with the format
"#,##0", which Excel shows with the reader's own thousands separator (a space in Swedish
Excel). Suppressed cells hold the text "–" and a footnote under the table explains it.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import xlsxwriter

from boendeinventering.core.report import atomic_write
from boendeinventering.core.report.labels import (
    NO_ROWS_TEXT,
    SUPPRESSED_FOOTNOTE,
    SUPPRESSED_MARK,
    UNPROTECTED_WARNING,
    cell_value,
    column_labels,
    format_number_sv,
    kommun_label,
    quality_value,
    report_title,
    sheet_name,
    table_has_suppression,
    table_sheet_candidate,
    value_label,
    yes_no,
)
from boendeinventering.core.tables import Report, Table

ABOUT_SHEET = "Om rapporten"
QUALITY_SHEET = "Datakvalitet"
INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0##"
MIN_WIDTH, MAX_WIDTH = 8, 60
ABOUT_TEXT_WIDTH = 100


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.table_title = wb.add_format({"bold": True, "font_size": 12})
        self.bold = wb.add_format({"bold": True, "valign": "top"})
        self.header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF5", "text_wrap": True, "valign": "bottom"})
        self.header_num = wb.add_format(
            {"bold": True, "bottom": 1, "bg_color": "#E8EEF5", "text_wrap": True, "valign": "bottom", "align": "right"}
        )
        self.int = wb.add_format({"num_format": INT_FORMAT})
        self.decimal = wb.add_format({"num_format": DECIMAL_FORMAT})
        self.year = wb.add_format({"num_format": "0", "align": "left"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        self.suppressed = wb.add_format({"align": "right"})
        self.warning = wb.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.note = wb.add_format({"italic": True})


class _Widths:
    """Tracks the widest text per column so the columns can be set to fit."""

    def __init__(self) -> None:
        self.chars: dict[int, int] = {}

    def see(self, col: int, text: str) -> None:
        longest = max((len(line) for line in str(text).splitlines()), default=0)
        self.chars[col] = max(self.chars.get(col, 0), longest)

    def apply(self, ws) -> None:
        for col, chars in self.chars.items():
            ws.set_column(col, col, min(max(chars + 2, MIN_WIDTH), MAX_WIDTH))


def _warning_row(ws, report: Report, fmt: _Formats) -> int:
    """The warning line on unprotected reports; returns the next free row."""
    if report.protected:
        return 0
    ws.write_string(0, 0, UNPROTECTED_WARNING, fmt.warning)
    return 2


def _write_number(ws, row: int, col: int, value: Any, fmt: _Formats) -> str:
    """Writes a number cell and returns the text a reader sees, for the column width."""
    if value is None:
        ws.write_string(row, col, SUPPRESSED_MARK, fmt.suppressed)
        return SUPPRESSED_MARK
    if isinstance(value, str):
        ws.write_string(row, col, value)
        return value
    if isinstance(value, int):
        ws.write_number(row, col, value, fmt.int)
        return format_number_sv(value)
    ws.write_number(row, col, value, fmt.decimal)
    return format_number_sv(value, decimals=3)


def _write_table(ws, table: Table, report: Report, fmt: _Formats, *, quality: bool = False) -> None:
    widths = _Widths()
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, table.title or table.id, fmt.table_title)
    row += 1
    if table.note:
        ws.write_string(row, 0, table.note, fmt.note)
        row += 1
    row += 1

    header_row = row
    n_dims = len(table.dimensions)
    for col, label in enumerate(column_labels(table)):
        ws.write_string(row, col, label, fmt.header if col < n_dims else fmt.header_num)
        widths.see(col, label)
    ws.freeze_panes(header_row + 1, 0)
    row += 1

    if not table.rows:
        ws.write_string(row, 0, NO_ROWS_TEXT)
        row += 1
    for data in table.rows:
        for col, dim in enumerate(table.dimensions):
            text = value_label(dim, data.get(dim))
            ws.write_string(row, col, text)
            widths.see(col, text)
        for i, measure in enumerate(table.measures):
            col = n_dims + i
            value = quality_value(data.get(measure)) if quality else cell_value(data, measure)
            widths.see(col, _write_number(ws, row, col, value, fmt))
        row += 1

    if not quality and table_has_suppression(table):
        row += 1
        ws.write_string(row, 0, SUPPRESSED_FOOTNOTE)
    widths.apply(ws)


def _text_height(text: str, width_chars: int) -> float:
    lines = sum(max(1, math.ceil(len(part) / width_chars)) for part in text.splitlines() or [""])
    return 15.0 * lines


def _write_about(ws, report: Report, sheets: list[tuple[str, str]], fmt: _Formats) -> None:
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, ABOUT_TEXT_WIDTH)
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, report_title(report), fmt.title)
    row += 2
    ws.write_string(row, 0, "Kommun", fmt.bold)
    ws.write_string(row, 1, kommun_label(report))
    ws.write_string(row + 1, 0, "År", fmt.bold)
    ws.write_number(row + 1, 1, int(report.year), fmt.year)
    ws.write_string(row + 2, 0, "Referensdatum", fmt.bold)
    ws.write_datetime(row + 2, 1, dt.datetime.combine(report.reference_date, dt.time()), fmt.date)
    ws.write_string(row + 3, 0, "Röjandeskyddad", fmt.bold)
    ws.write_string(row + 3, 1, yes_no(report.protected))
    row += 5

    ws.write_string(row, 0, "Innehåll", fmt.bold)
    for name, title in sheets:
        ws.write_string(row, 1, f"{name}: {title}" if title and title != name else name)
        row += 1
    row += 1

    sections = [("Metod", list(report.method_notes)), ("Teckenförklaring", [SUPPRESSED_FOOTNOTE])]
    for heading, paragraphs in sections:
        if not paragraphs:
            continue
        ws.write_string(row, 0, heading, fmt.bold)
        for text in paragraphs:
            ws.write_string(row, 1, str(text), fmt.wrap)
            ws.set_row(row, _text_height(str(text), ABOUT_TEXT_WIDTH))
            row += 1
        row += 1


def _write_workbook(report: Report, path: Path) -> None:
    # Labels are never formulas or links, whatever text they hold.
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        wb.set_properties({"title": report_title(report), "subject": "Boendeinventering"})
        fmt = _Formats(wb)
        taken = {ABOUT_SHEET.casefold(), QUALITY_SHEET.casefold()}
        named = [(sheet_name(table_sheet_candidate(t), taken), t) for t in report.tables.values()]
        contents = [(name, t.title) for name, t in named]
        contents.append((QUALITY_SHEET, report.quality.title if report.quality else ""))

        _write_about(wb.add_worksheet(ABOUT_SHEET), report, contents, fmt)
        for name, table in named:
            _write_table(wb.add_worksheet(name), table, report, fmt)
        ws = wb.add_worksheet(QUALITY_SHEET)
        if report.quality is not None:
            _write_table(ws, report.quality, report, fmt, quality=True)
        else:
            row = _warning_row(ws, report, fmt)
            ws.write_string(row, 0, "Inga uppgifter om datakvalitet.")
            ws.set_column(0, 0, 40)
    finally:
        wb.close()


def write_xlsx(report: Report, path: Path) -> Path:
    return atomic_write(path, lambda tmp: _write_workbook(report, tmp))
