"""The Word report (python-docx), drawn from the same document blocks as the HTML and PDF.

Made for a committee's agenda: Word's own heading styles (so the navigation pane and the table
of contents work), a table of contents field that Word fills in with page numbers when the file
is opened, tables whose header row repeats on every page, charts as images, one sans-serif font,
modest colours and page numbers in the footer.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from boendeinventering.core.report import document as d
from boendeinventering.core.report.charts import report_charts
from boendeinventering.core.report.labels import (
    NO_ROWS_TEXT,
    SUPPRESSED_FOOTNOTE,
    column_labels,
    report_title,
    table_has_suppression,
    value_label,
)
from boendeinventering.core.tables import Report, Table

FONT = "Arial"  # on every Windows and Mac machine; LibreOffice substitutes Liberation Sans
BLUE = "1F4E79"
DARK = "1A1A1A"
RED = "9C0006"
HEADER_FILL = "E8EEF5"
FIGURE_FILL = "F3F6F9"


def _rgb(hex_colour: str):
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_colour)


def _set_font(style, size: float, *, bold: bool | None = None, colour: str = DARK) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.color.rgb = _rgb(colour)
    if bold is not None:
        style.font.bold = bold
    # Word keeps separate font slots for East Asian and complex scripts; set them all so no
    # paragraph falls back to the theme's serif font.
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _styles(doc) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt

    styles = doc.styles
    _set_font(styles["Normal"], 10.5)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 26.0), ("Subtitle", 16.0)):
        _set_font(styles[name], size, colour=BLUE if name == "Title" else DARK)
        styles[name].font.italic = False
    for level, size in ((1, 17.0), (2, 13.0), (3, 11.5), (4, 10.5)):
        style = styles[f"Heading {level}"]
        _set_font(style, size, bold=True, colour=BLUE if level <= 2 else DARK)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(14 if level > 1 else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        # Each chapter starts on a new page, as in the PDF.
        style.paragraph_format.page_break_before = level == 1
    for name in ("List Bullet", "Caption"):
        _set_font(styles[name], 10.5 if name == "List Bullet" else 9)
    # The template's caption is bold: every table note and chart description read as a warning.
    styles["Caption"].font.italic = False
    styles["Caption"].font.bold = False
    if "Boinv Comment" not in [s.name for s in styles]:
        comment = styles.add_style("Boinv Comment", WD_STYLE_TYPE.PARAGRAPH)
        comment.base_style = styles["Normal"]
        comment.font.italic = True
        comment.paragraph_format.left_indent = Cm(0.8)
    for level in (1, 2):
        name = f"TOC {level}"
        try:
            toc_style = styles[name]
        except KeyError:
            toc_style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            toc_style.base_style = styles["Normal"]
        toc_style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        toc_style.paragraph_format.space_after = Pt(2)


def _style_id(name: str) -> str:
    """A style's id as python-docx names it (the name without spaces: "List Bullet" is
    "ListBullet"), for the built-in styles used here and those ``_styles`` adds."""
    return name.replace(" ", "")


def _add(doc, text: str = "", style: str = ""):
    """A paragraph in a named style. The style id is set on the XML directly: python-docx's own
    lookup by name scans every style on each call, which was a quarter of the Word file's time."""
    paragraph = doc.add_paragraph(text)
    if style:
        paragraph._p.style = _style_id(style)
    return paragraph


def _grid(doc, rows: int, cols: int):
    grid = doc.add_table(rows=rows, cols=cols)
    grid._tbl.tblStyle_val = _style_id("Table Grid")
    return grid


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) as begin–instruction–separate–result–end runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld_char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    fld_char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run(placeholder)
    fld_char("end")


