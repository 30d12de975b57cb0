"""The exporter registry: every report format in one place (after pretix's ``base/exporter.py``).

An exporter turns a finished (protected or explicitly unprotected) ``Report`` into bytes; it never
computes a figure. The command line (``boinv export --format``), the web downloads and the demo all
look formats up here, so a new format is one line in ``EXPORTERS``. Writing a file
goes through ``atomic_write`` (``write``); a web download streams ``render``'s bytes directly.

Heavy libraries (matplotlib, python-docx, ReportLab) are imported inside ``render``, so listing
the formats — as the CLI's ``--help`` does — stays cheap.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from boendeinventering.core.report.files import atomic_write
from boendeinventering.core.report.labels import download_name
from boendeinventering.core.tables import Report


@dataclass(frozen=True)
class Exporter:
    """One output format: its names, and the function that renders it."""

    identifier: str  # the --format value and the download URL's last part
    verbose_name: str  # Swedish, for the download links
    mime_type: str
    extension: str  # without the dot
    renderer: str  # "module:function" taking a Report, returning bytes or text (UTF-8)

    def render(self, report: Report) -> bytes:
        # Imported here, not at the top: listing the formats must not load the heavy libraries.
        module, name = self.renderer.split(":")
        content = getattr(importlib.import_module(f"boendeinventering.core.report.{module}"), name)(report)
        return content.encode("utf-8") if isinstance(content, str) else content

    def file_name(self, report: Report) -> str:
        """The name a download gets: marked when unprotected or not yet published."""
        return download_name(report, self.extension)

    def write(self, report: Report, path: Path | str) -> Path:
        # Rendered fully before the file system is touched: a failure leaves no file behind.
        content = self.render(report)
        return atomic_write(path, lambda tmp: tmp.write_bytes(content))


OOXML = "application/vnd.openxmlformats-officedocument"
# In the order the download links show them: the documents people read first.
EXPORTERS: dict[str, Exporter] = {e.identifier: e for e in (
    Exporter("docx", "Word", f"{OOXML}.wordprocessingml.document", "docx", "docx_export:render_docx"),
    Exporter("pdf", "PDF", "application/pdf", "pdf", "pdf_export:render_pdf"),
    Exporter("xlsx", "Excel", f"{OOXML}.spreadsheetml.sheet", "xlsx", "xlsx_export:render_xlsx"),
    Exporter("html", "Webbsida (HTML)", "text/html; charset=utf-8", "html", "html_export:report_to_html"),
    Exporter("json", "JSON (maskinläsbar)", "application/json", "json", "json_export:dumps"),
)}
FORMATS: tuple[str, ...] = tuple(EXPORTERS)


class UnknownFormatError(ValueError):
    pass


def get_exporter(identifier: str) -> Exporter:
    try:
        return EXPORTERS[identifier]
    except KeyError:
        raise UnknownFormatError(
            f"Okänt format '{identifier}'. Välj {', '.join(FORMATS[:-1])} eller {FORMATS[-1]}."
        ) from None
