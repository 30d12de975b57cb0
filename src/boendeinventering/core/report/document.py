"""The report as a document: chapters of headings, paragraphs, lists and tables, in one order.

HTML (and so PDF) and Word are drawn from this one list of blocks, so the committee reads the
same content, in the same order, whichever file it opens; only the drawing differs. Every figure
comes from the protected ``Report`` as it is: nothing here computes or rounds a number anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boendeinventering.core.report.charts import SEX_AGE_CHART_ID, TREND_CHART_ID, Chart, report_charts
from boendeinventering.core.report.labels import (
    ADVICE_SV,
    SUPPRESSED_MARK,
    ANSWER_STATUS_SV,
    DISCLOSURE_TEXT,
    DOCUMENT_TITLE,
    NO_ROWS_TEXT,
    NOT_PUBLISHED_NOTE,
    SIGNAL_STATUS_SV,
    SUPPRESSED_FOOTNOTE,
    UNPROTECTED_WARNING,
    cell_value,
    document_subtitle,
    figure_label,
    figure_value,
    format_cell,
    format_date_sv,
    format_number_sv,
    history_text,
    is_preview,
    kommun_label,
    publication_line,
    quality_value,
    source_label,
    yes_no,
)
from boendeinventering.core.tables import Answer, Report, Signal, Table

DEFAULT_INTRODUCTION = (
    "Rapporten redovisar kommunens årliga inventering av socialtjänstens insatser för boende, "
    "enligt Socialstyrelsens metodstöd. Uppgifterna kommer från socialtjänstens verksamhetssystem "
    "och från enheternas formulär. Den besvarar metodstödets tio frågor, visar de behov som "
    "siffrorna pekar på och ger en rekommendation om fortsatt kartläggning. Tabellerna och "
    "beskrivningen av metoden finns sist i rapporten."
)


@dataclass
class Heading:
    level: int  # 1 = chapter, 2, 3
    text: str
    anchor: str
    new_page: bool = True  # a chapter starts a new page in print; short ones follow on


@dataclass
class Paragraph:
    text: str
    style: str = ""  # "" | "note" | "warning" | "lead" | "comment" | "strong"


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Facts:
    """A short list of label–value pairs (status, sources …), drawn without a table grid."""

    rows: list[tuple[str, str]]


@dataclass
class FigureList:
    """The figures a text states, each with where it stands in the tables."""

    caption: str
    rows: list[tuple[str, str]]  # (label, value as published)


@dataclass
class TableBlock:
    table: Table
    anchor: str
    quality: bool = False


@dataclass
class ChartBlock:
    chart: Chart
    # The heading level of the chart's title where a format gives it one (Word): 3 under the trend
    # section's own level-2 heading, so the tables after it are not filed under the chart.
    level: int = 2


@dataclass
class TextTable:
    """A small table of text already formatted from published cells (the year-over-year
    comparison): a caption, column headings and rows; the first column heads each row."""

    caption: str
    headings: list[str]
    rows: list[list[str]]
    anchor: str
    note: str = ""


Block = Heading | Paragraph | Bullets | Facts | FigureList | TableBlock | ChartBlock | TextTable


@dataclass
class Document:
    title: str
    subtitle: str
    status: str  # "Publicerad 5 mars 2026" or "EJ PUBLICERAD – förhandsversion"
    preview: bool
    warning: str  # set on unprotected reports
    facts: list[tuple[str, str]]
    blocks: list[Block] = field(default_factory=list)

    def toc(self, max_level: int = 2) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading) and b.level <= max_level]


def cell_text(row: dict, measure: str, *, quality: bool = False) -> str:
    """A measure's cell as every format prints it: the published value, "–" where suppressed;
    data-quality cells (not protected) as they are."""
    value = quality_value(row.get(measure)) if quality else cell_value(row, measure)
    if value is None:
        return SUPPRESSED_MARK
    if isinstance(value, str):
        return value
    return format_number_sv(value) if quality else format_cell(row, measure)


def _paragraphs(text: str, style: str = "") -> list[Paragraph]:
    """The coordinator's text: blank lines separate paragraphs, as in an e-mail."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(p, style) for p in parts if p]


def _answer_blocks(report: Report, answer: Answer, number: int) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, f"{number}. {answer.question}", f"svar-{answer.id}"),
        Facts([("Status", ANSWER_STATUS_SV.get(answer.status, answer.status))]),
    ]
    blocks += _paragraphs(answer.text) or [Paragraph("Frågan kan inte besvaras med årets underlag.")]
    if answer.figures:
        blocks.append(FigureList("Siffror som svaret bygger på",
                                 [(figure_label(report, f), figure_value(f)) for f in answer.figures]))
    facts = []
    titles = [report.tables[t].title or t for t in answer.tables if t in report.tables]
    if titles:
        facts.append(("Tabeller", "; ".join(titles)))
    if answer.sources:
        facts.append(("Källor", "; ".join(source_label(s) for s in answer.sources)))
    if facts:
        blocks.append(Facts(facts))
    if answer.caveats:
        blocks.append(Paragraph("Att tänka på", "strong"))
        blocks.append(Bullets(list(answer.caveats)))
    if answer.comment.strip():
        blocks.append(Paragraph("Samordnarens kommentar", "strong"))
        blocks += _paragraphs(answer.comment, "comment")
    return blocks


