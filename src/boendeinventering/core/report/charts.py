"""Charts for the HTML report, as inline SVG drawn by matplotlib.

Data selection is kept apart from drawing so it can be tested on its own: a suppressed value
must never reach a chart (a bar's height would publish the number the protection removed).
Suppressed positions are marked with "–" at the base line so they are not read as zero.

matplotlib is imported only when a chart is drawn: importing the exporters stays cheap.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

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
TREND_CHART_ID = "diagram-utveckling"  # shown in the chapter "Utveckling över tid", not under "Diagram"

# Dark enough for 3:1 contrast against white (WCAG non-text contrast); "okänt" also hatched so
# the series differ without colour.
SEX_COLOURS = {"kvinna": "#1f4e79", "man": "#b34700", "okänt": "#6b6b6b"}
BAR_COLOUR = "#1f4e79"


@dataclass
class ChartData:
    title: str
    categories: list[str]
    # series label -> one value per category; None = nothing to draw (suppressed or absent)
    series: dict[str, list[int | float | None]] = field(default_factory=dict)
    series_keys: list[str] = field(default_factory=list)  # raw values (e.g. "kvinna") for colours
    suppressed: list[tuple[str, str]] = field(default_factory=list)  # (category, series) left out

    @property
    def omitted(self) -> int:
        return len(self.suppressed)

    def has_values(self) -> bool:
        return any(v is not None for values in self.series.values() for v in values)


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


# --- drawing -------------------------------------------------------------------------------


def _new_figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _thousands(ax, axis: str) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: format_number_sv(int(round(v)))))


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def _svg_text(fig, chart_id: str, title: str) -> str:
    import matplotlib

    buf = io.StringIO()
    # A fixed salt makes the generated ids, and so the whole file, reproducible.
    with matplotlib.rc_context({"svg.hashsalt": "boinv", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return inline_svg(buf.getvalue(), chart_id, title)


def inline_svg(svg: str, prefix: str, title: str) -> str:
    """Make matplotlib's standalone SVG fit inside an HTML page: no XML prolog or DOCTYPE (which
    names a URL), no namespace URLs, ids made unique per chart (several SVGs share one id space),
    and a <title> for assistive technology."""
    from html import escape

    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        pattern = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'\bid="({pattern})"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
        svg = re.sub(rf'#({pattern})(?=["\)])', lambda m: f"#{prefix}-{m.group(1)}", svg)
    title_id = f"{prefix}-title"
    svg = re.sub(
        r"<svg\b",
        f'<svg role="img" aria-labelledby="{title_id}" class="chart"',
        svg,
        count=1,
    )
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: f'{m.group(1)}<title id="{title_id}">{escape(title)}</title>', svg,
                 count=1)
    return svg.strip()


def _png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    # 200 dpi: sharp in print at the width Word shows it (16 cm); metadata left out so the same
    # figures give the same bytes.
    fig.savefig(buf, format="png", dpi=200, metadata={"Software": None})
    return buf.getvalue()


def _output(fig, chart_id: str, title: str, image: str) -> str | bytes:
    return _png_bytes(fig) if image == "png" else _svg_text(fig, chart_id, title)


def draw_situation_chart(data: ChartData, chart_id: str, title: str, image: str = "svg"):
    values = data.series["Personer"]
    fig = _new_figure(7.0, 0.6 + 0.55 * max(len(values), 1))
    ax = fig.add_subplot()
    positions = list(range(len(values)))
    shown = [(p, v) for p, v in zip(positions, values) if v is not None]
    bars = ax.barh([p for p, _ in shown], [v for _, v in shown], color=BAR_COLOUR)
    ax.bar_label(bars, labels=[format_number_sv(v) for _, v in shown], padding=3, fontsize=9)
    for p, v in zip(positions, values):
        if v is None:
            ax.annotate(SUPPRESSED_MARK, (0, p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=12)
    ax.set_yticks(positions, data.categories)
    ax.invert_yaxis()
    ax.set_xlabel("Personer", fontsize=9)
    _thousands(ax, "x")
    ax.margins(x=0.12)
    _style(ax)
    return _output(fig, chart_id, title, image)


def draw_occupancy_chart(data: ChartData, chart_id: str, title: str, image: str = "svg"):
    from matplotlib.ticker import FuncFormatter

    values = data.series["Beläggning"]
    fig = _new_figure(7.0, 0.6 + 0.5 * max(len(values), 1))
    ax = fig.add_subplot()
    positions = list(range(len(values)))
    shown = [(p, v) for p, v in zip(positions, values) if v is not None]
    bars = ax.barh([p for p, _ in shown], [v for _, v in shown], color=BAR_COLOUR)
    ax.bar_label(bars, labels=[format_number_sv(v, decimals=1) + "\u00a0%" for _, v in shown],
                 padding=3, fontsize=9)
    for p, v in zip(positions, values):
        if v is None:
            ax.annotate(SUPPRESSED_MARK, (0, p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=12)
    ax.set_yticks(positions, data.categories)
    ax.invert_yaxis()
    ax.set_xlabel("Beläggning (andel av platsdygnen)", fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{format_number_sv(int(round(v)))}\u00a0%"))
    ax.set_xlim(0, max([100.0] + [v * 1.15 for _, v in shown]))
    _style(ax)
    return _output(fig, chart_id, title, image)


def draw_sex_age_chart(panels: list[ChartData], chart_id: str, title: str, image: str = "svg"):
    from matplotlib.patches import Patch

    fig = _new_figure(7.5, 0.4 + 2.6 * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, data in zip(axes, panels):
        n = max(len(data.series), 1)
        suppressed = set(data.suppressed)
        handles = []
        width = 0.8 / n
        for i, (label, values) in enumerate(data.series.items()):
            key = data.series_keys[i] if i < len(data.series_keys) else ""
            offsets = [c + (i - (n - 1) / 2) * width for c in range(len(values))]
            shown = [(x, v) for x, v in zip(offsets, values) if v is not None]
            colour = SEX_COLOURS.get(key, "#444444")
            hatch, edge = ("//", "white") if key == "okänt" else (None, None)
            bars = ax.bar(
                [x for x, _ in shown], [v for _, v in shown], width=width, color=colour, hatch=hatch, edgecolor=edge
            )
            ax.bar_label(bars, labels=[format_number_sv(v) for _, v in shown], fontsize=7, padding=1)
            for x, category in zip(offsets, data.categories):
                if (category, label) in suppressed:
                    ax.annotate(
                        SUPPRESSED_MARK, (x, 0), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=12
                    )
            # Built by hand: a series whose every value is suppressed draws no bar to take a colour from.
            handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor=edge, label=label))
        ax.set_xticks(range(len(data.categories)), data.categories)
        ax.set_xlim(-0.5, len(data.categories) - 0.5)
        ax.set_title(data.title, fontsize=10, loc="left")
        ax.set_ylabel("Personer", fontsize=9)
        _thousands(ax, "y")
        ax.margins(y=0.15)
        ax.legend(handles=handles, fontsize=8, frameon=False, ncols=len(handles))
        _style(ax)
    return _output(fig, chart_id, title, image)


TREND_COLOURS = ("#1f4e79", "#b34700", "#2e7d32", "#6b6b6b")
TREND_MARKERS = ("o", "s", "^", "D")


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


def draw_trend_chart(data: ChartData, chart_id: str, title: str, image: str = "svg"):
    from matplotlib.lines import Line2D

    fig = _new_figure(7.5, 3.8)
    ax = fig.add_subplot()
    positions = list(range(len(data.categories)))
    handles = []
    for i, (label, values) in enumerate(data.series.items()):
        colour, marker = TREND_COLOURS[i % len(TREND_COLOURS)], TREND_MARKERS[i % len(TREND_MARKERS)]
        # A hidden year breaks the line (NaN), so no value can be read off a slope.
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(positions, ys, color=colour, marker=marker, linewidth=2)
        for p, v in zip(positions, values):
            if v is not None:
                ax.annotate(format_number_sv(v), (p, v), xytext=(0, 6), textcoords="offset points", ha="center",
                            fontsize=7, color=colour)
        handles.append(Line2D([], [], color=colour, marker=marker, label=label))
    ax.set_xticks(positions, data.categories)
    ax.set_xlim(-0.4, max(len(positions) - 0.6, 0.4))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Personer", fontsize=9)
    _thousands(ax, "y")
    ax.margins(y=0.15)
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.1), ncols=2)
    _style(ax)
    return _output(fig, chart_id, title, image)


def _omitted_text(omitted: int) -> str:
    if not omitted:
        return ""
    what = "1 uppgift" if omitted == 1 else f"{format_number_sv(omitted)} uppgifter"
    return (
        f" {what} har tagits bort för att skydda enskilda personers integritet och visas inte"
        f" i diagrammet (markerat med {SUPPRESSED_MARK})."
    )


def _chart(chart_id: str, title: str, desc: str, omitted: int, draw, image: str) -> Chart:
    if draw is None:
        return Chart(chart_id, title, desc, None, omitted)
    drawn = draw(chart_id, title, image)
    if image == "png":
        return Chart(chart_id, title, desc, None, omitted, png=drawn)
    return Chart(chart_id, title, desc, drawn, omitted)


def report_charts(report: Report, image: str = "svg") -> list[Chart]:
    """The charts every report format shows, in order: inline SVG (``image="svg"``, HTML and
    PDF) or PNG (``"png"``, Word). A chart whose table is missing is skipped; one with nothing
    that may be shown keeps its caption but has no drawing."""
    charts = []
    table = report.tables.get(SITUATION_TABLE)
    if table is not None:
        data = situation_chart_data(table)
        title = "Antal personer per situation"
        desc = f"Stapeldiagram: {title.lower()}. Siffrorna finns i tabellen {table.title}." + _omitted_text(
            data.omitted
        )
        draw = (lambda i, t, im: draw_situation_chart(data, i, t, im)) if data.has_values() else None
        charts.append(_chart("diagram-situation", title, desc, data.omitted, draw, image))
    table = report.tables.get(SEX_AGE_TABLE)
    if table is not None:
        panels = sex_age_chart_data(table)
        omitted = sum(p.omitted for p in panels)
        title = "Antal personer per kön och ålder, per situation"
        desc = (
            f"Stapeldiagram: {title.lower()}. En person räknas en gång per situation, så"
            f" situationerna kan inte läggas ihop. Siffrorna finns i tabellen {table.title}."
            + _omitted_text(omitted)
        )
        drawable = [p for p in panels if p.has_values()]
        draw = (lambda i, t, im: draw_sex_age_chart(drawable, i, t, im)) if drawable else None
        charts.append(_chart("diagram-kon-alder", title, desc, omitted, draw, image))
    table = report.tables.get(OCCUPANCY_TABLE)
    if table is not None and "occupancy" in table.measures:
        occupancy = occupancy_chart_data(table)
        title = "Beläggning per boendeform"
        desc = (f"Stapeldiagram: beläggningen, det vill säga använda boendedygn som andel av platsdygnen, per "
                f"boendeform. Siffrorna finns i tabellen {table.title}." + _omitted_text(occupancy.omitted))
        draw = (lambda i, t, im: draw_occupancy_chart(occupancy, i, t, im)) if occupancy.has_values() else None
        charts.append(_chart("diagram-belaggning", title, desc, occupancy.omitted, draw, image))
    trend = trend_chart_data(report)
    if len(trend.categories) >= 2 and trend.has_values():
        title = f"Utveckling {trend.categories[0]}–{trend.categories[-1]}"
        desc = ("Linjediagram: antal personer i akut hemlöshet och i situation 1–3, år för år. Siffrorna finns i "
                "tabellerna Personer i akut hemlöshet, år för år och Personer per situation, år för år."
                + _omitted_text(trend.omitted))
        charts.append(_chart(TREND_CHART_ID, title, desc, trend.omitted,
                             lambda i, t, im: draw_trend_chart(trend, i, t, im), image))
    return charts

