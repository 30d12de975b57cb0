"""The committee's report in every format: the exporter registry, and the Word, PDF, Excel,
HTML and JSON files opened back and checked against the report's own figures."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from boendeinventering.core.report.exporters import EXPORTERS, FORMATS, UnknownFormatError, get_exporter
from boendeinventering.core.report.labels import (
    NOT_PUBLISHED,
    SUPPRESSED_FOOTNOTE,
    format_cell,
    format_date_sv,
    format_percent_sv,
    value_label,
)
from boendeinventering.core.report.snapshot import report_from_snapshot, report_to_snapshot
from tests.report_samples import (
    ACUTE_MEN,
    ACUTE_TOTAL,
    ACUTE_WOMEN,
    DISCHARGE,
    HOTEL_COST,
    sample_report,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _plain(text: str) -> str:
    """Text with every kind of space made one ordinary space, for comparing extracted text."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture(scope="module")
def published():
    return sample_report()


@pytest.fixture(scope="module")
def rendered(published):
    return {fmt: e.render(published) for fmt, e in EXPORTERS.items()}


@pytest.fixture(scope="module")
def preview_rendered():
    report = sample_report(published=None)
    return {fmt: e.render(report) for fmt, e in EXPORTERS.items()}


def _stated_numbers(report) -> list[str]:
    """Every figure the answers and signals state, as the report formats it."""
    numbers = []
    for answer in report.answers:
        for fig in answer.figures:
            table = report.tables[fig.table]
            row = next(r for r in table.rows if all(r.get(k) == v for k, v in fig.key.items()))
            numbers.append(format_cell(row, fig.measure))
    return numbers


# --- the registry ---------------------------------------------------------------------------


def test_registry_formats_and_contract():
    assert set(FORMATS) == {"json", "xlsx", "html", "docx", "pdf"}
    for identifier, exporter in EXPORTERS.items():
        assert exporter.identifier == identifier and exporter.extension == identifier
        assert exporter.verbose_name and "/" in exporter.mime_type
    with pytest.raises(UnknownFormatError, match="Okänt format 'odt'"):
        get_exporter("odt")


def test_rendered_bytes_are_the_formats_they_claim(rendered):
    assert rendered["docx"][:2] == b"PK" and rendered["xlsx"][:2] == b"PK"
    assert rendered["pdf"][:5] == b"%PDF-"
    assert rendered["html"].startswith(b"<!DOCTYPE html>")
    assert json.loads(rendered["json"])["format"] == "boinv/1"


def test_write_is_atomic_and_equals_render(tmp_path, published):
    path = EXPORTERS["json"].write(published, tmp_path / "r.json")
    assert path.read_bytes() == EXPORTERS["json"].render(published)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_file_names_mark_previews_and_unprotected(published):
    pdf = EXPORTERS["pdf"]
    assert pdf.file_name(published) == "inventering-2025.pdf"
    assert pdf.file_name(sample_report(published=None)) == "inventering-2025-ej-publicerad.pdf"
    assert pdf.file_name(sample_report(published=None, protected=False)) == "inventering-2025-ej-rojandeskyddad.pdf"


# --- Word -----------------------------------------------------------------------------------


def _docx_text(content: bytes) -> tuple[docx.document.Document, str]:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return document, "\n".join(parts)


def test_docx_structure_headings_toc_tables_images(rendered, published):
    document, text = _docx_text(rendered["docx"])
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    chapters = [t for s, t in headings if s == "Heading 1"]
    assert chapters[:4] == ["Inledning", "Svar på metodstödets frågor", "Behov som siffrorna pekar på",
                            "Rekommendation"]
    assert "Tabeller" in chapters and chapters[-1].startswith("Bilaga")
    assert ("Heading 2", "1. " + published.answers[0].question) in headings
    assert ("Heading 2", "8. " + published.answers[3].question) in headings  # q8 keeps its number
    xml = document.element.xml
    assert 'TOC \\o "1-2"' in xml  # a real table-of-contents field
    assert "w:tblHeader" in xml  # header rows repeat on every page
    assert len(document.inline_shapes) == 3  # the charts (situation, sex and age, occupancy) as images
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert {s.font.name for s in (document.styles["Normal"], document.styles["Heading 1"])} == {"Arial"}
    assert f"Publicerad {format_date_sv(published.published)}" in text
    assert NOT_PUBLISHED not in text