def _signal_blocks(report: Report, signal: Signal, index: int, level: int) -> list[Block]:
    blocks: list[Block] = [Heading(level, signal.title, f"signal-{signal.id}-{index}")]
    blocks += _paragraphs(signal.text)
    facts = [("Status", SIGNAL_STATUS_SV.get(signal.status, signal.status)), ("Regel", signal.rule)]
    if signal.history:
        facts.append(("Tidigare år", history_text(signal, report.year)))
    blocks.append(Facts(facts))
    if signal.evidence:
        blocks.append(FigureList("Underlag", [(figure_label(report, f), figure_value(f)) for f in signal.evidence]))
    if signal.comment.strip():
        blocks.append(Paragraph("Samordnarens kommentar", "strong"))
        blocks += _paragraphs(signal.comment, "comment")
    return blocks


def _signals_chapter(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(1, "Behov som siffrorna pekar på", "behov")]
    active = [s for s in report.signals if s.status != "dismissed"]
    dismissed = [s for s in report.signals if s.status == "dismissed"]
    blocks.append(Paragraph(
        "En behovssignal är en regel som har gett utslag på årets siffror. Den är en signal att "
        "titta närmare, inte ett beslut.", "note"))
    if not active:
        blocks.append(Paragraph("Ingen behovssignal gav utslag."))
    for i, signal in enumerate(active):
        blocks += _signal_blocks(report, signal, i, 2)
    if dismissed:
        blocks.append(Heading(2, "Avfärdade signaler", "behov-avfardade"))
        blocks.append(Paragraph("Samordnaren har bedömt att dessa signaler inte visar ett behov.", "note"))
        for i, signal in enumerate(dismissed):
            blocks += _signal_blocks(report, signal, len(active) + i, 3)
    return blocks


def _recommendation_chapter(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(1, "Rekommendation", "rekommendation", new_page=False)]
    rec = report.recommendation
    if rec is None:
        blocks.append(Paragraph("Ingen rekommendation har tagits fram för året."))
        return blocks
    blocks.append(Paragraph(ADVICE_SV.get(rec.advice, rec.advice), "lead"))
    blocks += _paragraphs(rec.text)
    if rec.reasons:
        blocks.append(Paragraph("Skäl", "strong"))
        blocks.append(Bullets(list(rec.reasons)))
    return blocks


def _development_chapter(report: Report, charts: list[Chart]) -> list[Block]:
    """"Utveckling över tid": the main figures beside the latest earlier year, the verdict of the
    change-vs-chance test, the trend chart and the flows (SPEC 8), all from published cells."""
    from boendeinventering.core.report import development as dev

    if "acute_trend" not in report.tables and "trend_by_situation" not in report.tables:
        return []  # a report made before the year-over-year tables existed
    blocks: list[Block] = [Heading(1, "Utveckling över tid", "utveckling")]
    years = dev.trend_years(report)
    before = dev.previous_year(report)
    if before is None:
        blocks.append(Paragraph(
            f"Det finns inga uppgifter för tidigare år än {report.year}, så årets siffror kan inte jämföras med "
            "tidigare år ännu. Jämförelsen visas när nästa års inventering är gjord.", "note"))
    else:
        blocks.append(Paragraph(
            f"Årets huvudsiffror jämförs med {before}, det senaste tidigare året med uppgifter. Varje år räknas "
            "ur det årets uttag med dagens mappning av boendeformer. Personer följs mellan åren med "
            "nyckelkodade pseudonymer, aldrig med personnummer."))
        headings, rows = dev.comparison_rows(report)
        blocks.append(TextTable(f"Huvudsiffror {before} och {report.year}", headings, rows, "tabell-utveckling",
                                dev.VERDICT_NOTE))
    trend = [c for c in charts if c.id == TREND_CHART_ID]
    if len(years) >= 2:
        blocks.append(Heading(2, f"Trend {years[0]}–{years[-1]}", "utveckling-trend", new_page=False))
        blocks += [ChartBlock(c, level=3) for c in trend]
        blocks += _chapter_tables(report, ("acute_trend", "trend_by_situation"))
    flows = [t for t in dev.FLOW_TABLES if t in report.tables]
    if flows:
        blocks.append(Heading(2, "Flöden in i och ut ur akut hemlöshet", "utveckling-floden", new_page=False))
        if "acute_inflow" not in report.tables:
            blocks.append(Paragraph(
                "Flöden in i akut hemlöshet kräver uppgifter för något av de två föregående åren, importerade med "
                "samma pseudonymiseringsnyckel.", "note"))
        blocks += _chapter_tables(report, flows)
    evictions = [t for t in dev.EVICTION_TABLES if t in report.tables]
    if evictions:
        blocks.append(Heading(2, dev.EVICTION_HEADING, "utveckling-avhysningar", new_page=False))
        blocks += _chapter_tables(report, evictions)
    return blocks


