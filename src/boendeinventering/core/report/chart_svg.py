"""Charts as SVG markup written directly, for the HTML report and the web pages.

Why not matplotlib's SVG: it has to be rewritten with regular expressions to live inside a page
(prolog, namespaces, ids shared between charts), it draws text as glyph paths a screen reader
cannot read, it uses inline styles the web pages' Content-Security-Policy forbids, and importing
and drawing it cost ~1 s per report. These are simple bar and line charts: the markup here
uses presentation attributes only, real ``<text>``, ids prefixed with the chart's id, and takes
microseconds. matplotlib still draws the PNG images for Word and PDF (``chart_png.py``).

Values come from ``charts.py``'s data selection, which never lets a suppressed value through;
suppressed positions show "–" at the base line.
"""

from __future__ import annotations

import math
from html import escape

from boendeinventering.core.report.chart_model import (
    BAR_COLOUR,
    SEX_COLOURS,
    TREND_COLOURS,
    ChartData,
    spread_labels,
)
from boendeinventering.core.report.labels import SUPPRESSED_MARK, format_number_sv

DARK, GRID = "#1a1a1a", "#d0d5db"
FONT = 12  # px; the page's own font family
CHAR_W = 0.58 * FONT  # an average glyph's width, to size the label column without a font at hand


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)
    return [step * i for i in range(int(math.ceil(top / step)) + 1)]


