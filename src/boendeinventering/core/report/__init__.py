"""Report exporters: JSON (SPEC 6), Excel, HTML, Word and PDF, through one registry
(``exporters.EXPORTERS``).

All writers are atomic: the output is written to a temporary file next to the target and
moved into place only when complete, so a failed export never leaves a half-written file
that someone could mistake for a finished one.

Nothing is imported here: an export loads only its own writer (the JSON export of the
command line needs no spreadsheet or HTML writer).
"""