def _chapter_tables(report: Report, table_ids) -> list[Block]:
    """A third-level heading and the table, for each of ``table_ids`` the report has."""
    blocks: list[Block] = []
    for table_id in table_ids:
        if table_id in report.tables:
            table = report.tables[table_id]
            blocks.append(Heading(3, table.title or table_id, f"utveckling-rubrik-{table_id}", new_page=False))
            blocks.append(TableBlock(table, f"utveckling-{table_id}"))
    return blocks


def _appendix(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(1, "Bilaga: metod, röjandeskydd och datakvalitet", "bilaga")]
    blocks.append(Heading(2, "Metod", "metod"))
    blocks += [Paragraph(str(n)) for n in report.method_notes] or [Paragraph("Inga metodanteckningar.")]
    blocks.append(Heading(2, "Röjandeskydd", "rojandeskydd"))
    if report.protected:
        blocks.append(Paragraph(DISCLOSURE_TEXT))
        threshold = report.settings.get("threshold") if report.settings else None
        if threshold:
            blocks.append(Paragraph(f"Tröskel för primär röjandekontroll: {threshold}."))
    else:
        blocks.append(Paragraph(UNPROTECTED_WARNING, "warning"))
    blocks.append(Heading(2, "Datakvalitet", "datakvalitet"))
    if report.quality is not None:
        blocks.append(Paragraph(
            "Uppgifterna om datakvalitet är inte röjandeskyddade; de beskriver underlaget, inte personer.", "note"))
        blocks.append(TableBlock(report.quality, "tabell-datakvalitet", quality=True))
    else:
        blocks.append(Paragraph("Inga uppgifter om datakvalitet."))
    blocks.append(Heading(2, "Teckenförklaring", "teckenforklaring"))
    blocks.append(Paragraph(SUPPRESSED_FOOTNOTE))
    return blocks


def build_document(report: Report, charts: list[Chart] | None = None) -> Document:
    """The report's content in reading order. ``charts``: drawn by the caller in its own image
    format (SVG for HTML and PDF, PNG for Word); None draws SVG."""
    charts = report_charts(report) if charts is None else charts
    facts = [("Kommun", kommun_label(report)), ("År", str(report.year)),
             ("Referensdatum", format_date_sv(report.reference_date)),
             ("Röjandeskyddad", yes_no(report.protected)),
             ("Status", publication_line(report))]
    doc = Document(
        title=DOCUMENT_TITLE,
        subtitle=document_subtitle(report),
        status=publication_line(report),
        preview=is_preview(report),
        warning="" if report.protected else UNPROTECTED_WARNING,
        facts=facts,
    )
    b = doc.blocks
    b.append(Heading(1, "Inledning", "inledning"))
    if doc.preview:
        b.append(Paragraph(NOT_PUBLISHED_NOTE, "warning"))
    b += _paragraphs(report.introduction) or [Paragraph(DEFAULT_INTRODUCTION)]

    # The answers follow the introduction on its page: a page of its own left the short
    # introduction alone on an otherwise empty printed page.
    b.append(Heading(1, "Svar på metodstödets frågor", "svar", new_page=False))
    if not report.answers:
        b.append(Paragraph("Rapporten innehåller inga svar på metodstödets frågor."))
    for number, answer in enumerate(report.answers, start=1):
        # q1 … q10 keep the method support's numbers even if an answer is missing
        digits = answer.id[1:] if answer.id[:1] == "q" else ""
        b += _answer_blocks(report, answer, int(digits) if digits.isdigit() else number)

    b += _signals_chapter(report)
    b += _recommendation_chapter(report)
    if report.conclusions.strip():
        b.append(Heading(1, "Slutsatser", "slutsatser", new_page=False))
        b += _paragraphs(report.conclusions)

    development = _development_chapter(report, charts)
    b += development
    # Each table once in the document: those of "Utveckling över tid" are not repeated here (a
    # reader counting hidden cells, or the published-output checks, sees each cell once).
    shown = {block.table.id for block in development if isinstance(block, TableBlock)}

    b.append(Heading(1, "Tabeller", "tabeller"))
    if not report.tables:
        b.append(Paragraph(NO_ROWS_TEXT))
    if shown:
        b.append(Paragraph("Tabellerna över utvecklingen år för år, flödena in i och ut ur akut hemlöshet och "
                           "avhysningarna år för år finns i kapitlet Utveckling över tid.", "note"))
    for table_id, table in report.tables.items():
        if table_id in shown:
            continue
        b.append(Heading(2, table.title or table_id, f"rubrik-{table_id}"))
        b.append(TableBlock(table, f"tabell-{table_id}"))

    charts = [c for c in charts if c.id != TREND_CHART_ID]  # drawn in "Utveckling över tid"
    # The tall chart by sex and age last: between the two short bar charts it left each of them
    # alone on a mostly empty printed page; together they share one.
    charts.sort(key=lambda c: c.id == SEX_AGE_CHART_ID)
    if charts:
        b.append(Heading(1, "Diagram", "diagram"))
        b += [ChartBlock(c) for c in charts]

    b += _appendix(report)
    return doc
