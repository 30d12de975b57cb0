"""The JSON export (SPEC 6): the machine-readable, reproducible form of a report.

Output is deterministic: no timestamps, tables and rows in the report's order, measures of a
row in the table's order, so the same figures always give the same bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from boendeinventering.core.report import atomic_write_text
from boendeinventering.core.report.labels import cell_value, is_suppressed, quality_value
from boendeinventering.core.tables import Report, Table

FORMAT = "boinv/1"


def _dimension_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)  # a situation number that went through a float column
    return str(value)


def _row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {d: _dimension_value(row.get(d)) for d in table.dimensions}
    suppressed = []
    for m in table.measures:
        out[m] = cell_value(row, m)
        if is_suppressed(row, m):
            suppressed.append(m)
    if suppressed:
        out["suppressed"] = suppressed
    return out


def table_to_json(table: Table) -> dict[str, Any]:
    return {
        "dimensions": list(table.dimensions),
        "measures": list(table.measures),
        "rows": [_row(table, r) for r in table.rows],
    }


def quality_to_json(table: Table) -> dict[str, Any]:
    # Not protected and may hold shares: values are kept as they are (ints stay ints).
    return {
        "dimensions": list(table.dimensions),
        "measures": list(table.measures),
        "rows": [
            {
                **{d: _dimension_value(r.get(d)) for d in table.dimensions},
                **{m: quality_value(r.get(m)) for m in table.measures},
            }
            for r in table.rows
        ],
    }


def report_to_json(report: Report) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kommun": report.kommun,
        "year": int(report.year),
        "protected": bool(report.protected),
        "reference_date": report.reference_date.isoformat(),
        "tables": {table_id: table_to_json(t) for table_id, t in report.tables.items()},
        "quality": quality_to_json(report.quality) if report.quality is not None else None,
        "method_notes": [str(n) for n in report.method_notes],
    }


def dumps(report: Report) -> str:
    return json.dumps(report_to_json(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_json(report: Report, path: Path) -> Path:
    # Serialise before touching the file system, so an unserialisable report writes nothing.
    return atomic_write_text(path, dumps(report))