def test_docx_states_the_reports_figures(rendered, published):
    document, text = _docx_text(rendered["docx"])
    for number in _stated_numbers(published):
        assert number in text, number
    assert "1\u00a0206" in text and "4\u00a0512\u00a0345" in text and "87,5\u00a0%" in text
    # the table cells equal the report's cells
    situation = next(t for t in document.tables if t.rows[0].cells[0].text == "Situation"
                     and len(t.columns) == 6)
    assert [c.text for c in situation.rows[1].cells] == [
        value_label("situation", 1), "1\u00a0206", "1\u00a0010", "143", "98\u00a0765", "12\u00a0345\u00a0678"]
    assert [c.text for c in situation.rows[4].cells][1:] == ["–", "–", "0", "–", "–"]
    assert SUPPRESSED_FOOTNOTE in text
    for part in ("Samordnarens kommentar", "Antalet har ökat sedan förra året", "Avfärdade signaler",
                 "Beror på två enskilda ärenden", "Komplettera med en lokal hemlöshetskartläggning",
                 "Rapporten lämnas till socialnämnden", "Behovet av bostäder för barnfamiljer",
                 "Röjandeskydd", "Datakvalitet", "Delvis besvarad", "Underlag saknas"):
        assert part in text, part


def test_docx_preview_is_marked(preview_rendered):
    document, text = _docx_text(preview_rendered["docx"])
    assert NOT_PUBLISHED in text
    assert NOT_PUBLISHED in document.sections[0].header.paragraphs[0].text  # on every page


# --- PDF ------------------------------------------------------------------------------------


