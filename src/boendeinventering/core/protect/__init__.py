"""Disclosure control of published figures (SPEC 7): primary and secondary cell suppression
with an LP audit, or (optional) the cell-key method. See docs/disclosure.md.

The modules import one way (a test checks that core/ has no import cycles):
settings, relations → pattern (MagnitudeRule, apply_pattern) → audit → suppress → cellkey,
and this package chooses the method, so neither method module needs to know the other's caller."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .settings import ProtectionSettings

if TYPE_CHECKING:  # the same names for the type checker; at run time they load on first use
    from ..tables import Report
    from .audit import AuditCell, AuditResult, DisclosureError, audit_report
    from .cellkey import PTable, RecordKeys, build_ptable, check_cellkey_report, protect_report_cellkey
    from .pattern import FOOTNOTE_SV, apply_pattern
    from .suppress import protect_report_suppression

# Where each name lives. The audit and secondary suppression load SciPy and HiGHS (about half a
# second), so they are imported when a name is first used, not when the package is: an unprotected
# export or a `boinv` verb that only touches the settings never needs them.
_LAZY = {
    "AuditCell": "audit", "AuditResult": "audit", "DisclosureError": "audit", "audit_report": "audit",
    "PTable": "cellkey", "RecordKeys": "cellkey", "build_ptable": "cellkey",
    "check_cellkey_report": "cellkey", "protect_report_cellkey": "cellkey",
    "FOOTNOTE_SV": "pattern", "apply_pattern": "pattern",
    "protect_report_suppression": "suppress",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def protect_report(report: Report, settings: ProtectionSettings | None = None) -> Report:
    """A new, protected Report by the method ``settings.method`` names; ``report`` is left untouched."""
    settings = settings or ProtectionSettings()
    if settings.method == "cellkey":
        from .cellkey import protect_report_cellkey

        return protect_report_cellkey(report, settings)
    from .suppress import protect_report_suppression

    return protect_report_suppression(report, settings)


__all__ = [
    "AuditCell",
    "AuditResult",
    "DisclosureError",
    "FOOTNOTE_SV",
    "PTable",
    "RecordKeys",
    "apply_pattern",
    "build_ptable",
    "check_cellkey_report",
    "protect_report_cellkey",
    "protect_report_suppression",
    "ProtectionSettings",
    "audit_report",
    "protect_report",
]
