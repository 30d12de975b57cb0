"""Ingest stage: read an extract file and validate it (SPEC 5).

``read_extract(kind, file)`` is the usual entry point; ``read_table`` and ``validate_extract``
are its two halves. Nothing here stores data or pseudonymises identifiers.
"""

from .extracts import EXTRACTS, Column, Extract
from .issues import IngestError, Issue
from .read import RawTable, read_table
from .validate import ValidationResult, read_extract, validate_extract

__all__ = [
    "EXTRACTS",
    "Column",
    "Extract",
    "IngestError",
    "Issue",
    "RawTable",
    "ValidationResult",
    "read_extract",
    "read_table",
    "validate_extract",
]
