"""The Excel export: one sheet about the report, one per table, one for data quality.

Numbers are written as numbers (so the coordinator can sum and chart them) with the format
"#,##0", which Excel shows with the reader's own thousands separator (a space in Swedish
Excel). Suppressed cells hold the text "–" and a footnote under the table explains it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import Any

import xlsxwriter

from boendeinventering.core.report.files import atomic_write
from boendeinventering.core.report.labels import (
    PERCENT_MEASURES,
    format_percentage_sv,
    ADVICE_SV,
    ANSWER_STATUS_SV,
    SIGNAL_STATUS_SV,
    dimension_label,
    figure_label,
    figure_value,
    is_preview,
    measure_label,
    publication_line,
    source_label,
    NO_ROWS_TEXT,
    SUPPRESSED_FOOTNOTE,
    SUPPRESSED_MARK,
    UNPROTECTED_WARNING,
    cell_value,
    column_labels,
    format_number_sv,
    history_text,
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
ANSWERS_SHEET = "Svar"
SIGNALS_SHEET = "Behov"
CHARTS_SHEET = "Diagram"
DEVELOPMENT_SHEET = "Utveckling över tid"
INT_FORMAT = "#,##0"
CHANGE_FORMAT = '+#,##0;"\u2212"#,##0;0'
DECIMAL_FORMAT = "#,##0.0##"
PERCENT_FORMAT = "0.0 %"
MIN_WIDTH, MAX_WIDTH = 8, 60
ABOUT_TEXT_WIDTH = 100


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.table_title = wb.add_format({"bold": True, "font_size": 12})
        self.bold = wb.add_format({"bold": True, "valign": "top"})
        self.header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF5", "text_wrap": True,
                                     "valign": "bottom"})
        self.header_num = wb.add_format(
            {"bold": True, "bottom": 1, "bg_color": "#E8EEF5", "text_wrap": True, "valign": "bottom", "align": "right"}
        )
        self.int = wb.add_format({"num_format": INT_FORMAT})
        # a change from last year with its sign, "+107" and "−6", as the PDF and Word print it
        self.change = wb.add_format({"num_format": CHANGE_FORMAT})
        self.number_top = wb.add_format({"valign": "top", "align": "left"})
        self.decimal = wb.add_format({"num_format": DECIMAL_FORMAT})
        self.percent = wb.add_format({"num_format": PERCENT_FORMAT})
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
            if not quality and value is not None and measure in PERCENT_MEASURES:
                percent = float(value)
                ws.write_number(row, col, percent / 100, fmt.percent)  # Excel's % format shows a share
                widths.see(col, format_percentage_sv(percent))
                continue
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
    ws.write_string(row + 4, 0, "Status", fmt.bold)
    ws.write_string(row + 4, 1, publication_line(report), fmt.warning if is_preview(report) else None)
    row += 6
    for heading, text in (("Inledning", report.introduction), ("Slutsatser", report.conclusions)):
        if text.strip():
            ws.write_string(row, 0, heading, fmt.bold)
            ws.write_string(row, 1, text.strip(), fmt.wrap)
            ws.set_row(row, _text_height(text.strip(), ABOUT_TEXT_WIDTH))
            row += 2

    ws.write_string(row, 0, "Innehåll", fmt.bold)
    for name, title in sheets:
        # A link to the sheet: 45 sheet tabs are more than a screen shows.
        quoted = name.replace("'", "''")
        ws.write_url(row, 1, f"internal:'{quoted}'!A1", string=f"{name}: {title}" if title and title != name else name)
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


def _write_answers(ws, report: Report, fmt: _Formats) -> None:
    """"Svar": one row per question, with its status, text, figures, sources and comment."""
    widths = [6, 45, 16, 70, 50, 30, 40, 40]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, "Svar på metodstödets frågor", fmt.title)
    row += 1
    ws.write_string(row, 0, publication_line(report), fmt.warning if is_preview(report) else fmt.note)
    row += 2
    headers = ["Nr", "Fråga", "Status", "Svar", "Siffror som svaret bygger på", "Källor", "Att tänka på",
               "Samordnarens kommentar"]
    for col, label in enumerate(headers):
        ws.write_string(row, col, label, fmt.header)
    ws.freeze_panes(row + 1, 0)
    row += 1
    if not report.answers:
        ws.write_string(row, 0, "Rapporten innehåller inga svar på metodstödets frågor.")
    for answer in report.answers:
        figures = "\n".join(f"{figure_label(report, f)}: {figure_value(f)}" for f in answer.figures)
        # The method support's own number (1–10), not the export's id "q1": "Q1" read as English.
        digits = answer.id[1:] if answer.id[:1] == "q" else answer.id
        cells = [digits, answer.question, ANSWER_STATUS_SV.get(answer.status, answer.status), answer.text,
                 figures, "; ".join(source_label(s) for s in answer.sources), "\n".join(answer.caveats),
                 answer.comment]
        for col, text in enumerate(cells):
            if col == 0 and text.isdigit():  # a number, or Excel flags "number stored as text"
                ws.write_number(row, col, int(text), fmt.number_top)
            else:
                ws.write_string(row, col, text, fmt.wrap)
        ws.set_row(row, max(_text_height(t, widths[c]) for c, t in enumerate(cells)))
        row += 1


def _write_signals(ws, report: Report, fmt: _Formats) -> None:
    """"Behov": the needs signals (open and commented first, dismissed last) and the recommendation."""
    widths = [34, 16, 60, 45, 50, 40, 16]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, "Behov som siffrorna pekar på", fmt.title)
    row += 2
    headers = ["Signal", "Status", "Vad som hittades", "Regel", "Underlag", "Samordnarens kommentar",
               "Även tidigare år"]
    for col, label in enumerate(headers):
        ws.write_string(row, col, label, fmt.header)
    ws.freeze_panes(row + 1, 0)
    row += 1
    ordered = [s for s in report.signals if s.status != "dismissed"] + [
        s for s in report.signals if s.status == "dismissed"]
    if not ordered:
        ws.write_string(row, 0, "Ingen behovssignal gav utslag.")
        row += 1
    for signal in ordered:
        evidence = "\n".join(f"{figure_label(report, f)}: {figure_value(f)}" for f in signal.evidence)
        cells = [signal.title, SIGNAL_STATUS_SV.get(signal.status, signal.status), signal.text, signal.rule,
                 evidence, signal.comment, history_text(signal, report.year)]
        for col, text in enumerate(cells):
            if col == 0 and text.isdigit():  # a number, or Excel flags "number stored as text"
                ws.write_number(row, col, int(text), fmt.number_top)
            else:
                ws.write_string(row, col, text, fmt.wrap)
        ws.set_row(row, max(_text_height(t, widths[c]) for c, t in enumerate(cells)))
        row += 1
    row += 1
    ws.write_string(row, 0, "Rekommendation", fmt.table_title)
    row += 1
    rec = report.recommendation
    if rec is None:
        ws.write_string(row, 0, "Ingen rekommendation har tagits fram för året.")
        return
    ws.write_string(row, 0, ADVICE_SV.get(rec.advice, rec.advice), fmt.bold)
    ws.write_string(row, 2, rec.text, fmt.wrap)
    ws.set_row(row, _text_height(rec.text, widths[2]))
    for reason in rec.reasons:
        row += 1
        ws.write_string(row, 2, f"• {reason}", fmt.wrap)
        ws.set_row(row, _text_height(reason, widths[2]))


# Native Excel charts for the main tables: (table id, category dimension, measure, chart title).
CHARTS = [
    ("persons_by_situation", "situation", "persons", "Antal personer per situation"),
    ("acute_persons_by_sex", "sex", "persons", "Personer i akut hemlöshet per kön"),
    ("occupancy_by_kod", "kod", "occupancy", "Beläggning per boendeform"),
]


def _chart_points(table: Table, dimension: str, measure: str) -> tuple[list[tuple[str, Any]], int]:
    """(label, value) of the published cells to draw, and how many suppressed ones are left out
    (Excel would draw the "–" text as a zero bar). Total rows are not drawn."""
    points = [(value_label(dimension, r.get(dimension)), cell_value(r, measure)) for r in table.rows
              if all(r.get(d) is not None for d in table.dimensions)]
    shown = [(label, value) for label, value in points if value is not None]
    return shown, len(points) - len(shown)


def _write_charts(wb, ws, report: Report, sheet_of: dict[str, str], fmt: _Formats) -> int:
    """"Diagram": a native Excel bar chart per main table, each beside the small block of
    published values it is drawn from (so the coordinator can restyle it in Excel)."""
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, "Diagram", fmt.title)
    row += 2
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 14)
    drawn = 0
    for table_id, dimension, measure, title in CHARTS:
        table = report.tables.get(table_id)
        if table is None or dimension not in table.dimensions or measure not in table.measures:
            continue
        shown, omitted = _chart_points(table, dimension, measure)
        if not shown:
            continue
        share = measure in PERCENT_MEASURES
        ws.write_string(row, 0, title, fmt.table_title)
        ws.write_string(row + 1, 0, f"Från bladet {sheet_of[table_id]}.", fmt.note)
        ws.write_string(row + 2, 0, dimension_label(dimension, table_id), fmt.header)
        ws.write_string(row + 2, 1, measure_label(measure), fmt.header_num)
        first = row + 3
        for i, (label, value) in enumerate(shown):
            ws.write_string(first + i, 0, label)
            ws.write_number(first + i, 1, value / 100 if share else value, fmt.percent if share else fmt.int)
        last = first + len(shown) - 1
        if omitted:
            ws.write_string(last + 1, 0, f"{omitted} borttagna uppgifter visas inte i diagrammet.", fmt.note)
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": measure_label(measure),
            "categories": [ws.name, first, 0, last, 0],
            "values": [ws.name, first, 1, last, 1],
            "fill": {"color": "#1F4E79"},
            "data_labels": {"value": True, "num_format": PERCENT_FORMAT if share else INT_FORMAT},
        })
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"num_format": PERCENT_FORMAT if share else INT_FORMAT,
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        height = 110 + 34 * len(shown)
        chart.set_size({"width": 620, "height": height})
        ws.insert_chart(row, 3, chart)
        drawn += 1
        row = max(last + 3, row + int(height / 20) + 2)
    if not drawn:
        ws.write_string(row, 0, "Det finns inga uppgifter som kan visas i diagram.")
    return drawn


def _write_development(wb, ws, report: Report, fmt: _Formats) -> bool:
    """"Utveckling över tid": the main figures beside the latest earlier year with the verdict,
    and the published values year by year with a native Excel line chart drawn from them
    (hidden values are blank cells: Excel leaves a gap, never a zero)."""
    from boendeinventering.core.report import development as dev

    ws.set_column(0, 0, 58)
    ws.set_column(1, 5, 14)
    row = _warning_row(ws, report, fmt)
    ws.write_string(row, 0, "Utveckling över tid", fmt.title)
    row += 2
    before = dev.previous_year(report)
    if before is None:
        ws.write_string(row, 0, f"Det finns inga uppgifter för tidigare år än {report.year}.")
        return False
    headings, _ = dev.comparison_rows(report)
    for col, label in enumerate(headings):
        ws.write_string(row, col, label, fmt.header if col in (0, 4) else fmt.header_num)
    row += 1
    for change in dev.main_changes(report):
        ws.write_string(row, 0, change.label)
        for col, value in ((1, change.previous), (2, change.current), (3, change.difference)):
            if value is None:  # a word, not "–": the hidden cell's dash is in its own table's sheet
                ws.write_string(row, col, dev.value_text(value) if col < 3 else dev.change_text(change),
                                fmt.suppressed)
            else:
                ws.write_number(row, col, value, fmt.change if col == 3 else fmt.int)
        ws.write_string(row, 4, change.verdict)
        row += 1
    ws.write_string(row, 0, dev.VERDICT_NOTE, fmt.note)
    row += 2
    years = dev.trend_years(report)
    ws.write_string(row, 0, "År för år", fmt.table_title)
    row += 1
    ws.write_string(row, 0, "Uppgift", fmt.header)
    for i, x in enumerate(years):
        ws.write_string(row, 1 + i, str(x), fmt.header_num)
    first = row + 1
    hidden = False
    for label, table_id, key in dev.MAIN_FIGURES:
        values = dev.series(report, table_id, key)
        if not values:
            continue
        row += 1
        ws.write_string(row, 0, label)
        for i, x in enumerate(years):
            if values.get(x) is not None:
                ws.write_number(row, 1 + i, values[x], fmt.int)
            else:
                # blank, not "–": Excel would draw a text cell as a zero in the chart
                ws.write_blank(row, 1 + i, None)
                hidden = True
    last = row
    if hidden:
        ws.write_string(last + 1, 0, "Tom cell: uppgiften redovisas inte av röjandeskäl och visas inte i "
                                     "diagrammet.", fmt.note)
        last += 1
    chart = wb.add_chart({"type": "line"})
    for r in range(first, last + 1 - int(hidden)):
        chart.add_series({
            "name": [ws.name, r, 0],
            "categories": [ws.name, first - 1, 1, first - 1, len(years)],
            "values": [ws.name, r, 1, r, len(years)],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": f"Utveckling {years[0]}–{years[-1]}", "name_font": {"size": 12, "bold": True}})
    chart.set_y_axis({"num_format": INT_FORMAT, "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 720, "height": 360})
    ws.insert_chart(last + 2, 0, chart)
    return True


def _write_workbook(report: Report, target) -> None:
    # Labels are never formulas or links, whatever text they hold. ``target``: a path, or a
    # BytesIO for a download that is streamed without a file.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    if not isinstance(target, (str, Path)):
        options["in_memory"] = True
    else:
        target = str(target)
    wb = xlsxwriter.Workbook(target, options)
    try:
        wb.set_properties({"title": report_title(report), "subject": "Boendeinventering",
                           "comments": publication_line(report)})
        fmt = _Formats(wb)
        taken = {ABOUT_SHEET.casefold(), QUALITY_SHEET.casefold(), ANSWERS_SHEET.casefold(),
                 SIGNALS_SHEET.casefold(), CHARTS_SHEET.casefold(), DEVELOPMENT_SHEET.casefold()}
        named = [(sheet_name(table_sheet_candidate(t), taken), t) for t in report.tables.values()]
        contents = [(ANSWERS_SHEET, "Svar på metodstödets frågor"), (SIGNALS_SHEET, "Behov och rekommendation"),
                    (CHARTS_SHEET, "Diagram över de viktigaste tabellerna")]
        development = "acute_trend" in report.tables or "trend_by_situation" in report.tables
        if development:
            contents.append((DEVELOPMENT_SHEET, "Huvudsiffrorna jämförda med tidigare år, med diagram"))
        contents += [(name, t.title) for name, t in named]
        contents.append((QUALITY_SHEET, report.quality.title if report.quality else ""))

        _write_about(wb.add_worksheet(ABOUT_SHEET), report, contents, fmt)
        _write_answers(wb.add_worksheet(ANSWERS_SHEET), report, fmt)
        _write_signals(wb.add_worksheet(SIGNALS_SHEET), report, fmt)
        _write_charts(wb, wb.add_worksheet(CHARTS_SHEET), report, {t.id: name for name, t in named}, fmt)
        if development:
            _write_development(wb, wb.add_worksheet(DEVELOPMENT_SHEET), report, fmt)
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


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    _write_workbook(report, buffer)
    return buffer.getvalue()


def write_xlsx(report: Report, path: Path) -> Path:
    return atomic_write(path, lambda tmp: _write_workbook(report, tmp))