def _toc(doc, document: d.Document) -> None:
    """A real TOC field (Word fills in page numbers when it updates fields on opening); until
    then its result lists the chapters, so the page is never empty, in LibreOffice neither."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    title = _add(doc, "Innehåll", "Subtitle")
    title.runs[0].bold = True
    headings = document.toc()
    first = _add(doc, style="TOC 1")
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    first.add_run()._r.append(fld)
    run = first.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    run._r.append(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    first.add_run()._r.append(sep)
    paragraph = first
    for i, heading in enumerate(headings):
        if i:
            paragraph = _add(doc, style=f"TOC {heading.level}")
        else:
            paragraph._p.style = _style_id(f"TOC {heading.level}")
        paragraph.add_run(heading.text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
    # Ask Word to update fields (the TOC's page numbers) when the document is opened.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings = doc.settings.element
    # w:settings is a schema sequence: updateFields goes before these, or Word calls the file damaged.
    later = {qn(f"w:{name}") for name in (
        "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "attachedSchema",
        "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
        "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
        "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")}
    later.add("{http://schemas.openxmlformats.org/officeDocument/2006/math}mathPr")
    following = next((child for child in settings if child.tag in later), None)
    if following is not None:
        following.addprevious(update)
    else:
        settings.append(update)


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    # Schema order inside w:trPr: cantSplit before tblHeader (Word rejects the other order).
    trpr.append(OxmlElement("w:cantSplit"))
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _keep_row_whole(row) -> None:
    """A row is not split over two pages (its label on one page, its numbers on the next)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _cell_text(cell, text: str, *, bold: bool = False, right: bool = False, size: float = 9) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


TEXT_WIDTH_CM = 16.6  # A4 less the 2,2 cm margins
# Text measured with Helvetica's metrics (Arial's), widened for DejaVu Sans, which LibreOffice draws
# in Arial's place where Arial is missing (16 % wider, 22 % in bold); a cell's left and right margins.
FALLBACK_WIDER, FALLBACK_WIDER_BOLD, CELL_PAD_CM = 1.16, 1.22, 0.42
MIN_NUMBER_CM, MIN_TEXT_CM = 1.3, 2.0


