"""A Report as plain JSON data and back: what publishing freezes, so that readers keep seeing
exactly the figures the coordinator published, whatever is imported or re-mapped later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dataclasses import asdict

from boendeinventering.core.tables import Answer, Figure, Recommendation, Report, Signal, Table


def _table(table: Table) -> dict[str, Any]:
    return {"id": table.id, "title": table.title, "dimensions": list(table.dimensions),
            "measures": list(table.measures), "rows": [dict(r) for r in table.rows], "note": table.note}


def _untable(data: dict[str, Any]) -> Table:
    return Table(data["id"], data["title"], list(data["dimensions"]), list(data["measures"]),
                 [dict(r) for r in data["rows"]], data.get("note", ""))


def report_to_snapshot(report: Report) -> dict[str, Any]:
    return {
        "kommun": report.kommun,
        "year": report.year,
        "reference_date": report.reference_date.isoformat(),
        "protected": report.protected,
        "tables": [_table(t) for t in report.tables.values()],
        "method_notes": [str(n) for n in report.method_notes],
        "quality": _table(report.quality) if report.quality is not None else None,
        "settings": {k: v for k, v in report.settings.items() if isinstance(v, (str, int, float, bool, type(None)))},
        # the report's purpose (answers, needs, recommendation) and the coordinator's texts, frozen too
        "answers": [asdict(a) for a in report.answers],
        "signals": [asdict(s) for s in report.signals],
        "recommendation": asdict(report.recommendation) if report.recommendation is not None else None,
        "introduction": report.introduction,
        "conclusions": report.conclusions,
    }


def _figures(items) -> list[Figure]:
    return [Figure(f["table"], dict(f["key"]), f["measure"], f["value"]) for f in items or []]


def _answer(data: dict[str, Any]) -> Answer:
    return Answer(**{**data, "figures": _figures(data.get("figures"))})


def _signal(data: dict[str, Any]) -> Signal:
    return Signal(**{**data, "evidence": _figures(data.get("evidence"))})


def report_from_snapshot(data: dict[str, Any]) -> Report:
    return Report(
        kommun=data["kommun"],
        year=int(data["year"]),
        reference_date=dt.date.fromisoformat(data["reference_date"]),
        tables={t["id"]: _untable(t) for t in data["tables"]},
        protected=bool(data["protected"]),
        method_notes=list(data["method_notes"]),
        quality=_untable(data["quality"]) if data.get("quality") else None,
        settings=dict(data.get("settings") or {}),
        # snapshots published before the answers existed have none of these keys
        answers=[_answer(a) for a in data.get("answers") or []],
        signals=[_signal(x) for x in data.get("signals") or []],
        recommendation=Recommendation(**data["recommendation"]) if data.get("recommendation") else None,
        introduction=data.get("introduction", ""),
        conclusions=data.get("conclusions", ""),
    )
