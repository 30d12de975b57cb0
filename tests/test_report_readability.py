"""The report as a social committee reads it: each test opens a generated file back (Word, PDF,
Excel, HTML, or the chart a file embeds) and would fail if a defect found reading the demo's
report came back.

One hand-made year (the answers' helper tables, two earlier years, the units' forms) with a few
additions: protected housing and a women's shelter, and acute homelessness by sex and age.
"""

from __future__ import annotations

import html as html_module
import io
import math
import re
import shutil
import subprocess

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from boendeinventering.core.answers import forms as form_module
from boendeinventering.core.report import chart_png, labels
from boendeinventering.core.report.charts import TREND_CHART_ID, chart_specs
from boendeinventering.core.report.exporters import EXPORTERS
from boendeinventering.core.tables import Table
from tests.test_answers_core import YEAR, check_numbers, complete, demo_forms, make_report
from tests.test_year_over_year_report import flow_tables

CM_TWIPS = 567  # Word's widths are in twentieths of a point
CELL_MARGINS_TWIPS = 2 * 108  # Word's default left and right cell margins (0,19 cm each)


def _plain(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _tables() -> dict[str, Table]:
    t = flow_tables()
    t["persons_by_kod"].rows += [
        {"situation": 1, "kod": "skyddat_boende", "persons": 3, "households": 3, "children": 0, "nights": 90,
         "cost": 60000},
        {"situation": 1, "kod": "kvinnojour", "persons": 12, "households": 12, "children": 0, "nights": 300,
         "cost": 200000},
    ]
    # A(Y) by sex and age: the same 60 women and 70 men as acute_persons_by_sex, each cell at least
    # the stays' own (persons_by_situation_sex_age, situation 1: 3 and 6 elderly, 45 and 46 aged 31–40)
    t["acute_persons_by_sex_age"] = Table(
        "acute_persons_by_sex_age", "Personer i akut hemlöshet per kön och ålder", ["sex", "age_band"], ["persons"],
        [{"sex": "kvinna", "age_band": "65-", "persons": 6}, {"sex": "kvinna", "age_band": "31-40", "persons": 54},
         {"sex": "man", "age_band": "65-", "persons": 9}, {"sex": "man", "age_band": "31-40", "persons": 61}])
    # two years of the eviction form: the table whose "Underrättelser" Word broke over two lines
    t["form_avhysning_by_year"] = form_module.eviction_trend_table({YEAR - 1: demo_forms(), YEAR: demo_forms()})
    # Kronofogden's public statistics: the long number headings that pushed the HTML table wide
    t["kronofogden_by_year"] = Table(
        "kronofogden_by_year", "Avhysningar enligt Kronofogdens statistik", ["year"],
        ["kfm_applications", "kfm_evictions", "kfm_children"],
        [{"year": YEAR - 1, "kfm_applications": 68, "kfm_evictions": 12, "kfm_children": 6},
         {"year": YEAR, "kfm_applications": 74, "kfm_evictions": 15, "kfm_children": 7}])
    return t


@pytest.fixture(scope="module")
def report():
    _, safe = make_report(_tables(), demo_forms())
    return complete(safe, demo_forms())


@pytest.fixture(scope="module")
def files(report):
    return {fmt: EXPORTERS[fmt].render(report) for fmt in ("docx", "pdf", "xlsx", "html")}


def _docx_text(content: bytes) -> tuple[docx.document.Document, str]:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return document, "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    return _plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


def _all_texts(files) -> dict[str, str]:
    return {"docx": _plain(_docx_text(files["docx"])[1]), "pdf": _pdf_text(files["pdf"]),
            "xlsx": _plain(_xlsx_text(files["xlsx"])), "html": _plain(_html_text(files["html"]))}


def _html_text(content: bytes) -> str:
    """What a reader sees: the markup, its style sheet and the charts' drawing left out."""
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", content.decode("utf-8"), flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


# --- labels ----------------------------------------------------------------------------------------


def test_what_the_units_left_undistributed_reads_as_such_in_every_format(report, files):
    """It read "ej fördelat år och äldre" in the table by age (the value taken for an age band)."""
    assert labels.UNALLOCATED == form_module.UNALLOCATED
    by_age = [r["age_group"] for r in report.tables["form_utan_tak_by_age"].rows]
    by_sex = [r["sex"] for r in report.tables["form_utan_tak_by_sex"].rows]
    assert form_module.UNALLOCATED in by_age and form_module.UNALLOCATED in by_sex
    for fmt, text in _all_texts(files).items():
        assert "Ej fördelat på ålder" in text and "Ej fördelat på kön" in text, fmt
        assert "ej fördelat år" not in text.lower(), fmt


def test_payment_tables_head_their_column_with_purpose_not_housing_form(files):
    """"Hyresskuld" stood under the heading "Boendeform"."""
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    sheet = book[labels.SHEET_NAMES_SV["payments_by_purpose"]]
    headers = [row for row in sheet.iter_rows(values_only=True) if row and row[1] == "Personer"][0]
    assert headers[0] == "Ändamål"
    document, _ = _docx_text(files["docx"])
    for table in document.tables:
        column = [row.cells[0].text for row in table.rows]
        if "Hyresskuld" in column:
            assert column[0] == "Ändamål"
    assert '<th scope="col">Ändamål</th>' in files["html"].decode("utf-8")
    assert "Ändamål Personer Hushåll Belopp (kr)" in _pdf_text(files["pdf"])


# --- the answers' wording --------------------------------------------------------------------------


def test_protected_housing_sentence_has_no_brackets_inside_brackets(report, files):
    check_numbers(report)
    q9 = next(a for a in report.answers if a.id == "q9").text
    wanted = "Under året bodde ett antal personer (dolt av röjandeskäl) i skyddat boende och 12 personer i kvinnojour."
    assert _plain(wanted) in _plain(q9)
    for fmt, text in _all_texts(files).items():
        assert _plain(wanted) in text, fmt
        assert "röjandeskäl))" not in text, fmt


def test_elderly_and_largest_group_count_acute_homelessness_as_q1_and_the_signal_do(report, files):
    """q8 said 3 women and 6 men (stays only) beside the signal's 6 and 9 (stays or payments)."""
    signal = next(s for s in report.signals if s.id == "elderly_acute")
    assert sorted(f.value for f in signal.evidence) == [6, 9]
    q8 = _plain(next(a for a in report.answers if a.id == "q8").text)
    assert "akut hemlöshet (insatser eller ekonomiskt bistånd) 6 kvinnor och 9 män" in q8
    q5 = _plain(next(a for a in report.answers if a.id == "q5").text)
    assert "Den största gruppen i akut hemlöshet efter kön och ålder var män 31–40 år (61 personer)" in q5
    for fmt, text in _all_texts(files).items():
        assert "(insatser eller ekonomiskt bistånd) 6 kvinnor och 9 män" in text, fmt


# --- Word ----------------------------------------------------------------------------------------


def _helvetica_twips(text: str, bold: bool) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", 9) * 20  # Arial's widths


def test_word_table_columns_fit_their_words(files):
    """Equal columns broke "Underrättelser" in two and wrapped "65 år och äldre" while the row
    labels had room to spare."""
    document, _ = _docx_text(files["docx"])
    checked = 0
    for table in document.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(grid) - 16.6 * CM_TWIPS) < 30  # the page's text width
        header = [c.text for c in table.rows[0].cells]
        for width, heading in zip(grid, header):
            for word in heading.split():
                assert _helvetica_twips(word, True) + CELL_MARGINS_TWIPS <= width, (heading, word)
                checked += 1
        if "Ålder" in header:
            col = header.index("Ålder")
            assert _helvetica_twips("65 år och äldre", False) + CELL_MARGINS_TWIPS <= grid[col]
        for row in table.rows[1:]:  # a row is never split over two pages
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    by_year = [t for t in document.tables if [c.text for c in t.rows[0].cells][:2] == ["År", "Underrättelser"]]
    assert checked > 50 and by_year


