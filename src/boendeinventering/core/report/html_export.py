"""The HTML report: one self-contained, accessible page in Swedish.

Self-contained means no network at all when the page is opened (the report may be read on
an offline machine, and an external font or script would tell a third party who reads it):
CSS is inline, charts are inline SVG, fonts are the reader's own.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from boendeinventering.core.report import atomic_write_text
from boendeinventering.core.report.charts import Chart, report_charts
from boendeinventering.core.report.labels import (
    NO_ROWS_TEXT,
    SUPPRESSED_FOOTNOTE,
    SUPPRESSED_MARK,
    UNPROTECTED_WARNING,
    cell_value,
    dimension_label,
    format_number_sv,
    kommun_label,
    measure_label,
    quality_value,
    report_title,
    table_has_suppression,
    value_label,
    yes_no,
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
th, td { border-bottom: 1px solid #b0b7bf; padding: .3rem .7rem; vertical-align: top; }
thead th { background: #e8eef5; text-align: left; border-bottom: 2px solid #1f4e79; }
thead th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { font-weight: normal; text-align: left; }
.note, .footnote { font-size: .95rem; color: #333333; }
figure { margin: 1.5rem 0; }
figcaption { font-size: .95rem; color: #333333; }
svg.chart { max-width: 100%; height: auto; }
@media print { .warning { border-width: 2px; } h2 { break-after: avoid; } table { break-inside: auto; } }
"""


def _table_html(table: Table, anchor: str, *, quality: bool = False) -> str:
    n_dims = len(table.dimensions)
    out = [f'<table id="{escape(anchor)}">', f"<caption>{escape(table.title or table.id)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{escape(dimension_label(d))}</th>' for d in table.dimensions]
    out += [f'<th scope="col" class="num">{escape(measure_label(m))}</th>' for m in table.measures]
    out.append("</tr></thead>")
    out.append("<tbody>")
    if not table.rows:
        out.append(f'<tr><td colspan="{n_dims + len(table.measures)}">{escape(NO_ROWS_TEXT)}</td></tr>')
    for row in table.rows:
        cells = []
        for d in table.dimensions:
            # Each dimension cell heads its row; with several dimensions all of them do.
            cells.append(f'<th scope="row">{escape(value_label(d, row.get(d)))}</th>')
        for m in table.measures:
            value = quality_value(row.get(m)) if quality else cell_value(row, m)
            if value is None:
                cells.append(f'<td class="num suppressed">{SUPPRESSED_MARK}</td>')
            elif isinstance(value, str):
                cells.append(f"<td>{escape(value)}</td>")
            else:
                cells.append(f'<td class="num">{escape(format_number_sv(value))}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if not quality and table_has_suppression(table):
        out.append(f'<p class="footnote">{escape(SUPPRESSED_FOOTNOTE)}</p>')
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(out)


def _chart_html(chart: Chart) -> str:
    body = chart.svg if chart.svg else "<p>Det finns inga uppgifter som kan visas i diagrammet.</p>"
    return (
        f'<figure id="{escape(chart.id)}">\n{body}\n'
        f"<figcaption><strong>{escape(chart.title)}.</strong> {escape(chart.description)}</figcaption>\n</figure>"
    )


def report_to_html(report: Report) -> str:
    title = report_title(report)
    charts = report_charts(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    if not report.protected:
        parts.append(f'<p class="warning" role="note">{escape(UNPROTECTED_WARNING)}</p>')
    parts.append(f"<h1>{escape(title)}</h1>")
    parts.append(
        '<dl class="facts">'
        f"<dt>Kommun</dt><dd>{escape(kommun_label(report))}</dd>"
        f"<dt>År</dt><dd>{report.year}</dd>"
        f"<dt>Referensdatum</dt><dd>{report.reference_date.isoformat()}</dd>"
        f"<dt>Röjandeskyddad</dt><dd>{yes_no(report.protected)}</dd>"
        "</dl>"
    )

    toc = [("diagram", "Diagram")] if charts else []
    toc += [("tabeller", "Tabeller"), ("datakvalitet", "Datakvalitet"), ("metod", "Metod och teckenförklaring")]
    parts.append('<nav aria-labelledby="innehall"><h2 id="innehall">Innehåll</h2><ul>')
    parts += [f'<li><a href="#{a}">{escape(t)}</a></li>' for a, t in toc]
    parts.append("</ul></nav>")

    if charts:
        parts.append('<section aria-labelledby="diagram"><h2 id="diagram">Diagram</h2>')
        parts += [_chart_html(c) for c in charts]
        parts.append("</section>")

    parts.append('<section aria-labelledby="tabeller"><h2 id="tabeller">Tabeller</h2>')
    if not report.tables:
        parts.append(f"<p>{escape(NO_ROWS_TEXT)}</p>")
    for table_id, table in report.tables.items():
        parts.append(f"<h3>{escape(table.title or table_id)}</h3>")
        parts.append(_table_html(table, f"tabell-{table_id}"))
    parts.append("</section>")

    parts.append('<section aria-labelledby="datakvalitet"><h2 id="datakvalitet">Datakvalitet</h2>')
    if report.quality is not None:
        parts.append('<p class="note">Uppgifterna om datakvalitet är inte röjandeskyddade; de beskriver underlaget, inte personer.</p>')
        parts.append(_table_html(report.quality, "tabell-datakvalitet", quality=True))
    else:
        parts.append("<p>Inga uppgifter om datakvalitet.</p>")
    parts.append("</section>")

    parts.append('<section aria-labelledby="metod"><h2 id="metod">Metod och teckenförklaring</h2>')
    parts += [f"<p>{escape(str(n))}</p>" for n in report.method_notes]
    parts.append(f"<h3>Teckenförklaring</h3><p>{escape(SUPPRESSED_FOOTNOTE)}</p>")
    parts.append("</section>")

    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def write_html(report: Report, path: Path) -> Path:
    # Rendered fully before the file is opened: a failing chart leaves nothing behind.
    return atomic_write_text(path, report_to_html(report))
