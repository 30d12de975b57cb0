"""Disclosure control of published figures (SPEC 7): primary and secondary cell suppression
with an LP audit. See docs/disclosure.md."""

from .audit import AuditCell, AuditResult, DisclosureError, audit_report
from .settings import ProtectionSettings
from .suppress import FOOTNOTE_SV, protect_report

__all__ = [
    "AuditCell",
    "AuditResult",
    "DisclosureError",
    "FOOTNOTE_SV",
    "ProtectionSettings",
    "audit_report",
    "protect_report",
]
