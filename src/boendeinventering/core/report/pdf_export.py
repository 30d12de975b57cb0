"""The PDF: the report's document blocks laid out for print by ReportLab.

Why ReportLab and not the HTML through WeasyPrint (as before): measured on the benchmark's
reports, WeasyPrint took 5.7 s for a small municipality's ~40 pages (0.9 s of it importing),
ReportLab lays the same blocks out in a fraction of that (docs/benchmarks.md), so the whole report
in every format fits the 3 s target. ReportLab is the long-kept PDF library of the Python world
and needs no system libraries. The content is the same list of blocks as HTML and Word
(``document.py``); the charts are the same PNG drawings as in Word, drawn once per report.

A4 pages, a title page, a table of contents with page numbers (two passes), chapters on new
pages, table headers repeated on every page a table spans, "Sida X av Y" in the footer and the
publication status ("EJ PUBLICERAD" on previews) in the header of every page.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from boendeinventering.core.report import document as d
from boendeinventering.core.report.charts import report_charts
from boendeinventering.core.report import labels
from boendeinventering.core.tables import Report, Table

FONT, BOLD, ITALIC = "BoinvSans", "BoinvSans-Bold", "BoinvSans-Oblique"
BLUE, DARK, RED, GREY = "#1f4e79", "#1a1a1a", "#9c0006", "#444444"
HEADER_FILL, FIGURE_FILL, RULE = "#e8eef5", "#f3f6f9", "#b0b7bf"
MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
MARGIN_X, MARGIN_Y = 20 * MM, 22 * MM
FRAME_W = PAGE_W - 2 * MARGIN_X


def _register_fonts() -> None:
    """DejaVu Sans, which matplotlib ships (so it is there wherever the report runs), covers every
    character the report uses (å ä ö, –, −, non-breaking spaces); the PDF embeds its subset."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    ttf = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf"), (ITALIC, "DejaVuSans-Oblique.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(ttf / file)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, ITALIC)
    addMapping(FONT, 1, 1, BOLD)


def _styles() -> dict:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, textColor=HexColor(DARK), spaceAfter=6)

    def style(name: str, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    blue = HexColor(BLUE)
    return {
        "body": base,
        "title": style("title", fontName=BOLD, fontSize=24, leading=30, textColor=blue, spaceAfter=10),
        "subtitle": style("subtitle", fontSize=16, leading=21, spaceAfter=18),
        "h1": style("h1", fontName=BOLD, fontSize=17, leading=22, textColor=blue, spaceBefore=0, spaceAfter=10,
                    keepWithNext=1),
        "h2": style("h2", fontName=BOLD, fontSize=13, leading=17, textColor=blue, spaceBefore=12, spaceAfter=6,
                    keepWithNext=1),
        "h3": style("h3", fontName=BOLD, fontSize=11, leading=15, spaceBefore=10, spaceAfter=4, keepWithNext=1),
        "note": style("note", fontName=ITALIC, fontSize=9.5, leading=13, textColor=HexColor("#333333")),
        "footnote": style("footnote", fontSize=8.5, leading=11, textColor=HexColor("#333333"), spaceBefore=3),
        "warning": style("warning", fontName=BOLD, fontSize=11, leading=15, textColor=HexColor("#6b0004"),
                         backColor=HexColor("#fde8ea"), borderColor=HexColor(RED), borderWidth=2, borderPadding=6,
                         spaceBefore=6, spaceAfter=12),
        "preview": style("preview", fontName=BOLD, fontSize=12, leading=16, textColor=HexColor("#4d3200"),
                         backColor=HexColor("#fff4d6"), borderColor=HexColor("#8a5a00"), borderWidth=2,
                         borderPadding=6, spaceBefore=6, spaceAfter=14),
        "lead": style("lead", fontName=BOLD, fontSize=12, leading=16, textColor=blue),
        "strong": style("strong", fontName=BOLD, spaceAfter=2, keepWithNext=1),
        "comment": style("comment", fontName=ITALIC, leftIndent=10, borderColor=blue, borderWidth=0,
                         borderPadding=(0, 0, 0, 6)),
        "bullet": style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=2),
        "cell": style("cell", fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell_head": style("cell_head", fontName=BOLD, fontSize=8.5, leading=10.5, spaceAfter=0),
        "caption": style("caption", fontSize=9, leading=12, textColor=HexColor("#333333"), spaceBefore=4),
        "toc1": style("toc1", fontSize=10.5, leading=15),
        "toc2": style("toc2", fontSize=10, leading=13, leftIndent=14),
    }


def _p(text: str, style) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)


def _grid_style(n_rows: int, first_numeric: int, n_cols: int) -> list:
    """One rule under every row and a shaded header: few style commands, so layout stays cheap."""
    from reportlab.lib.colors import HexColor

    commands = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5, 10.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(HEADER_FILL)),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, HexColor(BLUE)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, HexColor(RULE)),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if first_numeric < n_cols:
        commands.append(("ALIGN", (first_numeric, 1), (-1, -1), "RIGHT"))
    return commands