def test_word_notes_are_not_bold_and_the_trend_chart_sits_under_its_section(report, files):
    document, _ = _docx_text(files["docx"])
    assert document.styles["Caption"].font.bold is False
    note = next(p for p in document.paragraphs if p.text == labels.SUPPRESSED_FOOTNOTE)
    assert note.style.name == "Caption" and not any(r.bold for r in note.runs)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    trend_title = next(c.title for c in chart_specs(report) if c.id == TREND_CHART_ID)
    at = headings.index(("Heading 3", trend_title))
    assert headings[at - 1][0] == "Heading 2" and headings[at - 1][1].startswith("Trend ")


def test_libreoffice_shows_the_word_tables_headings_unbroken(tmp_path, files):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice saknas: make test installerar libreoffice-writer-nogui")
    source = tmp_path / "rapport.docx"
    source.write_bytes(files["docx"])
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180, check=True)
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "rapport.pdf").pages)
    assert re.search(r"\bUnderrättelser\b", text)
    assert "Underrättels\ner" not in text and "Förändrin\ng" not in text


# --- charts --------------------------------------------------------------------------------------


def _nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5, 10))


def test_the_charts_in_word_and_pdf_have_readable_labels_and_round_axis_steps(report):
    """The trend's value labels (7 pt, under 6 pt on paper) lay under the lines running through
    them; the axes went 0, 150 … 1 050 and 0 %, 15 % … 105 %."""
    specs = {s.id: s for s in chart_specs(report)}
    fig = chart_png.figure(specs[TREND_CHART_ID])
    ax = fig.axes[0]
    values = [t for t in ax.texts if t.get_text().strip()]
    assert len(values) == 4 * 3  # four lines, three years
    for label in values:
        assert label.get_fontsize() >= 8
        assert label.get_path_effects(), label.get_text()  # the white outline under the figures
    ticks = [t for t in ax.get_yticks() if t >= 0]
    assert _nice(ticks[1] - ticks[0]), ticks
    for spec_id in ("diagram-situation", "diagram-belaggning"):
        ax = chart_png.figure(specs[spec_id]).axes[0]
        ticks = [t for t in ax.get_xticks() if t >= 0]
        assert _nice(ticks[1] - ticks[0]), (spec_id, ticks)


