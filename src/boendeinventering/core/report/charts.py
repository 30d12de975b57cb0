"""The report's charts: which values each one shows, and one list of them for every format.

Data selection is kept apart from drawing so it can be tested on its own: a suppressed value
must never reach a chart (a bar's height would publish the number the protection removed).
Suppressed positions are marked with "–" at the base line so they are not read as zero.

Drawing: SVG written directly for the HTML report and the web pages (``chart_svg.py``), PNG by
matplotlib for Word and PDF (``chart_png.py``, imported only when a PNG is drawn, and each PNG
drawn once per report).
"""

from __future__ import annotations

from dataclasses import dataclass

from boendeinventering.core.report.chart_model import ChartData, ChartSpec
from boendeinventering.core.report.labels import (
    SUPPRESSED_MARK,
    cell_value,
    format_number_sv,
    value_label,
)
from boendeinventering.core.tables import Report, Table
from boendeinventering.core.taxonomy import AGE_BANDS, SEXES

SITUATION_TABLE = "persons_by_situation"
OCCUPANCY_TABLE = "occupancy_by_kod"
SEX_AGE_TABLE = "persons_by_situation_sex_age"
SEX_AGE_CHART_ID = "diagram-kon-alder"
TREND_CHART_ID = "diagram-utveckling"  # shown in the chapter "Utveckling över tid", not under "Diagram"

@dataclass
class Chart:
    id: str
    title: str
    description: str  # text alternative and caption, Swedish
    svg: str | None  # None when there is nothing that may be shown
    omitted: int
    png: bytes | None = None  # the same drawing as an image, for Word (image="png")


def situation_chart_data(table: Table, measure: str = "persons") -> ChartData:
    """Persons per situation; suppressed situations are left out and listed."""
    rows = sorted((r for r in table.rows if r.get("situation") is not None), key=lambda r: r["situation"])
    data = ChartData(title="Personer per situation", categories=[], series={"Personer": []}, series_keys=[measure])
    for row in rows:
        label = value_label("situation", row["situation"])
        value = cell_value(row, measure)
        data.categories.append(label)
        data.series["Personer"].append(value)
        if value is None:
            data.suppressed.append((label, "Personer"))
    return data


def occupancy_chart_data(table: Table, measure: str = "occupancy") -> ChartData:
    """Occupancy (per cent) per housing form; suppressed or missing shares are left out and listed."""
    data = ChartData(title="Beläggning per boendeform", categories=[], series={"Beläggning": []},
                     series_keys=[measure])
    for row in table.rows:
        if row.get("kod") is None:
            continue
        label = value_label("kod", row["kod"])
        value = cell_value(row, measure) if measure in table.measures else None
        data.categories.append(label)
        data.series["Beläggning"].append(value)
        if value is None:
            data.suppressed.append((label, "Beläggning"))
    return data


def _age_order(band: str) -> int:
    return AGE_BANDS.index(band) if band in AGE_BANDS else len(AGE_BANDS)


def sex_age_chart_data(table: Table, measure: str = "persons") -> list[ChartData]:
    """One panel per situation: persons by age band (categories) and sex (series).

    Persons are counted once per situation, so panels are not added together."""
    by_situation: dict[int, dict[tuple[str, str], int | float | None]] = {}
    for row in table.rows:
        if any(row.get(d) is None for d in ("situation", "sex", "age_band")):
            continue  # total rows: the chart shows the breakdown only
        by_situation.setdefault(row["situation"], {})[(row["age_band"], row["sex"])] = cell_value(row, measure)

    panels = []
    for situation in sorted(by_situation):
        cells = by_situation[situation]
        bands = sorted({b for b, _ in cells}, key=_age_order)
        sexes = [s for s in SEXES if any(k[1] == s for k in cells)]
        sexes += sorted({s for _, s in cells} - set(sexes))
        data = ChartData(
            title=value_label("situation", situation),
            categories=[value_label("age_band", b) for b in bands],
            series_keys=sexes,
        )
        for sex in sexes:
            label = value_label("sex", sex)
            values: list[int | float | None] = []
            for band in bands:
                present = (band, sex) in cells
                # an absent row is a published zero (all-zero rows are left out), not a hidden value
                value = cells.get((band, sex), 0)
                values.append(value)
                if present and value is None:
                    data.suppressed.append((value_label("age_band", band), label))
            data.series[label] = values
        panels.append(data)
    return panels


