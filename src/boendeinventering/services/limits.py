"""The limits one import is held to, from the settings (docs/drift.md, "Gränser för filer")."""

from __future__ import annotations

from django.conf import settings

from boendeinventering.core.ingest.read import ReadLimits


def import_limits() -> ReadLimits:
    return ReadLimits(
        max_rows=settings.BOINV_MAX_ROWS,
        max_unpacked_bytes=settings.BOINV_MAX_UNPACKED_MB * 1_000_000,
        max_zip_ratio=settings.BOINV_MAX_ZIP_RATIO,
        max_amount=settings.BOINV_MAX_AMOUNT,
    )
