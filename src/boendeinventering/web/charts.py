"""Simple bar charts as SVG markup with presentation attributes only: the CSP forbids inline
styles, which matplotlib's SVG uses. Values come from core.report.charts, which never lets a
suppressed value through (a bar's length would publish it); suppressed bars show '–'."""

from __future__ import annotations

from boendeinventering.core.report.charts import (
    SEX_AGE_TABLE,
    SEX_COLOURS,
    SITUATION_TABLE,
    BAR_COLOUR,
    sex_age_chart_data,
    situation_chart_data,
)
from django.utils.translation import gettext as _

from boendeinventering.core.report.labels import SUPPRESSED_MARK, format_number_sv

BAR_H, GAP, LABEL_W, PLOT_W = 18, 6, 230, 360


def _panel(data, chart_id: str) -> dict:
    bars = []
    values = [v for series in data.series.values() for v in series if v is not None]
    top = max(values) if values else 0
    y = 0
    for i, category in enumerate(data.categories):
        for s, (label, series) in enumerate(data.series.items()):
            value = series[i]
            key = data.series_keys[s] if s < len(data.series_keys) else ""
            width = 0 if not value or not top else max(1, round(PLOT_W * value / top))
            bars.append({
                "y": y, "text_y": y + BAR_H - 4, "width": width,
                "label": f"{category}" + (f", {label}" if len(data.series) > 1 else ""),
                "value": format_number_sv(value) if value is not None else SUPPRESSED_MARK,
                "value_x": LABEL_W + width + 6,
                "colour": SEX_COLOURS.get(key, BAR_COLOUR),
            })
            y += BAR_H + 2
        y += GAP
    return {"id": chart_id, "title": data.title, "bars": bars, "height": max(y, BAR_H),
            "label_w": LABEL_W, "width": LABEL_W + PLOT_W + 70, "bar_h": BAR_H}


def report_charts(report) -> list[dict]:
    charts = []
    table = report.tables.get(SITUATION_TABLE)
    if table is not None:
        data = situation_chart_data(table)
        if data.has_values():
            charts.append(_panel(data, "diagram-situation") | {"title": _("Antal personer per situation")})
    table = report.tables.get(SEX_AGE_TABLE)
    if table is not None:
        for n, data in enumerate(sex_age_chart_data(table)):
            if data.has_values():
                charts.append(_panel(data, f"diagram-kon-alder-{n}"))
    return charts
