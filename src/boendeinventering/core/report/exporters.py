"""The exporter registry: every report format in one place (after pretix's ``base/exporter.py``).

An exporter turns a finished (protected or explicitly unprotected) ``Report`` into bytes; it never
computes a figure. The command line (``boinv export --format``), the web downloads and the demo all
look formats up here, so a new format is one class and one line in ``EXPORTERS``. Writing a file
goes through ``atomic_write`` (``write``); a web download streams ``render``'s bytes directly.

Heavy libraries (matplotlib, python-docx, ReportLab) are imported inside ``render``, so listing
the formats — as the CLI's ``--help`` does — stays cheap.
"""

from __future__ import annotations

from pathlib import Path

from boendeinventering.core.report.files import atomic_write
from boendeinventering.core.report.labels import download_name
from boendeinventering.core.tables import Report


class Exporter:
    """One output format. Subclasses set the four class attributes and implement ``render``."""

    identifier: str = ""  # the --format value and the download URL's last part
    verbose_name: str = ""  # Swedish, for the download links
    mime_type: str = "application/octet-stream"
    extension: str = ""  # without the dot

    def render(self, report: Report) -> bytes:
        raise NotImplementedError

    def file_name(self, report: Report) -> str:
        """The name a download gets: marked when unprotected or not yet published."""
        return download_name(report, self.extension)

    def write(self, report: Report, path: Path | str) -> Path:
        # Rendered fully before the file system is touched: a failure leaves no file behind.
        content = self.render(report)
        return atomic_write(path, lambda tmp: tmp.write_bytes(content))


class JSONExporter(Exporter):
    identifier = "json"
    verbose_name = "JSON (maskinläsbar)"
    mime_type = "application/json"
    extension = "json"

    def render(self, report: Report) -> bytes:
        from boendeinventering.core.report.json_export import dumps

        return dumps(report).encode("utf-8")


class ExcelExporter(Exporter):
    identifier = "xlsx"
    verbose_name = "Excel"
    mime_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def render(self, report: Report) -> bytes:
        from boendeinventering.core.report.xlsx_export import render_xlsx

        return render_xlsx(report)


class HTMLExporter(Exporter):
    identifier = "html"
    verbose_name = "Webbsida (HTML)"
    mime_type = "text/html; charset=utf-8"
    extension = "html"

    def render(self, report: Report) -> bytes:
        from boendeinventering.core.report.html_export import report_to_html

        return report_to_html(report).encode("utf-8")


class WordExporter(Exporter):
    identifier = "docx"
    verbose_name = "Word"
    mime_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    extension = "docx"

    def render(self, report: Report) -> bytes:
        from boendeinventering.core.report.docx_export import render_docx

        return render_docx(report)


class PDFExporter(Exporter):
    identifier = "pdf"
    verbose_name = "PDF"
    mime_type = "application/pdf"
    extension = "pdf"

    def render(self, report: Report) -> bytes:
        from boendeinventering.core.report.pdf_export import render_pdf

        return render_pdf(report)


# In the order the download links show them: the documents people read first.
EXPORTERS: dict[str, Exporter] = {
    e.identifier: e for e in (WordExporter(), PDFExporter(), ExcelExporter(), HTMLExporter(), JSONExporter())
}
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
