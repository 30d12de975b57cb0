"""Disclosure control of published figures (SPEC 7): primary and secondary cell suppression
with an LP audit, or (optional) the cell-key method. See docs/disclosure.md."""

from .audit import AuditCell, AuditResult, DisclosureError, audit_report
from .cellkey import PTable, RecordKeys, build_ptable, check_cellkey_report, protect_report_cellkey
from .settings import ProtectionSettings
from .suppress import FOOTNOTE_SV, protect_report

__all__ = [
    "AuditCell",
    "AuditResult",
    "DisclosureError",
    "FOOTNOTE_SV",
    "PTable",
    "RecordKeys",
    "build_ptable",
    "check_cellkey_report",
    "protect_report_cellkey",
    "ProtectionSettings",
    "audit_report",
    "protect_report",
]