def _pdf_pages(content: bytes) -> list[str]:
    return [_plain(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def test_pdf_text_states_the_reports_figures(rendered, published):
    pages = _pdf_pages(rendered["pdf"])
    text = " ".join(pages)
    assert len(pages) >= 8
    assert "Inventering av socialtjänstens insatser för boende" in pages[0]
    assert f"Publicerad {format_date_sv(published.published)}" in pages[0]
    assert "Innehåll" in pages[1] and "Svar på metodstödets frågor" in pages[1]
    for number in _stated_numbers(published):
        assert _plain(number) in text, number
    assert _plain("Under 2025 beviljades 1 206 personer") in text
    assert "Avfärdade signaler" in text and "Komplettera med en lokal hemlöshetskartläggning" in text
    assert "Sida 2 av" in pages[1]  # page numbers in the footer
    assert NOT_PUBLISHED not in text


def test_pdf_contents_page_numbers_point_at_the_chapters(rendered, published):
    """The contents' page numbers are final (laid out in two passes): each chapter that starts a
    new page starts the page its entry names."""
    from boendeinventering.core.report.document import build_document

    raw = [page.extract_text() for page in PdfReader(io.BytesIO(rendered["pdf"])).pages]
    toc = build_document(published).toc()
    contents = "".join(raw[1:4])
    # each entry's page number is extracted as a line of its own: leader dots (if any) and the number
    numbers = [int(n) for n in re.findall(r"^[ .]*?(\d+)$", contents, flags=re.M)][:len(toc)]
    assert len(numbers) == len(toc) and numbers == sorted(numbers)
    chapters = [(h.text, n) for h, n in zip(toc, numbers) if h.level == 1 and h.new_page]
    assert len(chapters) >= 4
    for text, number in chapters:
        assert raw[number - 1].startswith(text), (text, number)


def test_pdf_preview_is_marked_on_title_page_and_every_page(preview_rendered):
    pages = _pdf_pages(preview_rendered["pdf"])
    assert all(NOT_PUBLISHED in page for page in pages)


def test_pdf_pages_rendered_to_png_for_people(rendered):
    """Writes the pages as PNG into test-artifacts/ so a person can look at them."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) saknas: installera det, t.ex. apt-get install poppler-utils")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "rapport.pdf"
    pdf.write_bytes(rendered["pdf"])
    for old in ARTIFACTS.glob("rapport-sida-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "rapport-sida")], check=True)
    pngs = sorted(ARTIFACTS.glob("rapport-sida-*.png"))
    assert len(pngs) == len(PdfReader(io.BytesIO(rendered["pdf"])).pages)
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_libreoffice_converts_the_docx_without_errors(tmp_path, rendered):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice saknas: make test installerar libreoffice-writer-nogui")
    source = tmp_path / "rapport.docx"
    source.write_bytes(rendered["docx"])
    result = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = tmp_path / "rapport.pdf"
    assert converted.exists(), result.stdout + result.stderr
    text = " ".join(_pdf_pages(converted.read_bytes()))
    assert "Svar på metodstödets frågor" in text and _plain("1 206") in text
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(converted, ARTIFACTS / "rapport-fran-word.pdf")


# --- Excel ----------------------------------------------------------------------------------


def test_xlsx_answers_signals_and_native_charts(rendered, published):
    book = openpyxl.load_workbook(io.BytesIO(rendered["xlsx"]))
    assert book.sheetnames[:4] == ["Om rapporten", "Svar", "Behov", "Diagram"]
    answers = [row for row in book["Svar"].iter_rows(values_only=True) if row and row[0] in (1, 2, 4, 8)]
    assert [r[0] for r in answers] == [1, 2, 4, 8]  # the method support's numbers
    q1 = answers[0]
    assert q1[1] == published.answers[0].question and q1[2] == "Besvarad" and q1[3] == published.answers[0].text
    assert "1\u00a0206" in q1[4] and "418" in q1[4] and q1[7] == published.answers[0].comment
    signals = [row for row in book["Behov"].iter_rows(values_only=True) if row and row[0]]
    titles = [r[0] for r in signals]
    assert titles.index("Barn i hotell och vandrarhem") < titles.index("Långa vistelser i akuta boenden")
    assert "Komplettera med en lokal hemlöshetskartläggning" in titles
    # native charts: openpyxl keeps the drawings it reads in the sheet's _charts
    charts_sheet = book["Diagram"]
    assert len(charts_sheet._charts) == 3
    values = [row[1] for row in charts_sheet.iter_rows(values_only=True) if isinstance(row[1], (int, float))]
    assert ACUTE_TOTAL in values and ACUTE_WOMEN in values and ACUTE_MEN in values
    assert "–" not in values  # a suppressed cell never reaches a chart
    occupancy = book["Beläggning"]  # SPEC 9's 87.5 per cent, as an Excel percentage (a share)
    cells = [c for row in occupancy.iter_rows() for c in row if c.value == 0.875]
    assert cells and cells[0].number_format == "0.0 %"


# --- JSON and HTML --------------------------------------------------------------------------


def test_json_answers_signals_recommendation(rendered, published):
    data = json.loads(rendered["json"])
    assert data["publication_status"] == "publicerad" and data["published"] == "2026-03-05"
    q1 = data["answers"][0]
    assert list(q1)[:7] == ["id", "question", "status", "text", "tables", "sources", "caveats"]  # SPEC 10
    assert q1["id"] == "q1" and q1["status"] == "answered"
    assert [f["value"] for f in q1["figures"]] == [ACUTE_TOTAL, ACUTE_WOMEN, ACUTE_MEN, None]
    assert data["answers"][2]["figures"][1]["value"] == HOTEL_COST
    assert data["answers"][1]["figures"][0]["value"] == DISCHARGE
    assert [s["status"] for s in data["signals"]] == ["commented", "dismissed"]
    assert data["recommendation"]["advice"] == "lokal_kartlaggning"
    assert data["introduction"].startswith("Inventeringen har gjorts")


def test_json_preview_says_so(preview_rendered):
    data = json.loads(preview_rendered["json"])
    assert data["published"] is None and data["publication_status"] == "ej publicerad"


def test_html_has_every_chapter_in_order(rendered, published):
    html = rendered["html"].decode("utf-8")
    order = ["Innehåll", "Inledning", "Svar på metodstödets frågor", "Behov som siffrorna pekar på",
             "Rekommendation", "Slutsatser", "Tabeller", "Diagram", "Bilaga: metod, röjandeskydd och datakvalitet"]
    positions = [html.index(f">{h}</h2>") for h in order]
    assert positions == sorted(positions)
    assert "Publicerad 5 mars 2026" in html
    for number in _stated_numbers(published):
        assert number in html


def test_swedish_formatting_helpers():
    import datetime as dt

    assert format_date_sv(dt.date(2026, 3, 5)) == "5 mars 2026"
    assert format_percent_sv(0.125) == "12,5\u00a0%"


def test_snapshot_keeps_answers_signals_recommendation_and_texts(published):
    again = report_from_snapshot(json.loads(json.dumps(report_to_snapshot(published))))
    original = dataclasses.replace(published, published=None)
    assert again == original
    # a snapshot from before answers existed still loads
    old = report_to_snapshot(published)
    for key in ("answers", "signals", "recommendation", "introduction", "conclusions"):
        old.pop(key)
    assert report_from_snapshot(old).answers == []


def test_occupancy_chart_leaves_out_suppressed_shares():
    from boendeinventering.core.report.charts import occupancy_chart_data
    from boendeinventering.core.tables import Table

    table = Table("occupancy_by_kod", "Beläggning", ["kod"], ["place_nights", "nights", "occupancy"], [
        {"kod": "hotell", "place_nights": 1000, "nights": 875, "occupancy": 87.5},
        {"kod": "harbarge", "place_nights": None, "nights": None, "occupancy": 50.0,
         "suppressed": ["place_nights", "nights", "occupancy"]},
    ])
    data = occupancy_chart_data(table)
    assert data.series["Beläggning"] == [87.5, None]  # the leftover 50.0 never reaches the chart
    assert data.suppressed == [("Härbärge", "Beläggning")]


def test_a_figure_summed_over_a_dimension_reads_as_the_total():
    from boendeinventering.core.report.labels import TOTAL_LABEL, value_label

    assert value_label("sex", "*") == TOTAL_LABEL != "*"
