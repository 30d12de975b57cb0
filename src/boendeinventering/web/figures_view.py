"""The year's report for web pages, computed on demand and kept while nothing changes.

Figures are computed from the stored extracts with the mapping in force (SPEC 4), so a key
made of the active imports and the mapping's state tells when a cached report is stale."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Max

from boendeinventering.core.report.labels import (
    SUPPRESSED_FOOTNOTE,
    column_labels,
    display_cell,
    format_number_sv,
    quality_value,
    table_has_suppression,
    value_label,
)
from boendeinventering.inventory.models import ImportBatch, MappingEntry


def _state_key(year: int, protected: bool, reference_date) -> str:
    batches = ImportBatch.objects.filter(active=True).aggregate(n=Count("id"), last=Max("id"))
    mapping = MappingEntry.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = mapping["last"].timestamp() if mapping["last"] else 0
    from boendeinventering.reporting.services import texts_stamp  # forms and coordinator texts feed the answers

    return (f"boinv-report:{year}:{int(protected)}:{reference_date}:{batches['n']}:{batches['last']}:"
            f"{mapping['n']}:{stamp}:{texts_stamp(year)}")


def get_report(year: int, *, protected: bool, reference_date=None):
    from boendeinventering.services import figures

    key = _state_key(year, protected, reference_date)
    report = cache.get(key)
    if report is None:
        report = figures.build_report(year, protected=protected, reference_date=reference_date)
        cache.set(key, report, 600)
    return report


def table_view(table) -> dict:
    """A Table as header labels and rows of display strings (Swedish, '–' when suppressed)."""
    rows = []
    for row in table.rows:
        dims = [value_label(d, row.get(d)) for d in table.dimensions]
        cells = [display_cell(row, m) for m in table.measures]
        rows.append({"dims": dims, "cells": cells})
    return {
        "id": table.id,
        "title": table.title,
        "note": table.note,
        "headers": column_labels(table),
        "n_dims": len(table.dimensions),
        "rows": rows,
        "suppressed": table_has_suppression(table),
    }


def quality_view(table) -> list[dict]:
    rows = []
    for row in table.rows:
        value = quality_value(row.get("value"))
        shown = format_number_sv(value) if isinstance(value, (int, float)) else (value if value is not None else "–")
        rows.append({"indicator": row.get("indicator", ""), "value": shown,
                     "note": row.get("note", "")})
    return rows


FOOTNOTE = SUPPRESSED_FOOTNOTE
