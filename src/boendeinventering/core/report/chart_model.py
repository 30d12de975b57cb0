"""What a chart is before it is drawn, shared by the data selection (``charts.py``) and the two
drawings (``chart_svg.py``, ``chart_png.py``): the values, the colours and the label spacing."""

from __future__ import annotations

from dataclasses import dataclass, field

# Dark enough for 3:1 contrast against white (WCAG non-text contrast); "okänt" also hatched so
# the series differ without colour.
SEX_COLOURS = {"kvinna": "#1f4e79", "man": "#b34700", "okänt": "#6b6b6b"}
BAR_COLOUR = "#1f4e79"
TREND_COLOURS = ("#1f4e79", "#b34700", "#2e7d32", "#6b6b6b")


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
class ChartSpec:
    """A chart before it is drawn: what to draw (``kind`` and its data) and how it is described."""

    id: str
    title: str
    description: str
    omitted: int
    kind: str  # "bars" | "percent_bars" | "sex_age" | "trend"
    data: list[ChartData]  # empty: nothing that may be shown


def spread_labels(positions: list[float], gap: float) -> list[float]:
    """Positions moved apart, order kept, so consecutive labels are at least ``gap`` apart
    (issue 11: the trend chart's value labels overlapped where two lines ran close); the group
    is then moved back so it stays centred where the labels wanted to be."""
    if len(positions) < 2:
        return list(positions)
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[order[0]]]
    for i in order[1:]:
        placed.append(max(positions[i], placed[-1] + gap))
    shift = (sum(positions) - sum(placed)) / len(placed)
    out = [0.0] * len(positions)
    for rank, i in enumerate(order):
        out[i] = placed[rank] + min(shift, 0.0)
    return out
