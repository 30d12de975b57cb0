"""The bad-input corpus (tests/fixtures/bad_inputs.py): every case has the outcome it must have.

Two passes: reading and validating alone (fast, no database), and the whole import through the
service on the database (marked `db`, so it also runs on PostgreSQL) — where a refusal must leave
every inventory and organisation table exactly as it was. docs/robusthet.md records the counts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps

from boendeinventering.core.ingest import IngestError, read_extract
from boendeinventering.core.ingest.read import ReadLimits
from tests.fixtures.bad_inputs import ACCEPTED, ANY_ROW, CASES, REFUSED, Case, csv, row
from tests.fixtures.extracts import pnr
from tests.fixtures.extracts import skatteverket_numbers as all_numbers

ROOT = Path(__file__).resolve().parents[1]

# words a Swedish message has and an English one does not
_SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(filen|rad|raden|kolumn|kolumnen|ska|inte|högst|saknas|ogiltig\w*|för|är|och)\b")
_ENGLISH = re.compile(r"\b(the|invalid|error|file|could not|failed|Traceback)\b", re.IGNORECASE)


def _limits(case: Case) -> tuple[ReadLimits, int]:
    s = case.settings
    defaults = ReadLimits()
    limits = ReadLimits(
        max_rows=s.get("BOINV_MAX_ROWS", defaults.max_rows),
        max_unpacked_bytes=s["BOINV_MAX_UNPACKED_MB"] * 1_000_000 if "BOINV_MAX_UNPACKED_MB" in s
        else defaults.max_unpacked_bytes,
    )
    return limits, s.get("BOINV_MAX_FILE_BYTES", 2_000_000_000)


def _check_refusal(case: Case, issues) -> None:
    assert issues, f"{case.id}: refused without a reason"
    texts = [i.as_text() for i in issues]
    for text in texts:
        assert _SWEDISH.search(text) and not _ENGLISH.search(text), f"{case.id}: not Swedish: {text}"
        for number in (pnr(i) for i in range(10)):
            assert number not in text and number[2:] not in text, f"{case.id}: raw personnummer in {text}"
    if case.row is ANY_ROW:
        assert any(i.row is not None for i in issues), f"{case.id}: no row named: {texts}"
    elif case.row is not None:
        assert any(i.row == case.row for i in issues), f"{case.id}: row {case.row} not named: {texts}"
    if case.column is not None:
        assert any(i.column == case.column for i in issues if case.row in (None, ANY_ROW) or i.row == case.row), \
            f"{case.id}: column {case.column} not named: {texts}"
    for word in case.words:
        assert any(word in i.reason for i in issues), f"{case.id}: {word!r} not in {texts}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_read_and_validate(case: Case, tmp_path):
    path = tmp_path / case.file_name
    path.write_bytes(case.data())
    limits, max_bytes = _limits(case)
    try:
        result = read_extract(case.kind, path, encoding=case.encoding, max_bytes=max_bytes, limits=limits)
    except IngestError as exc:
        assert case.expect == REFUSED, f"{case.id}: refused but should be accepted: {exc}"
        _check_refusal(case, exc.issues)
        return
    if case.expect == REFUSED:
        assert result.invalid_rows, f"{case.id}: accepted but should be refused"
        _check_refusal(case, result.issues)
    else:
        assert not result.issues, f"{case.id}: {[i.as_text() for i in result.issues]}"
        assert result.valid.height == case.accepted_rows


# --- the whole import, on the database ------------------------------------------------------


def _dump() -> dict:
    """Every row of every inventory and organisation table (blobs included), but the audit trail:
    a refused import is recorded there on purpose (``import_refused``), checked separately."""
    from boendeinventering.organisation.models import AuditEvent

    out = {}
    for label in ("inventory", "organisation"):
        for model in apps.get_app_config(label).get_models():
            if model is not AuditEvent:
                out[model._meta.db_table] = [tuple(r) for r in model.objects.order_by("pk").values_list()]
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_import_leaves_the_database_unchanged_when_refused(case: Case, installed, tmp_path, settings):
    from boendeinventering.organisation.models import AuditEvent
    from boendeinventering.services.imports import ImportRefused, import_extract

    # Data already there, with the corpus's own columns: a file whose columns differ from the
    # earlier import's waits for confirmation (services.imports.check_columns), which is not
    # what the cases test.
    earlier = tmp_path / "tidigare.csv"
    earlier.write_bytes(csv([row(person_id=pnr(100 + i)) for i in range(3)]))
    import_extract("insatser", earlier)
    for name, value in case.settings.items():
        setattr(settings, name, value)
    path = tmp_path / case.file_name
    path.write_bytes(case.data())
    before = _dump()
    try:
        outcome = import_extract(case.kind, path, encoding=case.encoding)
    except (IngestError, ImportRefused) as exc:
        assert case.expect == REFUSED, f"{case.id}: refused but should be accepted: {exc}"
        _check_refusal(case, exc.issues)
        assert _dump() == before, f"{case.id}: the database changed although the file was refused"
        assert AuditEvent.objects.filter(action="import_refused").count() == 1
        return
    assert case.expect == ACCEPTED, f"{case.id}: imported but should be refused"
    assert outcome.created and outcome.batch.rows_imported == case.accepted_rows
    after = _dump()
    assert after != before
    stored = repr(after)
    assert not any(n in stored for n in all_numbers()[20_000:20_600]), "raw personnummer stored"


def test_corpus_covers_every_category_and_both_outcomes():
    categories = {c.category for c in CASES}
    assert categories == {"kodning", "avgränsare", "struktur", "värden", "storlek"}
    for category in categories:
        outcomes = {c.expect for c in CASES if c.category == category}
        assert REFUSED in outcomes, category
    assert sum(c.expect == ACCEPTED for c in CASES) >= 10


def test_robustness_doc_states_the_current_counts():
    doc = (ROOT / "docs" / "robusthet.md").read_text(encoding="utf-8")
    refused = sum(c.expect == REFUSED for c in CASES)
    assert f"{len(CASES)} fall" in doc and f"{refused} ska avvisas" in doc
    for case in CASES:
        assert case.description in doc, f"docs/robusthet.md lacks {case.id}: {case.description}"