def _text_cm(text: str, *, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    points = stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", 9)
    return points / 72 * 2.54 * (FALLBACK_WIDER_BOLD if bold else FALLBACK_WIDER)


def _column_widths(head: list[str], body: list[list[str]], numeric: list[bool]) -> list[float]:
    """Column widths in cm, as the PDF sets them: a number column as wide as its widest value or
    its heading's longest word, the text columns sharing the rest. Word's equal columns broke
    "Underrättelser" over two lines and squeezed the row labels into a narrow first column."""
    def longest_word(text: str, bold: bool = False) -> float:
        return max((_text_cm(w, bold=bold) for w in text.split()), default=0.0)

    def natural(col: int) -> float:
        values = [_text_cm(row[col]) for row in body if col < len(row)]
        return max(longest_word(head[col], True), max(values, default=0.0)) + CELL_PAD_CM

    widths = [max(natural(c), MIN_NUMBER_CM) if numeric[c] else 0.0 for c in range(len(head))]
    texts = [c for c in range(len(head)) if not numeric[c]]
    rest = TEXT_WIDTH_CM - sum(widths)
    if texts and rest < MIN_TEXT_CM * len(texts):  # numbers alone fill the page: scale everything
        widths = [natural(c) if not numeric[c] else w for c, w in enumerate(widths)]
    elif texts:
        wanted = {c: max(natural(c), MIN_TEXT_CM) for c in texts}
        if sum(wanted.values()) <= rest:
            for c in texts:
                widths[c] = wanted[c]
        else:
            # Text wraps, numbers keep their width. Short columns ("65 år och äldre") get all they
            # want, the long ones share what is left equally (water-filling).
            room = rest
            for i, c in enumerate(sorted(texts, key=lambda c: wanted[c])):
                widths[c] = min(wanted[c], room / (len(texts) - i))
                room -= widths[c]
    spare = TEXT_WIDTH_CM - sum(widths)
    if spare > 0:
        widths = [w + spare / len(widths) for w in widths]
    scale = min(1.0, TEXT_WIDTH_CM / sum(widths))
    return [w * scale for w in widths]


def _set_widths(grid, widths: list[float]) -> None:
    """Fixed column widths (the grid's, which rows added later copy, and the header row's cells)."""
    from docx.shared import Cm

    grid.autofit = False
    for column, width in zip(grid.columns, widths):
        column.width = Cm(width)
    for cell, width in zip(grid.rows[0].cells, widths):
        cell.width = Cm(width)


def _table(doc, table: Table, *, quality: bool = False) -> None:
    from docx.shared import Pt

    labels = column_labels(table)
    n_dims = len(table.dimensions)
    grid = _grid(doc, 1, len(labels))
    texts = [[value_label(dim, data.get(dim)) for dim in table.dimensions]
             + [d.cell_text(data, m, quality=quality) for m in table.measures] for data in table.rows]
    _set_widths(grid, _column_widths(labels, texts, [col >= n_dims for col in range(len(labels))]))
    header = grid.rows[0]
    _repeat_header(header)
    for col, (cell, label) in enumerate(zip(header.cells, labels)):
        _cell_text(cell, label, bold=True, right=col >= n_dims)
        _shade(cell, HEADER_FILL)
    if not table.rows:
        row = grid.add_row()
        merged = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
        _cell_text(merged, NO_ROWS_TEXT)
    for data, row_texts in zip(table.rows, texts):
        row = grid.add_row()
        _keep_row_whole(row)
        cells = row.cells
        for col in range(n_dims):
            _cell_text(cells[col], row_texts[col])
        for i, measure in enumerate(table.measures):
            _cell_text(cells[n_dims + i], row_texts[n_dims + i], right=not isinstance(data.get(measure), str))
    notes = []
    if not quality and table_has_suppression(table):
        notes.append(SUPPRESSED_FOOTNOTE)
    if table.note:
        notes.append(table.note)
    if notes:  # the last row stays on the page of the note that explains its dashes
        for cell in grid.rows[-1].cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    for note in notes:
        paragraph = _add(doc, note, "Caption")
        paragraph.paragraph_format.space_before = Pt(3)
    if not notes:
        doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _text_table(doc, block: d.TextTable) -> None:
    """The year-over-year comparison: text already formatted from published cells."""
    from docx.shared import Pt

    caption = _add(doc, block.caption, "Caption")
    caption.runs[0].bold = True  # the table's title, above it
    caption.paragraph_format.keep_with_next = True
    grid = _grid(doc, 1, len(block.headings))
    last = len(block.headings) - 1
    _set_widths(grid, _column_widths(block.headings, block.rows,
                                     [0 < col < last for col in range(len(block.headings))]))
    _repeat_header(grid.rows[0])
    for col, (cell, label) in enumerate(zip(grid.rows[0].cells, block.headings)):
        _cell_text(cell, label, bold=True, right=0 < col < last)
        _shade(cell, HEADER_FILL)
    for row in block.rows:
        added = grid.add_row()
        _keep_row_whole(added)
        cells = added.cells
        for col, text in enumerate(row):
            _cell_text(cells[col], text, right=0 < col < last)
    for note in [block.note] if block.note else []:
        paragraph = _add(doc, note, "Caption")
        paragraph.paragraph_format.space_before = Pt(3)


def _facts(doc, rows: list[tuple[str, str]]) -> None:
    from docx.shared import Pt

    for label, value in rows:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)


def _figures(doc, block: d.FigureList) -> None:
    from docx.shared import Pt

    caption = doc.add_paragraph()
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.keep_with_next = True
    caption.add_run(block.caption).bold = True
    for label, value in block.rows:
        paragraph = _add(doc, style="List Bullet")
        paragraph.paragraph_format.space_after = Pt(1)
        paragraph.add_run(f"{label}: ")
        paragraph.add_run(value).bold = True