class Svg:
    """A few drawing calls that collect markup; coordinates in px of the viewBox."""

    def __init__(self, chart_id: str, title: str) -> None:
        self.id, self.title = chart_id, title
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, width: float = 1) -> None:
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                          f'stroke-width="{width}"/>')

    def text(self, x: float, y: float, content: str, *, size: float = FONT, anchor: str = "start",
             fill: str = DARK, bold: bool = False, rotate: bool = False, halo: bool = False) -> None:
        weight = ' font-weight="bold"' if bold else ""
        if halo:  # a white outline under the glyphs: a line running through the label leaves it readable
            weight += ' stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        if rotate:  # read bottom to top, as an axis title
            weight += f' transform="rotate(-90 {x:.1f} {y:.1f})"'
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{fill}"{weight}>{escape(content)}</text>')

    def polyline(self, points: list[tuple[float, float]], stroke: str) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.parts.append(f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="2.5"/>')

    def marker(self, x: float, y: float, index: int, fill: str) -> None:
        """Circle, square, triangle, diamond: the series differ by shape, not only by colour."""
        shape = index % 4
        if shape == 0:
            self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{fill}"/>')
        elif shape == 1:
            self.rect(x - 4, y - 4, 8, 8, fill)
        else:
            pts = ((x, y - 5.5), (x + 5, y + 4), (x - 5, y + 4)) if shape == 2 else (
                (x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y))
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            self.parts.append(f'<polygon points="{coords}" fill="{fill}"/>')

    def markup(self, width: float, height: float) -> str:
        title_id = f"{self.id}-title"
        return (f'<svg class="chart" role="img" aria-labelledby="{escape(title_id)}" viewBox="0 0 {width:.0f} '
                f'{height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" font-family="sans-serif">'
                f'<title id="{escape(title_id)}">{escape(self.title)}</title>' + "".join(self.parts) + "</svg>")


def _series_colour(data: ChartData, index: int) -> str:
    key = data.series_keys[index] if index < len(data.series_keys) else ""
    return SEX_COLOURS.get(key, BAR_COLOUR)


def _legend(svg: Svg, data: ChartData, x: float, y: float) -> None:
    for i, label in enumerate(data.series):
        svg.rect(x, y - 10, 12, 12, _series_colour(data, i))
        svg.text(x + 17, y, label, size=FONT - 1)
        x += 30 + CHAR_W * len(label)


def bars_svg(panels: list[ChartData], chart_id: str, title: str, *, percent: bool = False,
             axis_label: str = "Personer") -> str:
    """Horizontal bars, one row per category and series, panels one under the other (each panel
    its own scale, as persons are counted once per panel and panels are not added together)."""
    labels = [c for p in panels for c in p.categories] + [p.title for p in panels]
    label_w = min(max(CHAR_W * max(map(len, labels), default=10) + 12, 90), 290)
    plot_w, bar_h, value_w = 380.0, 16.0, 80.0
    svg, y = Svg(chart_id, title), 4.0
    for panel in panels:
        if len(panels) > 1:
            svg.text(0, y + 14, panel.title, bold=True)
            y += 24
        if len(panel.series) > 1:
            _legend(svg, panel, label_w, y + 10)
            y += 22
        ticks = percent_ticks(_top(panel)) if percent else nice_ticks(_top(panel))
        y = _bar_panel(svg, panel, label_w, plot_w, bar_h, y, percent, ticks[-1]) + 4
        y = _axis(svg, ticks, label_w, plot_w, y, percent, axis_label) + 16
    return svg.markup(label_w + plot_w + value_w, y)


def _top(panel: ChartData) -> float:
    return max([v for values in panel.series.values() for v in values if v is not None], default=0)


def percent_ticks(top: float) -> list[float]:
    """0 to 100 % in steps of 20, and on to the next step above ``top`` when a facility is over
    full (occupancy above 100 % is possible and must not be drawn as 100 %)."""
    last = max(100, 20 * math.ceil(top / 20))
    return [float(t) for t in range(0, last + 1, 20)]


def _bar_panel(svg: Svg, panel: ChartData, label_w: float, plot_w: float, bar_h: float, y: float,
               percent: bool, top: float) -> float:
    """The bars of one panel, scaled so that ``top`` (the axis' last tick) is the full width."""
    start = y
    for c, category in enumerate(panel.categories):
        svg.text(label_w - 8, y + bar_h - 3, category, anchor="end")
        for s, values in enumerate(panel.series.values()):
            value = values[c]
            if value is None:
                svg.text(label_w + 4, y + bar_h - 3, SUPPRESSED_MARK, size=FONT + 2)
            else:
                width = plot_w * value / top if top else 0
                svg.rect(label_w, y, width, bar_h, _series_colour(panel, s))
                text = format_number_sv(value, decimals=1) + "\u00a0%" if percent else format_number_sv(value)
                svg.text(label_w + width + 5, y + bar_h - 3, text, size=FONT - 1)
            y += bar_h + 2
        y += 8
    svg.line(label_w, start - 2, label_w, y - 6, stroke="#6b6b6b")
    return y


def _axis(svg: Svg, ticks: list[float], label_w: float, plot_w: float, y: float, percent: bool,
          label: str) -> float:
    top = ticks[-1] or 1
    for tick in ticks:
        x = label_w + plot_w * tick / top
        svg.line(x, y - 2, x, y + 3, stroke="#6b6b6b")
        text = format_number_sv(int(round(tick))) + ("\u00a0%" if percent else "")
        svg.text(x, y + 16, text, size=FONT - 2, anchor="middle")
    svg.text(label_w + plot_w / 2, y + 32, label, size=FONT - 1, anchor="middle")
    return y + 34


def trend_svg(data: ChartData, chart_id: str, title: str) -> str:
    """One line per figure, one point per year; a hidden year breaks the line (no value can be
    read off a slope). Value labels are pushed apart where lines run close (issue 11)."""
    left, top_pad, plot_w, plot_h = 70.0, 16.0, 520.0, 240.0
    ticks = nice_ticks(_top(data) * 1.1)
    scale = plot_h / (ticks[-1] or 1)
    n = max(len(data.categories), 1)
    xs = [left + plot_w * (i + 0.5) / n for i in range(n)]
    svg = Svg(chart_id, title)
    for tick in ticks:
        y = top_pad + plot_h - tick * scale
        svg.line(left, y, left + plot_w, y)
        svg.text(left - 8, y + 4, format_number_sv(int(round(tick))), size=FONT - 2, anchor="end")
    svg.text(14, top_pad + plot_h / 2, "Personer", size=FONT - 1, anchor="middle", rotate=True)
    for x, year in zip(xs, data.categories):
        svg.text(x, top_pad + plot_h + 18, year, size=FONT - 1, anchor="middle")
    series = list(data.series.values())
    for i, values in enumerate(series):
        colour = TREND_COLOURS[i % len(TREND_COLOURS)]
        run: list[tuple[float, float]] = []
        for x, v in zip(xs + [xs[-1]], values + [None]):  # the None ends the last run
            if v is None:
                if len(run) > 1:
                    svg.polyline(run, colour)
                run = []
            else:
                run.append((x, top_pad + plot_h - v * scale))
        for x, v in zip(xs, values):
            if v is not None:
                svg.marker(x, top_pad + plot_h - v * scale, i, colour)
    for col, x in enumerate(xs):
        points = [(i, float(v)) for i, values in enumerate(series) if (v := values[col]) is not None]
        ys = spread_labels([top_pad + plot_h - v * scale - 10 for _, v in points], FONT)
        for (i, v), y in zip(points, ys):
            svg.text(x + 8, y, format_number_sv(v), size=FONT - 2, fill=TREND_COLOURS[i % len(TREND_COLOURS)],
                     halo=True)
    y = top_pad + plot_h + 40
    for i, label in enumerate(data.series):
        colour = TREND_COLOURS[i % len(TREND_COLOURS)]
        svg.line(left, y - 4, left + 24, y - 4, stroke=colour, width=2.5)
        svg.marker(left + 12, y - 4, i, colour)
        svg.text(left + 32, y, label, size=FONT - 1)
        y += 18
    return svg.markup(left + plot_w + 60, y)
