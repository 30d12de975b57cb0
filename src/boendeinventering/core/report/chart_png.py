"""The charts as PNG images for Word and PDF, drawn by matplotlib (Agg, no display needed).

Imported only when a PNG is drawn (``charts.report_charts(report, image="png")``), and each
image is drawn once per report and shared by Word and PDF: matplotlib's import and drawing are
most of a small municipality's report time.
"""

from __future__ import annotations

import io
from typing import Literal

from boendeinventering.core.report.chart_model import (
    BAR_COLOUR,
    SEX_COLOURS,
    TREND_COLOURS,
    ChartData,
    ChartSpec,
    spread_labels,
)
from boendeinventering.core.report.labels import SUPPRESSED_MARK, format_number_sv

TREND_MARKERS = ("o", "s", "^", "D")  # the same shapes as the SVG's: series differ without colour
AXIS_STEPS = [1, 2, 2.5, 5, 10]
DPI = 150  # sharp enough in print at the width Word and PDF show it (16 cm); 200 took ~20 % more CPU


def figure(spec: ChartSpec):
    """The matplotlib figure before it becomes a PNG (the tests read its ticks and labels)."""
    if spec.kind == "sex_age":
        return _sex_age(spec.data)
    if spec.kind == "trend":
        return _trend(spec.data[0])
    return _hbars(spec.data[0], percent=spec.kind == "percent_bars")


def draw(spec: ChartSpec) -> bytes:
    fig = figure(spec)
    buf = io.BytesIO()
    # metadata left out so the same figures give the same bytes
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _new_figure(width: float, height: float, layout: Literal["constrained"] | None = "constrained"):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _thousands(ax, axis: str, suffix: str = "") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    # Steps of 1, 2, 2,5 or 5 times a power of ten, as the HTML's axes (chart_svg.nice_ticks):
    # matplotlib's default also allows 1,5 and 3, which drew 0, 150 … 1 050 and 0 %, 15 % … 105 %.
    target.set_major_locator(MaxNLocator(integer=True, steps=AXIS_STEPS))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: format_number_sv(int(round(v))) + suffix))


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def _hbars(data: ChartData, *, percent: bool):
    """Persons per situation, or occupancy per housing form (per cent of the place nights)."""
    values = next(iter(data.series.values()))
    fig = _new_figure(7.0, 0.6 + 0.55 * max(len(values), 1))
    ax = fig.add_subplot()
    positions = list(range(len(values)))
    shown = [(p, v) for p, v in zip(positions, values) if v is not None]
    bars = ax.barh([p for p, _ in shown], [v for _, v in shown], color=BAR_COLOUR)
    labels = [format_number_sv(v, decimals=1) + "\u00a0%" if percent else format_number_sv(v) for _, v in shown]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=9)
    for p, v in zip(positions, values):
        if v is None:
            ax.annotate(SUPPRESSED_MARK, (0, p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=12)
    ax.set_yticks(positions, data.categories)
    ax.invert_yaxis()
    ax.set_xlabel("Beläggning (andel av platsdygnen)" if percent else "Personer", fontsize=9)
    _thousands(ax, "x", "\u00a0%" if percent else "")
    if percent:
        ax.set_xlim(0, max([100.0] + [v * 1.15 for _, v in shown]))
    else:
        ax.margins(x=0.12)
    _style(ax)
    return fig


def _sex_age(panels: list[ChartData]):
    from matplotlib.patches import Patch

    height = 0.4 + 2.6 * len(panels)
    # Fixed margins (the labels here are short): the constrained layout took half this chart's time.
    fig = _new_figure(7.5, height, layout=None)
    fig.subplots_adjust(left=0.12, right=0.97, top=1 - 0.3 / height, bottom=0.4 / height, hspace=0.45)
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
            ax.bar_label(bars, labels=[format_number_sv(v) for _, v in shown], fontsize=8, padding=1)
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
        # Room above the tallest bar for its label; a panel of zeros and dashes gets a 0–5 scale,
        # not a collapsed axis of repeated zeros.
        top = max([v for values in data.series.values() for v in values if v is not None], default=0)
        ax.set_ylim(0, max(top * 1.18, 5))
        ax.legend(handles=handles, fontsize=8, frameon=False, ncols=len(handles))
        _style(ax)
    return fig


# The value labels are 8.5 pt in a 7.5-inch figure shown 16 cm wide (about 7 pt on paper); 7 pt
# came out under 6 pt, too small to read in print.
TREND_HEIGHT_IN, TREND_LABEL_PT, TREND_LABEL_SIZE = 3.8, 10.5, 8.5


def label_halo():
    """A white outline under a value label: where a line runs through the label (the lines go on
    to the right of each point but the last), the figures stay readable."""
    from matplotlib.patheffects import withStroke

    return [withStroke(linewidth=3, foreground="white")]



def _trend(data: ChartData):
    from matplotlib.lines import Line2D

    fig = _new_figure(7.5, TREND_HEIGHT_IN)
    ax = fig.add_subplot()
    positions = list(range(len(data.categories)))
    top = max([v for vs in data.series.values() for v in vs if v is not None], default=1) * 1.2
    ax.set_ylim(0, top)
    # Points per unit of the y axis, for pushing labels apart in data units. The plot takes about
    # 60 % of the figure's height (the legend and the year labels the rest): an estimate is enough.
    per_unit = TREND_HEIGHT_IN * 72 * 0.6 / top
    handles = []
    series = list(data.series.items())
    for i, (label, values) in enumerate(series):
        colour, marker = TREND_COLOURS[i % len(TREND_COLOURS)], TREND_MARKERS[i % len(TREND_MARKERS)]
        # A hidden year breaks the line (NaN), so no value can be read off a slope.
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(positions, ys, color=colour, marker=marker, linewidth=2)
        handles.append(Line2D([], [], color=colour, marker=marker, label=label))
    for p in positions:
        points = [(i, float(v)) for i, (_, values) in enumerate(series) if (v := values[p]) is not None]
        wanted = [v for _, v in points]
        placed = spread_labels(wanted, TREND_LABEL_PT / per_unit)
        for (i, v), y in zip(points, placed):
            ax.annotate(format_number_sv(v), (p, v), xytext=(7, (y - v) * per_unit), textcoords="offset points",
                        va="center", fontsize=TREND_LABEL_SIZE, color=TREND_COLOURS[i % len(TREND_COLOURS)],
                        path_effects=label_halo(), zorder=5)
    ax.set_xticks(positions, data.categories)
    ax.set_xlim(-0.4, max(len(positions) - 0.4, 0.4))
    ax.set_ylabel("Personer", fontsize=9)
    _thousands(ax, "y")
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.1), ncols=2)
    _style(ax)
    return fig