def trend_chart_data(report: Report) -> ChartData:
    """The main figures year by year (core/report/development.py): one series per figure, one
    value per year; hidden values are None (a gap in the line, never a point)."""
    from boendeinventering.core.report.development import MAIN_FIGURES, series, trend_years

    years = trend_years(report)
    data = ChartData(title="Utveckling över tid", categories=[str(x) for x in years])
    for label, table_id, key in MAIN_FIGURES:
        values = series(report, table_id, key)
        if not values:
            continue
        short = label.split(" (")[0].split(",")[0]
        data.series[short] = [values.get(x) for x in years]
        data.series_keys.append(short)
        data.suppressed += [(str(x), short) for x in years if x in values and values[x] is None]
    return data


def _omitted_text(omitted: int) -> str:
    if not omitted:
        return ""
    what = "1 uppgift" if omitted == 1 else f"{format_number_sv(omitted)} uppgifter"
    return (
        f" {what} har tagits bort för att skydda enskilda personers integritet och visas inte"
        f" i diagrammet (markerat med {SUPPRESSED_MARK})."
    )


def chart_specs(report: Report) -> list[ChartSpec]:
    """The charts every report format shows, in order. A chart whose table is missing is
    skipped; one with nothing that may be shown keeps its caption but has no drawing."""
    specs = []
    table = report.tables.get(SITUATION_TABLE)
    if table is not None:
        data = situation_chart_data(table)
        title = "Antal personer per situation"
        desc = f"Stapeldiagram: {title.lower()}. Siffrorna finns i tabellen {table.title}." + _omitted_text(
            data.omitted)
        specs.append(ChartSpec("diagram-situation", title, desc, data.omitted, "bars",
                               [data] if data.has_values() else []))
    table = report.tables.get(SEX_AGE_TABLE)
    if table is not None:
        panels = sex_age_chart_data(table)
        omitted = sum(p.omitted for p in panels)
        title = "Antal personer per kön och ålder, per situation"
        desc = (f"Stapeldiagram: {title.lower()}. En person räknas en gång per situation, så"
                f" situationerna kan inte läggas ihop. Siffrorna finns i tabellen {table.title}."
                + _omitted_text(omitted))
        specs.append(ChartSpec(SEX_AGE_CHART_ID, title, desc, omitted, "sex_age",
                               [p for p in panels if p.has_values()]))
    table = report.tables.get(OCCUPANCY_TABLE)
    if table is not None and "occupancy" in table.measures:
        data = occupancy_chart_data(table)
        desc = ("Stapeldiagram: beläggningen, det vill säga använda boendedygn som andel av platsdygnen, per "
                f"boendeform. Siffrorna finns i tabellen {table.title}." + _omitted_text(data.omitted))
        specs.append(ChartSpec("diagram-belaggning", "Beläggning per boendeform", desc, data.omitted,
                               "percent_bars", [data] if data.has_values() else []))
    trend = trend_chart_data(report)
    if len(trend.categories) >= 2 and trend.has_values():
        title = f"Utveckling {trend.categories[0]}–{trend.categories[-1]}"
        desc = ("Linjediagram: antal personer i akut hemlöshet och i situation 1–3, år för år. Siffrorna finns i "
                "tabellerna Personer i akut hemlöshet, år för år och Personer per situation, år för år."
                + _omitted_text(trend.omitted))
        specs.append(ChartSpec(TREND_CHART_ID, title, desc, trend.omitted, "trend", [trend]))
    return specs


def draw_svg(spec: ChartSpec) -> str:
    from boendeinventering.core.report import chart_svg

    if spec.kind == "trend":
        return chart_svg.trend_svg(spec.data[0], spec.id, spec.title)
    return chart_svg.bars_svg(spec.data, spec.id, spec.title, percent=spec.kind == "percent_bars",
                              axis_label="Beläggning (andel av platsdygnen)" if spec.kind == "percent_bars"
                              else "Personer")


def _png(report: Report, spec: ChartSpec) -> bytes:
    """The PNG for Word and PDF, drawn once per report: kept on the report object, keyed by the
    very values drawn, so a report changed afterwards (or a copy of it) never gets a stale image."""
    from boendeinventering.core.report import chart_png

    cache = report.__dict__.setdefault("_chart_png_cache", {})
    key = (spec.id, spec.kind, repr(spec.data))
    if key not in cache:
        cache[key] = chart_png.draw(spec)
    return cache[key]


def report_charts(report: Report, image: str = "svg") -> list[Chart]:
    """The charts, drawn: inline SVG (``image="svg"``, HTML and the web pages) or PNG (``"png"``,
    Word and PDF)."""
    charts = []
    for spec in chart_specs(report):
        chart = Chart(spec.id, spec.title, spec.description, None, spec.omitted)
        if spec.data and image == "png":
            chart.png = _png(report, spec)
        elif spec.data:
            chart.svg = draw_svg(spec)
        charts.append(chart)
    return charts
