"""The JSON export (SPEC 6): the machine-readable, reproducible form of a report.

Output is deterministic: no timestamps, tables and rows in the report's order, measures of a
row in the table's order, so the same figures always give the same bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from boendeinventering.core.report.files import atomic_write_text
from boendeinventering.core.report.labels import cell_value, is_suppressed, quality_value, recurring_since, whole_number
from boendeinventering.core.tables import Answer, Figure, Recommendation, Report, Signal, Table

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


def _figure(figure: Figure) -> dict[str, Any]:
    value = figure.value
    if value is not None and not isinstance(value, str):
        value = whole_number(value) if float(value).is_integer() else float(value)
    return {"table": figure.table, "key": {k: _dimension_value(v) for k, v in figure.key.items()},
            "measure": figure.measure, "value": value}


def answer_to_json(answer: Answer) -> dict[str, Any]:
    # SPEC 10's fields first, in its order; figures and the comment are the project's additions.
    return {
        "id": answer.id, "question": answer.question, "status": answer.status, "text": answer.text,
        "tables": list(answer.tables), "sources": list(answer.sources), "caveats": list(answer.caveats),
        "figures": [_figure(f) for f in answer.figures], "comment": answer.comment,
    }


def signal_to_json(signal: Signal, year: int | None = None) -> dict[str, Any]:
    return {
        "id": signal.id, "title": signal.title, "text": signal.text, "rule": signal.rule,
        "status": signal.status, "evidence": [_figure(f) for f in signal.evidence],
        "comment": signal.comment, "history": [int(y) for y in signal.history],
        "recurring_since": recurring_since(signal, year) if year is not None else None,
    }


def recommendation_to_json(rec: Recommendation | None) -> dict[str, Any] | None:
    if rec is None:
        return None
    return {"advice": rec.advice, "text": rec.text, "reasons": list(rec.reasons)}


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
        # The report's status (issue 7.8): a preview of live figures says so in the file itself.
        "published": report.published.isoformat() if report.published else None,
        "publication_status": "publicerad" if report.published else "ej publicerad",
        "introduction": report.introduction,
        "answers": [answer_to_json(a) for a in report.answers],
        "signals": [signal_to_json(s, int(report.year)) for s in report.signals],
        "recommendation": recommendation_to_json(report.recommendation),
        "conclusions": report.conclusions,
    }


def dumps(report: Report) -> str:
    return json.dumps(report_to_json(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_json(report: Report, path: Path) -> Path:
    # Serialise before touching the file system, so an unserialisable report writes nothing.
    return atomic_write_text(path, dumps(report))
