"""Importing an extract: validate, pseudonymise, and store it atomically and idempotently."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from boendeinventering.core.ingest import Issue, read_extract
from boendeinventering.core.ingest.validate import ValidationResult
from boendeinventering.core.personnummer import mask_in_text
from boendeinventering.core.pseudonymise import pseudonymise
from boendeinventering.core.taxonomy import EXTRACT_KINDS
from boendeinventering.inventory.models import ImportBatch, Pseudonym
from boendeinventering.services import installation
from boendeinventering.services.storage import batch_rows, insert_column, read_frame, store_batch_rows

log = logging.getLogger("boendeinventering.import")

MAX_STORED_ISSUES = 10_000  # the import log keeps at most this many refused-row reasons


class ImportRefused(Exception):
    """The extract has invalid rows and the user did not ask to import the valid ones only."""

    def __init__(self, issues: list[Issue], rows_invalid: int):
        self.issues = issues
        self.rows_invalid = rows_invalid
        super().__init__(
            f"Filen har {rows_invalid} felaktiga rader och importerades inte. Rätta filen, "
            "eller importera bara de korrekta raderna (--skip-invalid)."
        )


@dataclass
class ImportOutcome:
    batch: ImportBatch
    created: bool  # False: the same file was already imported, nothing changed
    validation: ValidationResult | None = None
    replaced: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def file_digest(path: Path, key: bytes) -> str:
    """Keyed digest of the file's content: the same file gives the same digest, yet nobody
    without the key can test a guessed content against the stored value."""
    mac = hmac.new(key, b"fil:", hashlib.sha256)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            mac.update(block)
    return mac.hexdigest()


def import_extract(
    kind: str,
    path: Path,
    *,
    replace: bool = False,
    skip_invalid: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    user: str = "",
    file_name: str | None = None,
    progress: Callable[[str], None] | None = None,
    year: int | None = None,
) -> ImportOutcome:
    """Import one extract. `year`: the inventory year it was taken for (None: all years);
    `replace` deactivates the earlier active imports of the same kind and year."""
    if kind not in EXTRACT_KINDS:
        raise ValueError(f"Okänd uttagstyp '{kind}'. Välj en av: {', '.join(EXTRACT_KINDS)}.")
    if year is not None and not 1990 <= year <= 2100:
        raise ValueError(f"Orimligt inventeringsår {year}.")
    installation.current_installation()
    key = installation.key()
    path = Path(path)
    digest = file_digest(path, key)
    previous = ImportBatch.objects.filter(kind=kind, file_digest=digest).first()
    if previous is not None:
        return ImportOutcome(previous, created=False)

    result = read_extract(kind, path, file_name=file_name or path.name, encoding=encoding, delimiter=delimiter,
                          row_key=hmac.digest(key, b"rad", "sha256"), max_bytes=settings.BOINV_MAX_FILE_BYTES)
    if result.invalid_rows and not skip_invalid:
        raise ImportRefused(result.issues, len(result.invalid_rows))

    rows = _pseudonymised_rows(kind, result.valid, key)
    say = progress or (lambda message: None)
    try:
        return _store(kind, path, rows, result, digest, replace=replace, skip_invalid=skip_invalid, user=user,
                      file_name=file_name, say=say, year=year)
    except IntegrityError:
        # the same file, imported at the same moment by someone else: theirs won, nothing changed
        existing = ImportBatch.objects.filter(kind=kind, file_digest=digest).first()
        if existing is None:
            raise
        return ImportOutcome(existing, created=False)


def _store(kind, path, rows, result, digest, *, replace, skip_invalid, user, file_name, say, year) -> ImportOutcome:
    with transaction.atomic():
        say(f"Sparar rader: {rows.height}")
        rows = _attach_surrogates(rows)
        batch = ImportBatch.objects.create(
            kind=kind,
            year=year,
            file_name=stored_file_name(file_name or path.name),
            file_digest=digest,
            imported_by=user,
            skip_invalid=skip_invalid,
            encoding=result.encoding or "",
            delimiter=result.delimiter or "",
            rows_read=result.rows_read,
            rows_imported=rows.height,
            rows_invalid=len(result.invalid_rows),
            rows_duplicate=len(result.duplicate_rows),
            unknown_columns=result.unknown_columns,
            issues=[_issue_record(i) for i in result.issues[:MAX_STORED_ISSUES]],
        )
        store_batch_rows(batch, rows)
        replaced = []
        earlier = ImportBatch.objects.filter(kind=kind, active=True, year=year).exclude(pk=batch.pk)
        warnings = []
        if replace:
            replaced = list(earlier.values_list("id", flat=True))
            earlier.update(active=False, replaced_by=batch)
            if replaced:
                batch.replaces_id = replaced[0]
        elif earlier.exists():
            earlier_rows = batch_rows(earlier.values_list("id", flat=True), {"row_digest": pl.Utf8})
            overlap = int(rows["row_digest"].is_in(earlier_rows["row_digest"].implode()).sum())
            batch.rows_overlapping = overlap
            if overlap:
                warnings.append(
                    f"{overlap} rader finns redan i en tidigare import av {kind}. Om filen är en rättad "
                    "version av en tidigare fil ska den ersätta den (--replace); annars räknas dygn och "
                    "kostnader för de raderna två gånger."
                )
        batch.save()
    log.info("import %s batch=%s rows=%s invalid=%s user=%s", kind, batch.id, rows.height,
             len(result.invalid_rows), user)
    return ImportOutcome(batch, created=True, validation=result, replaced=replaced, warnings=warnings)


def stored_file_name(name: str) -> str:
    """File names are often made from a case ("insatser 19121212-1212.csv"): what is kept of them
    (batch, job, audit trail, quality report) has any personnummer masked."""
    return mask_in_text(name)[:255]


def _issue_record(issue: Issue) -> dict:
    return {"row": issue.row, "column": issue.column, "value": issue.value, "reason": issue.reason}


def _digests(values: pl.Series, key: bytes, namespace: str) -> pl.Series:
    return pseudonymise(values, key, namespace)


def _person_digest(frame: pl.DataFrame, key: bytes) -> pl.Series:
    """Personnummer and other ids live in separate namespaces (SPEC 2)."""
    def ids_of(kind: str) -> pl.Series:
        return frame.select(pl.when(pl.col("id_kind") == kind).then(pl.col("person_id"))).to_series()

    return _digests(ids_of("pnr"), key, "pnr").fill_null(_digests(ids_of("annat"), key, "annat"))


def _pseudonymised_rows(kind: str, valid: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Replace every identifier by its keyed digest; raw identifiers go no further than here."""
    frame = valid.rename({"row_hash": "row_digest"})  # keyed already (read_extract's row_key)
    if kind == "platser":
        return frame  # facilities and places: no identifiers to replace
    if kind == "skuldradgivning":
        frame = frame.with_columns(
            _digests(valid["case_id"], key, "arende").alias("case_digest"),
            _person_digest(valid, key).alias("person_digest"),
        ).drop("case_id", "person_id")
    else:
        frame = frame.with_columns(
            _person_digest(valid, key).alias("person_digest"),
            _digests(valid["household_id"], key, "hushall").alias("household_digest"),
        ).drop("person_id", "household_id")
    return frame


