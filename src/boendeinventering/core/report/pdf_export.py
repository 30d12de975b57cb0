"""The PDF: the HTML report laid out for print by WeasyPrint.

Why WeasyPrint: the PDF is then the very same document as the HTML page (one renderer to keep
right, not two), CSS paged media gives A4 pages, page numbers, a table of contents with page
numbers (``target-counter``) and chapter page breaks, and it runs in-process without a browser
or an office suite on the server. The charts stay vector graphics (inline SVG), sharp in print.
"""

from __future__ import annotations

import logging

from boendeinventering.core.report.html_export import report_to_html
from boendeinventering.core.tables import Report


def render_pdf(report: Report) -> bytes:
    import weasyprint

    # WeasyPrint and fontTools log every font subset and unsupported CSS at INFO/WARNING; the
    # report's CSS is ours and known to be fine, so keep them from flooding the server's log.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    html = report_to_html(report)
    # No base_url and a fetcher that refuses everything: the document is self-contained, and a
    # report must never make the server fetch a URL.
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch)
    return document.write_pdf(pdf_identifier=f"boinv-{report.kommun}-{report.year}".encode())


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"Rapporten hämtar inget utifrån ({url}).")
