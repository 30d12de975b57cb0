"""The HTML report: one self-contained, accessible page in Swedish.

Self-contained means no network at all when the page is opened (the report may be read on
an offline machine, and an external font or script would tell a third party who reads it):
CSS is inline, charts are inline SVG, fonts are the reader's own.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from boendeinventering.core.report import document as d
from boendeinventering.core.report.files import atomic_write_text
from boendeinventering.core.report.labels import (
    NO_ROWS_TEXT,
    SUPPRESSED_FOOTNOTE,
    SUPPRESSED_MARK,
    dimension_label,
    measure_label,
    report_title,
    table_has_suppression,
    value_label,
)
from boendeinventering.core.tables import Report, Table

# Colours chosen for at least 4.5:1 contrast against their background (WCAG AA).
CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1a1a1a;
       background: #ffffff; margin: 0; line-height: 1.5; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; line-height: 1.25; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 2px solid #1f4e79; }
h3 { font-size: 1.1rem; margin-top: 2rem; }
a { color: #1f4e79; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.warning { border: 3px solid #9c0006; background: #fde8ea; color: #6b0004; padding: .75rem 1rem;
           font-weight: bold; font-size: 1.1rem; }
table { border-collapse: collapse; margin: .5rem 0; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
/* The heading above each table names it; its caption is for screen readers only. */
caption.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
th, td { border-bottom: 1px solid #b0b7bf; padding: .3rem .7rem; vertical-align: top; }
thead th { background: #e8eef5; text-align: left; border-bottom: 2px solid #1f4e79; }
thead th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* Numbers never break; headings wrap between words ("Ansökningar om avhysning (Kronofogden)" on
   one line pushed tables past the page's column, and sideways on a tablet). */
td.num { white-space: nowrap; }
tbody th { font-weight: normal; text-align: left; }
.note, .footnote { font-size: .95rem; color: #333333; }
figure { margin: 1.5rem 0; }
figcaption { font-size: .95rem; color: #333333; }
svg.chart { max-width: 100%; height: auto; }
.preview { border: 3px solid #8a5a00; background: #fff4d6; color: #4d3200; padding: .75rem 1rem;
           font-weight: bold; font-size: 1.1rem; }
.title-page h1 .doc-title { display: block; }
.title-page h1 .doc-subtitle { display: block; font-size: 1.3rem; font-weight: normal; margin-top: .5rem; }
nav.toc ol { list-style: none; padding-left: 0; }
nav.toc li.toc-section { padding-left: 1.5rem; }
p.lead { font-size: 1.15rem; font-weight: bold; }
p.strong { font-weight: bold; margin-bottom: .2rem; }
p.comment { border-left: 4px solid #1f4e79; padding-left: .8rem; font-style: italic; }
.figures { background: #f3f6f9; padding: .5rem 1rem; margin: .8rem 0; }
.figures-caption { font-weight: bold; margin: 0 0 .3rem 0; }
.figures ul { margin: 0; padding-left: 1.2rem; }
.figures .value { font-weight: bold; white-space: nowrap; font-variant-numeric: tabular-nums; }
@media print { .warning { border-width: 2px; } h2 { break-after: avoid; } table { break-inside: auto; } }
"""

# For the browser's print (the PDF file is laid out by pdf_export.py): A4, page numbers, a title page of its own
# and each chapter on a new page, table headers repeated on every page a table spans.
PRINT_CSS = """
@page { size: A4; margin: 22mm 20mm 22mm 20mm;
        @bottom-center { content: "Sida " counter(page) " av " counter(pages); font-size: 9pt; color: #444; }
        @top-right { content: string(doc-header); font-size: 8.5pt; color: #555; } }
@page { @top-left { content: string(doc-status); font-size: 8.5pt; font-weight: bold; color: #9c0006;
                    font-family: "DejaVu Sans", Arial, sans-serif; } }
@page { @bottom-center { font-family: "DejaVu Sans", Arial, sans-serif; }
        @top-right { font-family: "DejaVu Sans", Arial, sans-serif; } }
@page :first { @bottom-center { content: none; } @top-right { content: none; } @top-left { content: none; } }
@media print {
  body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.4; }
  main { max-width: none; padding: 0; }
  .title-page { break-after: page; padding-top: 45mm; }
  .title-page .preview { string-set: doc-status content(); }
  .title-page h1 { font-size: 24pt; color: #1f4e79; string-set: doc-header content(); }
  .title-page .doc-subtitle { font-size: 16pt; color: #1a1a1a; }
  nav.toc { break-after: page; }
  nav.toc a { color: #1a1a1a; text-decoration: none; }
  nav.toc a::after { content: leader(".") target-counter(attr(href), page); }
  nav.toc li { margin: .15rem 0; }
  h2.chapter { break-before: page; font-size: 17pt; color: #1f4e79; }
  h3, h4 { break-after: avoid; color: #1a1a1a; }
  table { font-size: 8.5pt; width: auto; max-width: 100%; }
  thead { display: table-header-group; }
  caption.sr { display: none; }  /* the heading above names the table; a clipped caption leaves a sliver in print */
  tr { break-inside: avoid; }
  figure { break-inside: avoid; }
  svg.chart { width: 100%; height: auto; }
  .figures { break-inside: avoid; }
}
"""


