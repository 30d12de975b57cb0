"""The limits one import is held to, from the settings (docs/drift.md, "Gränser för filer")."""

from __future__ import annotations

from django.conf import settings

from boendeinventering.core.ingest.read import ReadLimits


def import_limits() -> ReadLimits:
    defaults = ReadLimits()
    return ReadLimits(
        max_rows=getattr(settings, "BOINV_MAX_ROWS", defaults.max_rows),
        max_unpacked_bytes=getattr(settings, "BOINV_MAX_UNPACKED_MB", defaults.max_unpacked_bytes // 1_000_000)
        * 1_000_000,
        max_zip_ratio=getattr(settings, "BOINV_MAX_ZIP_RATIO", defaults.max_zip_ratio),
        max_amount=getattr(settings, "BOINV_MAX_AMOUNT", defaults.max_amount),
    )