def test_the_html_trend_chart_outlines_its_value_labels(files):
    html = files["html"].decode("utf-8")
    trend = html.split(f'<figure id="{TREND_CHART_ID}">')[1].split("</figure>")[0]
    labelled = re.findall(r'<text [^>]*paint-order="stroke"[^>]*>([^<]+)</text>', trend)
    assert len(labelled) == 4 * 3 and all(re.fullmatch(r"[\d\u00a0–]+", v) for v in labelled)


# --- Excel ---------------------------------------------------------------------------------------


def test_excel_numbers_the_questions_and_signs_the_changes(files):
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    numbers = [row[0] for row in book["Svar"].iter_rows(min_row=5, values_only=True) if row[0] is not None]
    assert numbers == list(range(1, 11))  # the method support's numbers, not "Q1"
    sheet = book["Utveckling över tid"]
    change = next(row[3] for row in sheet.iter_rows() if row[0].value == "Personer i akut hemlöshet (situation 1, "
                  "insatser och utbetalningar)")
    assert change.value == 130 - 121 and change.number_format.startswith("+")  # shown "+9" as in PDF and Word


def test_excel_sheets_of_the_later_tables_have_whole_names(report, files):
    """Cut at 31 characters they read "Vart tog personerna i akut heml" and "Personer utan tak över huvu (2)"."""
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    for table_id in report.tables:
        assert table_id in labels.SHEET_NAMES_SV, table_id
        assert labels.SHEET_NAMES_SV[table_id] in book.sheetnames, table_id
    assert not [name for name in book.sheetnames if name.endswith(")")]


def test_word_keeps_a_tables_last_row_with_the_note_under_it(files):
    """The note explaining "–" began the next page, away from the table it explains."""
    document, _ = _docx_text(files["docx"])
    body = list(document.element.body)
    kept = 0
    for table in document.tables:
        following = body[body.index(table._tbl) + 1]
        if following.tag == qn("w:p") and Paragraph(following, None).text == labels.SUPPRESSED_FOOTNOTE:
            assert all(c.paragraphs[0].paragraph_format.keep_with_next for c in table.rows[-1].cells)
            kept += 1
    assert kept >= 3


# --- nearly empty pages --------------------------------------------------------------------------


def test_no_printed_page_holds_only_the_introduction_or_one_short_chart(files):
    """The introduction had a page of its own, and the two short bar charts each had one, with the
    tall chart by sex and age between them: three mostly empty pages in print."""
    pages = [_plain(p.extract_text()) for p in PdfReader(io.BytesIO(files["pdf"])).pages]
    intro = next(p for p in pages if p.startswith("Inledning"))
    assert "Svar på metodstödets frågor 1. Hur många" in intro
    situation = next(i for i, p in enumerate(pages) if "Antal personer per situation. Stapeldiagram" in p)
    assert "Beläggning per boendeform. Stapeldiagram" in pages[situation]
    assert "Antal personer per kön och ålder, per situation. Stapeldiagram" in pages[situation + 1]
    document, _ = _docx_text(files["docx"])
    answers = next(p for p in document.paragraphs
                   if p.text == "Svar på metodstödets frågor" and p.style.name == "Heading 1")
    assert answers.paragraph_format.page_break_before is False
    captions = [p.text for p in document.paragraphs if p.style.name == "Heading 2" and p.text in (
        "Antal personer per situation", "Beläggning per boendeform", "Antal personer per kön och ålder, per situation")]
    assert captions[-1] == "Antal personer per kön och ålder, per situation"