def _widths(head: list[str], body: list[list[str]], first_numeric: int) -> list[float]:
    """Number columns as wide as their widest value (headings wrap), text columns share the rest."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    n = len(head)
    numeric = []
    for col in range(first_numeric, n):
        widest = max([stringWidth(row[col], FONT, 8.5) for row in body] + [0.0])
        longest_word = max(stringWidth(w, BOLD, 8.5) for w in head[col].split() or [""])
        numeric.append(max(widest, longest_word, 30.0) + 10)
    rest = max(FRAME_W - sum(numeric), 60.0 * max(first_numeric, 1))
    texts = [rest / first_numeric] * first_numeric if first_numeric else []
    return texts + numeric


def _grid(head: list[str], body: list[list[str]], first_numeric: int, styles: dict):
    """A table: text cells wrap (Paragraph), number cells are plain strings (cheap to lay out)."""
    from reportlab.platypus import Table as Grid

    widths = _widths(head, body, first_numeric)
    rows = [[_p(h, styles["cell_head"]) for h in head]]
    for row in body:
        rows.append([_p(v, styles["cell"]) if c < first_numeric else v for c, v in enumerate(row)])
    grid = Grid(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    grid.setStyle(_grid_style(len(rows), first_numeric, len(head)))
    return grid


def _table(block: d.TableBlock, styles: dict) -> list:
    table: Table = block.table
    head = labels.column_labels(table)
    n_dims = len(table.dimensions)
    body = [[labels.value_label(dim, row.get(dim)) for dim in table.dimensions]
            + [d.cell_text(row, m, quality=block.quality) for m in table.measures] for row in table.rows]
    if not body:
        body = [[labels.NO_ROWS_TEXT] + [""] * (len(head) - 1)]
    out = [_grid(head, body, n_dims if table.rows else len(head), styles)]
    if not block.quality and labels.table_has_suppression(table):
        out.append(_p(labels.SUPPRESSED_FOOTNOTE, styles["footnote"]))
    if table.note:
        out.append(_p(table.note, styles["footnote"]))
    return out


def _text_table(block: d.TextTable, styles: dict) -> list:
    grid = _grid(block.headings, block.rows, 1, styles)
    # The last column is words ("ökning", "osäker förändring"), left-aligned as in Word and HTML;
    # right-aligned with the numbers it left "ökning" hanging at the far edge.
    last = len(block.headings) - 1
    grid.setStyle([("ALIGN", (last, 1), (last, -1), "LEFT")])
    out = [_p(block.caption, styles["strong"]), grid]
    if block.note:
        out.append(_p(block.note, styles["footnote"]))
    return out


def _facts(rows: list[tuple[str, str]], styles: dict) -> list:
    from reportlab.platypus import Paragraph

    return [Paragraph(f"<b>{escape(k)}:</b> {escape(v)}", styles["body"]) for k, v in rows]


FIGURES_KEPT_WHOLE = 12  # rows (caption included) of a figure box that never splits


def _figures(block: d.FigureList, styles: dict) -> list:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as Grid

    from reportlab.platypus import KeepTogether

    # One row per figure: a long list splits over pages; not a data table (no grid, no header).
    rows = [[_p(block.caption, styles["strong"])]]
    rows += [[Paragraph(f"{escape(label)} <b>{escape(value)}</b>", styles["bullet"], bulletText="•")]
             for label, value in block.rows]

    def box(part: list, first: bool, last: bool):
        grid = Grid(part, colWidths=[FRAME_W], hAlign="LEFT")
        grid.setStyle([("BACKGROUND", (0, 0), (-1, -1), HexColor(FIGURE_FILL)),
                       ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 1),
                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
                      + ([("TOPPADDING", (0, 0), (-1, 0), 6)] if first else [])
                      + ([("BOTTOMPADDING", (0, -1), (-1, -1), 6)] if last else []))
        return grid

    # The caption is never left alone at a page's foot ("Underlag" on one page, its one figure on
    # the next): a short box moves whole, a long one keeps its caption with its first figures.
    if len(rows) <= FIGURES_KEPT_WHOLE:
        return [KeepTogether([box(rows, True, True)])]
    return [KeepTogether([box(rows[:4], True, False)]), box(rows[4:], False, True)]


def _chart(block: d.ChartBlock, styles: dict) -> list:
    from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer

    chart = block.chart
    caption = Paragraph(f"<b>{escape(chart.title)}.</b> {escape(chart.description)}", styles["caption"])
    if not chart.png:
        return [_p("Det finns inga uppgifter som kan visas i diagrammet.", styles["body"]), caption]
    image = Image(io.BytesIO(chart.png))
    width = min(FRAME_W, 160 * MM)
    image.drawWidth, image.drawHeight = width, width * image.imageHeight / image.imageWidth
    image.hAlign = "LEFT"
    return [Spacer(1, 6), KeepTogether([image, caption]), Spacer(1, 8)]


def _heading(block: d.Heading, styles: dict) -> list:
    from reportlab.platypus import PageBreak, Paragraph

    level = min(block.level, 3)
    paragraph = Paragraph(f'<a name="{escape(block.anchor)}"/>{escape(block.text)}', styles[f"h{level}"])
    paragraph.toc_entry = (block.level, block.text, block.anchor)  # read by _Doc.afterFlowable
    return [PageBreak(), paragraph] if block.level == 1 and block.new_page else [paragraph]


def _paragraph(block: d.Paragraph, styles: dict) -> list:
    return [_p(block.text, styles.get(block.style or "body", styles["body"]))]


def _bullets(block: d.Bullets, styles: dict) -> list:
    from reportlab.platypus import Paragraph

    return [Paragraph(escape(item), styles["bullet"], bulletText="•") for item in block.items]


RENDERERS: dict[type, Callable[..., list]] = {
    d.Heading: _heading,
    d.Paragraph: _paragraph,
    d.Bullets: _bullets,
    d.Facts: lambda block, styles: _facts(block.rows, styles),
    d.FigureList: _figures,
    d.TableBlock: _table,
    d.ChartBlock: _chart,
    d.TextTable: _text_table,
}


def _title_page(document: d.Document, styles: dict) -> list:
    from reportlab.platypus import PageBreak, Spacer

    out: list = [Spacer(1, 45 * MM)]
    if document.warning:
        out.append(_p(document.warning, styles["warning"]))
    if document.preview:
        out.append(_p(document.status, styles["preview"]))
    out += [_p(document.title, styles["title"]), _p(document.subtitle, styles["subtitle"])]
    out += _facts(document.facts, styles)
    out.append(PageBreak())
    return out


def _contents(document: d.Document, styles: dict) -> list:
    from reportlab.platypus.tableofcontents import TableOfContents

    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [styles["toc1"], styles["toc2"]]
    # Seeded with every heading (page numbers unknown yet): the first pass lays the contents out
    # at their full length, so the second pass's page numbers are final and no third is needed.
    toc._entries = [(h.level - 1, escape(h.text), 0, h.anchor) for h in document.toc()]
    return [_p("Innehåll", styles["h1"]), toc]


def _doc_template(buffer, document: d.Document, report: Report):
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    class _Doc(BaseDocTemplate):
        def afterFlowable(self, flowable) -> None:
            entry = getattr(flowable, "toc_entry", None)
            if entry is None:
                return
            level, text, anchor = entry
            self.canv.bookmarkPage(anchor)
            self.canv.addOutlineEntry(text, anchor, level=min(level - 1, 2), closed=level > 1)
            if level <= 2:
                self.notify("TOCEntry", (level - 1, escape(text), self.page, anchor))

    doc = _Doc(buffer, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN_X, rightMargin=MARGIN_X,
               topMargin=MARGIN_Y, bottomMargin=MARGIN_Y, title=labels.report_title(report), subject=document.status,
               author="Boendeinventering", lang="sv-SE", creator="Boendeinventering", invariant=1)
    frame = Frame(MARGIN_X, MARGIN_Y, FRAME_W, PAGE_H - 2 * MARGIN_Y, id="body", leftPadding=0, rightPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc


def _canvas_maker(document: d.Document):
    """A canvas that holds every page until the end, so each footer can say "Sida X av Y"."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    marked = document.preview or bool(document.warning)
    status = document.warning or document.status

    class _Canvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            number = self._pageNumber
            if marked:  # every page, the title page too: a preview page torn out still says so
                self.setFont(BOLD, 8.5)
                self.setFillColor(HexColor(RED))
                self.drawString(MARGIN_X, PAGE_H - 12 * MM, status)
            if number == 1:
                return
            self.setFont(FONT, 8.5)
            self.setFillColor(HexColor("#555555"))
            self.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 12 * MM, f"{document.title} – {document.subtitle}")
            self.setFont(FONT, 9)
            self.setFillColor(HexColor(GREY))
            self.drawCentredString(PAGE_W / 2, 11 * MM, f"Sida {number} av {total}")

    return _Canvas


def render_pdf(report: Report) -> bytes:
    from reportlab import rl_config

    # Binary streams, not ASCII85: the PNG charts were encoded by pure Python in every pass (a
    # third of the PDF's time); the file is smaller too. Nothing else in the process writes PDFs.
    rl_config.useA85 = 0
    _register_fonts()
    styles = _styles()
    document = d.build_document(report, charts=report_charts(report, image="png"))
    story = _title_page(document, styles) + _contents(document, styles)
    for block in document.blocks:
        story += RENDERERS[type(block)](block, styles)
    buffer = io.BytesIO()
    doc = _doc_template(buffer, document, report)
    doc.multiBuild(story, canvasmaker=_canvas_maker(document))
    return buffer.getvalue()
