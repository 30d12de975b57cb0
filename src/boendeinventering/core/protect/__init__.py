"""Disclosure control of published figures (SPEC 7): primary and secondary cell suppression
with an LP audit, or (optional) the cell-key method. See docs/disclosure.md.

The modules import one way (a test checks that core/ has no import cycles):
settings, relations → pattern (MagnitudeRule, apply_pattern) → audit → suppress → cellkey,
and this package chooses the method, so neither method module needs to know the other's caller."""

from .audit import AuditCell, AuditResult, DisclosureError, audit_report
from .cellkey import PTable, RecordKeys, build_ptable, check_cellkey_report, protect_report_cellkey
from .pattern import FOOTNOTE_SV, apply_pattern
from .settings import ProtectionSettings
from .suppress import protect_report_suppression
from ..tables import Report


def protect_report(report: Report, settings: ProtectionSettings | None = None) -> Report:
    """A new, protected Report by the method ``settings.method`` names; ``report`` is left untouched."""
    settings = settings or ProtectionSettings()
    if settings.method == "cellkey":
        return protect_report_cellkey(report, settings)
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