def _paragraph(doc, block: d.Paragraph) -> None:
    if block.style == "comment":
        _add(doc, block.text, "Boinv Comment")
        return
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.style in ("strong", "lead", "warning"):
        run.bold = True
    if block.style == "lead":
        from docx.shared import Pt

        run.font.size = Pt(12.5)
        run.font.color.rgb = _rgb(BLUE)
    elif block.style == "warning":
        run.font.color.rgb = _rgb(RED)
    elif block.style == "note":
        run.italic = True
    if block.style == "strong":
        paragraph.paragraph_format.keep_with_next = True


def _chart(doc, block: d.ChartBlock) -> None:
    from docx.shared import Cm

    chart = block.chart
    _add(doc, chart.title, f"Heading {block.level}")
    if chart.png:
        doc.add_picture(io.BytesIO(chart.png), width=Cm(16))
    else:
        doc.add_paragraph("Det finns inga uppgifter som kan visas i diagrammet.")
    _add(doc, chart.description, "Caption")


def _title_page(doc, document: d.Document) -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    for _ in range(5):
        doc.add_paragraph()
    _add(doc, document.title, "Title")
    _add(doc, document.subtitle, "Subtitle")
    status = doc.add_paragraph()
    status.paragraph_format.space_before = Pt(18)
    run = status.add_run(document.status)
    run.bold = True
    run.font.size = Pt(14 if document.preview else 11)
    if document.preview:
        run.font.color.rgb = _rgb(RED)
    if document.warning:
        warning = doc.add_paragraph().add_run(document.warning)
        warning.bold = True
        warning.font.size = Pt(14)
        warning.font.color.rgb = _rgb(RED)
    doc.add_paragraph()
    _facts(doc, document.facts)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _page_setup(doc, document: d.Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    section.different_first_page_header_footer = True  # a clean title page
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Sida ")
    _field(footer, "PAGE", "1")
    footer.add_run(" av ")
    _field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(9)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    text = f"{document.title} – {document.subtitle}"
    if document.preview or document.warning:
        text += f" – {document.warning or document.status}"
    run = header.add_run(text)
    run.font.size = Pt(8.5)
    run.font.color.rgb = _rgb(RED if (document.preview or document.warning) else "555555")


def _heading(doc, block: d.Heading) -> None:
    heading = _add(doc, block.text, f"Heading {min(block.level, 4)}")
    if block.level == 1 and not block.new_page:
        heading.paragraph_format.page_break_before = False


def _bullets(doc, block: d.Bullets) -> None:
    for item in block.items:
        _add(doc, item, "List Bullet")


RENDERERS: dict[type, Callable[..., None]] = {
    d.Heading: _heading,
    d.Paragraph: lambda doc, block: _paragraph(doc, block),
    d.Bullets: _bullets,
    d.Facts: lambda doc, block: _facts(doc, block.rows),
    d.FigureList: lambda doc, block: _figures(doc, block),
    d.TableBlock: lambda doc, block: _table(doc, block.table, quality=block.quality),
    d.ChartBlock: lambda doc, block: _chart(doc, block),
    d.TextTable: lambda doc, block: _text_table(doc, block),
}


def render_docx(report: Report) -> bytes:
    import docx

    document = d.build_document(report, charts=report_charts(report, image="png"))
    doc = docx.Document()
    _styles(doc)
    _page_setup(doc, document)
    props = doc.core_properties
    props.title = report_title(report)
    props.subject = document.status
    props.author = "Boendeinventering"  # never the logged-in user's name
    props.language = "sv-SE"
    _title_page(doc, document)
    _toc(doc, document)
    for block in document.blocks:
        RENDERERS[type(block)](doc, block)
    # Swedish as the document language: Word's spelling check and hyphenation follow it.
    _language(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _language(doc) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)