def _table_html(table: Table, anchor: str, *, quality: bool = False, headed: bool = True) -> str:
    n_dims = len(table.dimensions)
    cls = ' class="sr"' if headed else ""
    out = [f'<table id="{escape(anchor)}">', f"<caption{cls}>{escape(table.title or table.id)}</caption>",
           "<thead><tr>"]
    out += [f'<th scope="col">{escape(dimension_label(d, table.id))}</th>' for d in table.dimensions]
    out += [f'<th scope="col" class="num">{escape(measure_label(m))}</th>' for m in table.measures]
    out.append("</tr></thead>")
    out.append("<tbody>")
    if not table.rows:
        out.append(f'<tr><td colspan="{n_dims + len(table.measures)}">{escape(NO_ROWS_TEXT)}</td></tr>')
    for row in table.rows:
        cells = []
        for dim in table.dimensions:
            # Each dimension cell heads its row; with several dimensions all of them do.
            cells.append(f'<th scope="row">{escape(value_label(dim, row.get(dim)))}</th>')
        for m in table.measures:
            text = d.cell_text(row, m, quality=quality)
            if text == SUPPRESSED_MARK:
                cells.append(f'<td class="num suppressed">{SUPPRESSED_MARK}</td>')
            elif isinstance(row.get(m), str):
                cells.append(f"<td>{escape(text)}</td>")
            else:
                cells.append(f'<td class="num">{escape(text)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if not quality and table_has_suppression(table):
        out.append(f'<p class="footnote">{escape(SUPPRESSED_FOOTNOTE)}</p>')
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(out)


def _chart_html(chart) -> str:
    body = chart.svg if chart.svg else "<p>Det finns inga uppgifter som kan visas i diagrammet.</p>"
    return (
        f'<figure id="{escape(chart.id)}">\n{body}\n'
        f"<figcaption><strong>{escape(chart.title)}.</strong> {escape(chart.description)}</figcaption>\n</figure>"
    )


def _facts_html(rows: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def _figures_html(block: d.FigureList) -> str:
    # Not a <table>: the stated figures repeat cells of the tables below, and a second copy in
    # table form would be counted twice by anyone checking the tables.
    items = "".join(
        f'<li><span class="label">{escape(label)}</span> <span class="value">{escape(value)}</span></li>'
        for label, value in block.rows)
    return f'<div class="figures"><p class="figures-caption">{escape(block.caption)}</p><ul>{items}</ul></div>'


def _text_table_html(block: d.TextTable) -> str:
    out = [f'<table id="{escape(block.anchor)}">', f"<caption>{escape(block.caption)}</caption>", "<thead><tr>"]
    last = len(block.headings) - 1
    out += [f'<th scope="col" class="num">{escape(h)}</th>' if 0 < i < last else f'<th scope="col">{escape(h)}</th>'
            for i, h in enumerate(block.headings)]
    out.append("</tr></thead><tbody>")
    for row in block.rows:
        cells = [f'<th scope="row">{escape(row[0])}</th>']
        # the last column is a word (the verdict), the ones between are numbers
        cells += [f'<td class="num">{escape(v)}</td>' for v in row[1:-1]]
        cells.append(f"<td>{escape(row[-1])}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if block.note:
        out.append(f'<p class="note">{escape(block.note)}</p>')
    return "\n".join(out)


def _heading_html(block: d.Heading) -> str:
    level = min(block.level + 1, 6)  # h1 is the title page's
    cls = ' class="chapter"' if block.level == 1 and block.new_page else ""
    return f'<h{level} id="{escape(block.anchor)}"{cls}>{escape(block.text)}</h{level}>'


def _paragraph_html(block: d.Paragraph) -> str:
    cls = f' class="{block.style}"' if block.style else ""
    role = ' role="note"' if block.style == "warning" else ""
    return f"<p{cls}{role}>{escape(block.text)}</p>"


RENDERERS: dict[type, Callable[..., str]] = {
    d.Heading: _heading_html,
    d.Paragraph: _paragraph_html,
    d.Bullets: lambda block: "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>",
    d.Facts: lambda block: _facts_html(block.rows),
    d.FigureList: _figures_html,
    d.TableBlock: lambda block: _table_html(block.table, block.anchor, quality=block.quality,
                                            headed=not block.quality),
    d.ChartBlock: lambda block: _chart_html(block.chart),
    d.TextTable: _text_table_html,
}


def _block_html(block) -> str:
    return RENDERERS[type(block)](block)


def document_to_html(doc: d.Document, *, head_title: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(head_title)}</title>",
        f"<style>{CSS}{PRINT_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        '<section class="title-page" aria-label="Titelsida">',
    ]
    if doc.warning:
        parts.append(f'<p class="warning" role="note">{escape(doc.warning)}</p>')
    if doc.preview:
        parts.append(f'<p class="preview" role="note">{escape(doc.status)}</p>')
    parts.append(f'<h1><span class="doc-title">{escape(doc.title)}</span>'
                 f' <span class="doc-subtitle">{escape(doc.subtitle)}</span></h1>')
    parts.append(_facts_html(doc.facts))
    parts.append("</section>")

    parts.append('<nav class="toc" aria-labelledby="innehall"><h2 id="innehall">Innehåll</h2><ol>')
    for heading in doc.toc():
        cls = "toc-chapter" if heading.level == 1 else "toc-section"
        parts.append(f'<li class="{cls}"><a href="#{escape(heading.anchor)}">{escape(heading.text)}</a></li>')
    parts.append("</ol></nav>")
    parts += [_block_html(b) for b in doc.blocks]
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def report_to_html(report: Report) -> str:
    return document_to_html(d.build_document(report), head_title=report_title(report))


def write_html(report: Report, path: Path) -> Path:
    # Rendered fully before the file is opened: a failing chart leaves nothing behind.
    return atomic_write_text(path, report_to_html(report))
