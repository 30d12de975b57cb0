"""A Report as plain JSON data and back: what publishing freezes, so that readers keep seeing
exactly the figures the coordinator published, whatever is imported or re-mapped later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from boendeinventering.core.tables import Answer, Figure, Recommendation, Report, Signal, Table


def _table(table: Table) -> dict[str, Any]:
    return {"id": table.id, "title": table.title, "dimensions": list(table.dimensions),
            "measures": list(table.measures), "rows": [dict(r) for r in table.rows], "note": table.note}


def _untable(data: dict[str, Any]) -> Table:
    return Table(data["id"], data["title"], list(data["dimensions"]), list(data["measures"]),
                 [dict(r) for r in data["rows"]], data.get("note", ""))


def _figure(figure: Figure) -> dict[str, Any]:
    return {"table": figure.table, "key": dict(figure.key), "measure": figure.measure, "value": figure.value}


def _unfigure(data: dict[str, Any]) -> Figure:
    return Figure(data["table"], dict(data["key"]), data["measure"], data["value"])


def _answer(a: Answer) -> dict[str, Any]:
    return {"id": a.id, "question": a.question, "status": a.status, "text": a.text, "tables": list(a.tables),
            "sources": list(a.sources), "caveats": list(a.caveats), "figures": [_figure(f) for f in a.figures],
            "comment": a.comment}


def _unanswer(d: dict[str, Any]) -> Answer:
    return Answer(d["id"], d["question"], d["status"], d["text"], list(d.get("tables", [])),
                  list(d.get("sources", [])), list(d.get("caveats", [])),
                  [_unfigure(f) for f in d.get("figures", [])], d.get("comment", ""))


def _signal(s: Signal) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "text": s.text, "rule": s.rule,
            "evidence": [_figure(f) for f in s.evidence], "status": s.status, "comment": s.comment,
            "history": list(s.history)}


def _unsignal(d: dict[str, Any]) -> Signal:
    return Signal(d["id"], d["title"], d["text"], d["rule"], [_unfigure(f) for f in d.get("evidence", [])],
                  d.get("status", "open"), d.get("comment", ""), list(d.get("history", [])))


def report_to_snapshot(report: Report) -> dict[str, Any]:
    """Everything a reader sees: tables, answers, signals with the coordinator's comments, the
    recommendation and the coordinator's texts, as they stood when the report was published."""
    return {
        "kommun": report.kommun,
        "year": report.year,
        "reference_date": report.reference_date.isoformat(),
        "protected": report.protected,
        "tables": [_table(t) for t in report.tables.values()],
        "method_notes": [str(n) for n in report.method_notes],
        "quality": _table(report.quality) if report.quality is not None else None,
        "settings": {k: v for k, v in report.settings.items() if isinstance(v, (str, int, float, bool, type(None)))},
        "answers": [_answer(a) for a in report.answers],
        "signals": [_signal(s) for s in report.signals],
        "recommendation": (
            {"advice": report.recommendation.advice, "text": report.recommendation.text,
             "reasons": list(report.recommendation.reasons)} if report.recommendation else None),
        "introduction": report.introduction,
        "conclusions": report.conclusions,
    }


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
        # Snapshots taken before answers existed simply have none.
        answers=[_unanswer(a) for a in data.get("answers", [])],
        signals=[_unsignal(s) for s in data.get("signals", [])],
        recommendation=Recommendation(rec["advice"], rec["text"], list(rec.get("reasons", [])))
        if (rec := data.get("recommendation")) else None,
        introduction=data.get("introduction", ""),
        conclusions=data.get("conclusions", ""),
    )