def test_sources_name_the_units_forms_by_their_titles_not_their_codes(files):
    """"Källor: … Enheternas formulär (utan_tak)" showed the program's code for the form."""
    for fmt, text in _all_texts(files).items():
        assert "Enheternas formulär ”Personer som sover utan tak över huvudet”" in text, fmt
        assert "(utan_tak)" not in text and "(medarbetarkunskap)" not in text, fmt
        assert not re.search(r"\b[a-zåäö]+_[a-zåäö_]+\b", text), fmt


def test_awkward_phrases_found_reading_the_report_are_gone(files):
    """q1 said "ekonomiskt bistånd till till exempel hotell"; the appendix spoke of "tröskeln minus
    ett", a setting the reader never sees."""
    for fmt, text in _all_texts(files).items():
        assert "ekonomiskt bistånd, till exempel till hotell eller vandrarhem" in text, fmt
        assert "till till" not in text and "tröskeln minus" not in text, fmt
    assert "små antal personer, hushåll och barn (se Metod ovan) tas bort" in _pdf_text(files["pdf"])


# --- HTML ----------------------------------------------------------------------------------------


def test_html_tables_stay_inside_the_pages_column(files, tmp_path, page):
    """The number columns' headings did not wrap: "Ansökningar om avhysning (Kronofogden)" on one
    line pushed the table past the page's column and the window scrolled sideways."""
    source = tmp_path / "rapport.html"
    source.write_bytes(files["html"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(source.as_uri())
    sticking_out = page.evaluate("""() => {
        const right = document.querySelector('main').getBoundingClientRect().right;
        return Array.from(document.querySelectorAll('table'))
            .filter(t => t.getBoundingClientRect().right > right + 1).map(t => t.id);
    }""")
    assert sticking_out == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.evaluate("getComputedStyle(document.querySelector('td.num')).whiteSpace") == "nowrap"


def test_pdf_verdict_column_is_left_aligned_like_its_words(files):
    """"ökning" and "osäker förändring" were right-aligned with the numbers, in Word and HTML left."""
    reader = PdfReader(io.BytesIO(files["pdf"]))
    page = next(p for p in reader.pages if "Huvudsiffror" in p.extract_text())
    starts: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        word = text.strip()
        if word in ("Bedömning", "ökning", "minskning", "osäker förändring"):
            starts.setdefault(word, tm[4] + cm[4])  # x of the run's start (no scaling in these tables)

    page.extract_text(visitor_text=visit)
    verdicts = [x for word, x in starts.items() if word != "Bedömning"]
    assert verdicts and "Bedömning" in starts
    assert all(abs(x - starts["Bedömning"]) < 1.0 for x in verdicts), starts


def test_excel_contents_link_to_their_sheets(files):
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    about = book["Om rapporten"]
    links = {c.hyperlink.location.split("!")[0].strip("'") for row in about.iter_rows() for c in row
             if c.hyperlink is not None and c.hyperlink.location}
    assert {"Svar", "Behov", "Datakvalitet", labels.SHEET_NAMES_SV["form_utan_tak_by_age"]} <= links
    assert links <= set(book.sheetnames)


def test_a_figure_box_caption_never_ends_a_pdf_page(report):
    """"Underlag" stood alone at the foot of a page, its one figure at the top of the next. The
    introduction's length moves everything after it down, so a few lengths put boxes at every
    height of the page."""
    decorations = ("Inventering av socialtjänstens insatser", "Sida ", "EJ PUBLICERAD")
    captions = ("Underlag", "Siffror som svaret bygger på")
    seen = 0
    original = report.introduction
    try:
        for lines_added in range(0, 48, 4):
            report.introduction = "\n\n".join(["Inledningens stycke."] * (lines_added + 1))
            for page in PdfReader(io.BytesIO(EXPORTERS["pdf"].render(report))).pages:
                lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
                for i, line in enumerate(lines):
                    if line in captions:
                        seen += 1
                        following = lines[i + 1] if i + 1 < len(lines) else ""
                        assert following and not following.startswith(decorations), (lines_added, line)
    finally:
        report.introduction = original
    assert seen > 100
