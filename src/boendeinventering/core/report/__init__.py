"""Report exporters: JSON (SPEC 6), Excel, HTML, Word and PDF, through one registry
(``exporters.EXPORTERS``).

All writers are atomic: the output is written to a temporary file next to the target and
moved into place only when complete, so a failed export never leaves a half-written file
that someone could mistake for a finished one.
"""

from __future__ import annotations

from boendeinventering.core.report.files import atomic_write, atomic_write_text
from boendeinventering.core.report.html_export import report_to_html, write_html
from boendeinventering.core.report.json_export import report_to_json, write_json
from boendeinventering.core.report.xlsx_export import write_xlsx

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "report_to_html",
    "report_to_json",
    "write_html",
    "write_json",
    "write_xlsx",
]