def _attach_surrogates(frame: pl.DataFrame) -> pl.DataFrame:
    """Map digests to integer surrogate ids (creating new ones): the fact tables store integers,
    which are smaller and several times faster to read back than 64-character digests."""
    digest_columns = [c for c in frame.columns if c.endswith("_digest") and c != "row_digest"]
    if not digest_columns:  # the places register holds no identifiers
        return frame
    if frame.height == 0:
        wanted = pl.Series("digest", [], dtype=pl.Utf8)
    else:
        wanted = pl.concat([frame[c] for c in digest_columns]).drop_nulls().unique().sort()
    ids = surrogate_ids(wanted)
    for column in digest_columns:
        target = column.removesuffix("_digest")
        frame = frame.join(ids.rename({"digest": column, "id": target}), on=column, how="left",
                           maintain_order="left").drop(column)
    return frame


def surrogate_ids(digests: pl.Series) -> pl.DataFrame:
    table = Pseudonym._meta.db_table
    tmp = "boinv_tmp_digest"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {tmp} (digest varchar(64) PRIMARY KEY)")
    insert_column(tmp, "digest", digests)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (digest) SELECT t.digest FROM {tmp} t "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} p WHERE p.digest = t.digest)"
        )
    ids = read_frame(
        f"SELECT p.digest, p.id FROM {table} p JOIN {tmp} t ON p.digest = t.digest",
        [],
        {"digest": pl.Utf8, "id": pl.Int64},
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {tmp}")
    return ids
