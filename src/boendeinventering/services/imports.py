"""Importing an extract: validate, pseudonymise, and store it atomically and idempotently."""

from __future__ import annotations

import hashlib
import hmac
import logging
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from boendeinventering.core.ingest import IngestError, Issue, validate_extract
from boendeinventering.core.ingest.columns import ColumnCheck, check_columns, headers_as_given
from boendeinventering.core.ingest.read import read_table_slices
from boendeinventering.core.ingest.validate import ValidationResult
from boendeinventering.core.personnummer import mask_in_text
from boendeinventering.core.pseudonymise import pseudonym_digests
from boendeinventering.core.taxonomy import EXTRACT_KINDS, normalise_name
from boendeinventering.inventory.models import ImportBatch, Pseudonym
from boendeinventering.services import audit, installation
from boendeinventering.services.limits import import_limits
from boendeinventering.services import storage
from boendeinventering.services.storage import batch_rows, digests_found_in, store_batch_rows

log = logging.getLogger("boendeinventering.import")


def format_number_sv(value: int | float | None) -> str:
    """The report's number format, imported on use: importing core.report loads its writers
    (xlsxwriter, the document model, charts), which an import never needs."""
    from boendeinventering.core.report.labels import format_number_sv as report_format

    return report_format(value)

MAX_STORED_ISSUES = 10_000  # the import log keeps at most this many refused-row reasons


# How each interface names its options: a web page never tells the user about a CLI flag.
OPTION_NAMES = {
    "cli": {"replace": "--replace", "skip_invalid": "--skip-invalid", "accept_columns": "--accept-columns",
            "allow_empty": "--allow-empty", "keep_identical_rows": "--keep-identical-rows"},
    "web": {"replace": "Ersätt", "skip_invalid": "Importera bara de korrekta raderna",
            "accept_columns": "Importera ändå", "allow_empty": "Filen får sakna rader",
            "keep_identical_rows": "Räkna identiska rader var för sig"},
}

# Columns holding the local names that the mapping translates to standard codes (SPEC 4).
LOCAL_NAME_COLUMNS = {"insatser": "insats", "utbetalningar": "purpose"}


def option_name(option: str, interface: str = "cli") -> str:
    return OPTION_NAMES.get(interface, OPTION_NAMES["cli"])[option]


class ImportRefused(Exception):
    """The extract has invalid rows and the user did not ask to import the valid ones only."""

    def __init__(self, issues: list[Issue], rows_invalid: int, *, interface: str = "cli"):
        self.issues = issues
        self.rows_invalid = rows_invalid
        super().__init__(
            f"Filen har {rows_invalid} felaktiga rader och importerades inte. Rätta filen, "
            f"eller importera bara de korrekta raderna ({option_name('skip_invalid', interface)})."
        )


class ConfirmationNeeded(Exception):
    """The file may lose data without an error (a column that looks misspelt, a column earlier
    imports had, no data rows): nothing was written, and the user must confirm to go ahead.
    `reasons`: "columns" and/or "empty"; `issues`: what to show, with the file's own headers."""

    def __init__(self, reasons: list[str], issues: list[Issue], message: str, *,
                 columns: ColumnCheck | None = None):
        self.reasons = reasons
        self.issues = issues
        self.columns = columns
        super().__init__(message)


@dataclass
class ImportOutcome:
    batch: ImportBatch
    created: bool  # False: the same file was already imported for this kind and year
    validation: ValidationResult | None = None
    replaced: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reactivated: bool = False  # the file's earlier (replaced or withdrawn) import is active again
    new_unmapped: list[str] = field(default_factory=list)  # new local names without a code
    identical_kept: int = 0  # rows identical to another row, kept (keep_identical_rows)


def file_digest(path: Path, key: bytes) -> str:
    """Keyed digest of the file's content: the same file gives the same digest, yet nobody
    without the key can test a guessed content against the stored value."""
    mac = hmac.new(key, b"fil:", hashlib.sha256)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            mac.update(block)
    return mac.hexdigest()


def _username(user) -> str:
    if user is None:
        return ""
    return user if isinstance(user, str) else user.get_username()


def _year_text(year: int | None) -> str:
    return str(year) if year is not None else "alla år"


def import_extract(
    kind: str,
    path: Path,
    *,
    replace: bool = False,
    skip_invalid: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    user="",
    file_name: str | None = None,
    progress: Callable[[str], None] | None = None,
    year: int | None = None,
    accept_columns: bool = False,
    allow_empty: bool = False,
    keep_identical_rows: bool = False,
    interface: str = "cli",
    ip: str | None = None,
) -> ImportOutcome:
    """Import one extract. `year`: the inventory year it was taken for (None: all years);
    `replace` deactivates the earlier active imports of the same kind and year.
    `user`: a User or a user name (the audit trail records the import either way);
    `interface` ("cli" or "web") decides how messages name the options."""
    if kind not in EXTRACT_KINDS:
        raise ValueError(f"Okänd uttagstyp '{kind}'. Välj en av: {', '.join(EXTRACT_KINDS)}.")
    if year is not None and not 1990 <= year <= 2100:
        raise ValueError(f"Orimligt inventeringsår {year}.")
    if keep_identical_rows and kind != "utbetalningar":
        raise ValueError(f"{option_name('keep_identical_rows', interface)} gäller bara utbetalningar: "
                         "i andra uttag är en identisk rad samma uppgift två gånger.")
    installation.current_installation()
    key = installation.key()
    path = Path(path)
    shown_name = stored_file_name(file_name or path.name)
    digest = file_digest(path, key)
    previous = ImportBatch.objects.filter(kind=kind, year=year, file_digest=digest).first()
    if previous is not None:
        return _imported_before(previous, replace=replace, user=user, ip=ip, interface=interface)

    try:
        return _import_new(kind, path, digest, key, replace=replace, skip_invalid=skip_invalid, encoding=encoding,
                           delimiter=delimiter, user=user, file_name=file_name, progress=progress, year=year,
                           accept_columns=accept_columns, allow_empty=allow_empty,
                           keep_identical_rows=keep_identical_rows, interface=interface, ip=ip)
    except ImportRefused as exc:
        audit.record(user, audit.IMPORT_REFUSED, f"{kind} {_year_text(year)}: {shown_name}, "
                     f"{exc.rows_invalid} felaktiga rader", ip=ip)
        raise
    except ConfirmationNeeded as exc:
        what = " och ".join({"columns": "kolumner som ser fel ut", "empty": "inga rader att importera"}[r]
                            for r in exc.reasons)
        audit.record(user, audit.IMPORT_REFUSED, f"{kind} {_year_text(year)}: {shown_name}, {what} "
                     "(väntar på bekräftelse)", ip=ip)
        raise
    except IngestError:
        audit.record(user, audit.IMPORT_REFUSED, f"{kind} {_year_text(year)}: {shown_name}, filen kunde inte läsas",
                     ip=ip)
        raise


def _import_new(kind, path, digest, key, *, replace, skip_invalid, encoding, delimiter, user, file_name, progress,
                year, accept_columns, allow_empty, keep_identical_rows, interface, ip) -> ImportOutcome:
    # Progress before the write step: it is written to the job's row outside the import's own
    # transaction, so every server process can show it (services.tasks).
    say = progress or (lambda message: None)
    say("Läser och kontrollerar filen …")
    limits = import_limits()
    slices = read_table_slices(path, file_name=file_name or path.name, encoding=encoding, delimiter=delimiter,
                               max_bytes=settings.BOINV_MAX_FILE_BYTES, limits=limits,
                               slice_rows=settings.BOINV_IMPORT_SLICE_ROWS)
    first = next(slices)
    check = check_columns(kind, first, _earlier_columns(kind, year))
    if check.needs_confirmation and not accept_columns:
        raise ConfirmationNeeded(
            ["columns"], check.issues(),
            "Kolumnerna i filen ser fel ut (se nedan), så inget importerades: en kolumn som inte känns igen "
            "används inte, och alla dess värden går förlorade. Rätta rubrikerna i filen och importera igen, "
            f"eller bekräfta att filen ska importeras som den är ({option_name('accept_columns', interface)}).",
            columns=check)
    headers = headers_as_given(first)
    box = [first]
    del first  # the first slice is let go of once it is spooled, like every other
    row_key = hmac.digest(key, b"rad", "sha256")

    def validated():
        for raw in _emptied(box, slices):
            result = validate_extract(kind, raw, row_key=row_key, limits=limits,
                                      keep_identical_rows=keep_identical_rows)
            result.issues = _with_headers_as_given(result.issues, headers)
            result.unknown_columns = check.unknown
            yield result

    with _spool_directory() as directory, closing(_read_ahead(validated())) as results:
        spool = _Spool(Path(directory), kind)
        merged = _spooled(kind, results, key, spool, skip_invalid=skip_invalid, say=say)
        # a row identical to one of an earlier slice (validate_extract finds repeats within a slice)
        repeated = (pl.repeat(False, spool.rows, dtype=pl.Boolean, eager=True) if keep_identical_rows
                    else ~spool.all_digests().is_first_distinct())
        _refused_or_empty(merged, spool.rows - int(repeated.sum()), skip_invalid=skip_invalid,
                          allow_empty=allow_empty, replace=replace, interface=interface)
        try:
            outcome = _store(kind, path, merged, spool, repeated, digest, replace=replace, skip_invalid=skip_invalid,
                             user=_username(user), file_name=file_name, say=say, year=year, columns=check.present,
                             keep_identical_rows=keep_identical_rows, interface=interface)
        except IntegrityError:
            # the same file, imported at the same moment by someone else: theirs won, nothing changed
            existing = ImportBatch.objects.filter(kind=kind, year=year, file_digest=digest).first()
            if existing is None:
                raise
            return ImportOutcome(existing, created=False)
    # confirmed column problems stay visible on the result, so nobody forgets what was accepted
    outcome.warnings[:0] = [
        f"Kolumnen {m.header} liknar {m.known} men användes inte (importerad efter bekräftelse)."
        for m in check.near_misses
    ] + [
        f"Kolumnen {name} saknas i filen men fanns i den senaste importen av {kind} (importerad efter bekräftelse)."
        for name in check.missing_optional
    ]
    batch = outcome.batch
    audit.record(user, audit.IMPORT,
                 f"{kind} {_year_text(year)}: {batch.file_name}, import {batch.id}, {batch.rows_imported} rader "
                 f"importerade, {batch.rows_invalid} avvisade"
                 + (f", ersätter import {', '.join(map(str, outcome.replaced))}" if outcome.replaced else ""), ip=ip)
    return outcome


_END = object()


def _read_ahead(items: Iterator) -> Iterator:
    """`items` in order, the next one made in a worker thread while the caller works on this one:
    a slice is read and validated (mostly Polars, which lets go of the GIL) while the one before is
    pseudonymised and spooled (mostly Python). An exception from `items` is raised where that item
    would have come, after the items before it. At most two items exist at a time."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="boinv-read-ahead") as worker:
        pending = worker.submit(next, items, _END)
        while (item := pending.result()) is not _END:
            pending = worker.submit(next, items, _END)
            yield item
            del item  # the caller's reference is the only one while the next item is made


def _emptied(box: list, rest: Iterator) -> Iterator:
    """The item in `box`, then `rest`; the box lets go of its item, so only the consumer holds it."""
    yield box.pop()
    yield from rest


def _earlier_columns(kind: str, year: int | None) -> list[str] | None:
    """The known columns of the latest active import of the same kind (the same year's first)."""
    earlier = ImportBatch.objects.filter(kind=kind, active=True).exclude(columns=[])
    latest = earlier.filter(year=year).first() or earlier.first()
    return list(latest.columns) if latest is not None else None


def _with_headers_as_given(issues: list[Issue], given: dict[str, str]) -> list[Issue]:
    """Errors name the column as the file writes it ("Slut_Datum"), which is what the user finds."""
    renamed = {name: header for name, header in given.items() if name != header}
    if not renamed:
        return issues
    return [dc_replace(i, column=renamed[i.column]) if i.column in renamed else i for i in issues]


def _imported_before(previous: ImportBatch, *, replace: bool, user, ip, interface) -> ImportOutcome:
    """The same file was imported before for this kind and year. Active: nothing to do (with
    replace: the other active imports give way to it). Replaced or withdrawn: importing it again
    is asking for it back, so it is reactivated."""
    if not previous.active:
        return reactivate(previous.pk, replace=replace, user=user, ip=ip, interface=interface)
    replaced: list[int] = []
    if replace:
        with transaction.atomic():
            others = ImportBatch.objects.select_for_update().filter(
                kind=previous.kind, active=True, year=previous.year).exclude(pk=previous.pk)
            replaced = list(others.values_list("id", flat=True))
            others.update(active=False, replaced_by=previous)
        if replaced:
            audit.record(user, audit.IMPORT,
                         f"{previous.kind} {_year_text(previous.year)}: {previous.file_name}, import {previous.id} "
                         f"ersätter import {', '.join(map(str, replaced))}", ip=ip)
    return ImportOutcome(previous, created=False, replaced=replaced)


def withdraw(batch_id: int, *, user="", ip: str | None = None) -> ImportBatch:
    """Make an import inactive: its rows stop counting, it stays in the history, and it can be
    reactivated. Logged in the audit trail."""
    with transaction.atomic():
        batch = _batch_for_update(batch_id)
        if not batch.active:
            raise ValueError(f"Import {batch.id} är inte aktiv ({batch.state_label.lower()}); inget ändrades.")
        batch.active = False
        batch.withdrawn_at = timezone.now()
        batch.withdrawn_by = _username(user)[:150]
        batch.save(update_fields=["active", "withdrawn_at", "withdrawn_by"])
    audit.record(user, audit.IMPORT_WITHDRAWN,
                 f"{batch.kind} {_year_text(batch.year)}: {batch.file_name}, import {batch.id} återkallad "
                 f"({batch.rows_imported} rader räknas inte längre)", ip=ip)
    log.info("import withdrawn batch=%s user=%s", batch.id, _username(user))
    return batch


def reactivate(batch_id: int, *, replace: bool | None = None, user="", ip: str | None = None,
               interface: str = "cli") -> ImportOutcome:
    """Make a replaced or withdrawn import active again. `replace`: the other active imports of
    its kind and year become inactive (replaced by it); None: so if it was itself replaced by an
    import that is still active (undoing that replacement), otherwise it is added beside them."""
    with transaction.atomic():
        batch = _batch_for_update(batch_id)
        if batch.active:
            raise ValueError(f"Import {batch.id} är redan aktiv; inget ändrades.")
        if batch.rows_imported and not batch.parts.exists():
            # shredded by retention (services/retention.py): active again it would count as empty
            raise ValueError(f"Import {batch.id} är gallrad: dess rader raderades när lagringstiden gått ut, "
                             "så den kan inte bli aktiv igen.")
        others = ImportBatch.objects.select_for_update().filter(
            kind=batch.kind, active=True, year=batch.year).exclude(pk=batch.pk)
        if replace is None:
            replace = batch.replaced_by_id is not None and others.filter(pk=batch.replaced_by_id).exists()
        replaced: list[int] = []
        warnings: list[str] = []
        if replace:
            replaced = list(others.values_list("id", flat=True))
            others.update(active=False, replaced_by=batch)
        elif others.exists():
            overlap = _overlap(batch.pk, list(others.values_list("id", flat=True)))
            if overlap:
                warnings.append(_overlap_warning(overlap, batch.kind, interface))
        batch.active = True
        batch.withdrawn_at, batch.withdrawn_by, batch.replaced_by = None, "", None
        batch.save(update_fields=["active", "withdrawn_at", "withdrawn_by", "replaced_by"])
    audit.record(user, audit.IMPORT_REACTIVATED,
                 f"{batch.kind} {_year_text(batch.year)}: {batch.file_name}, import {batch.id} aktiv igen"
                 + (f", ersätter import {', '.join(map(str, replaced))}" if replaced else ""), ip=ip)
    log.info("import reactivated batch=%s replaced=%s user=%s", batch.id, replaced, _username(user))
    return ImportOutcome(batch, created=False, replaced=replaced, warnings=warnings, reactivated=True)


def _batch_for_update(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise ValueError(f"Det finns ingen import med nummer {batch_id}.")
    return batch


def _overlap(batch_id: int, other_ids: list[int]) -> int:
    mine = batch_rows([batch_id], {"row_digest": pl.Utf8})["row_digest"]
    return int(digests_found_in(mine, other_ids).sum())


# what is counted twice when two active imports hold the same rows, in each extract's own terms
_COUNTED_TWICE = {"insatser": "dygn och kostnader", "utbetalningar": "beloppen", "skuldradgivning": "ärendena",
                  "platser": "platserna"}


def _overlap_warning(overlap: int, kind: str, interface: str) -> str:
    return (f"{format_number_sv(overlap)} rader finns redan i en annan aktiv import av {kind}. Om filen är en "
            f"rättad version av en tidigare fil ska den ersätta den ({option_name('replace', interface)}); "
            f"annars räknas {_COUNTED_TWICE.get(kind, 'uppgifterna')} för de raderna två gånger.")


def _local_names(kind: str, rows: pl.DataFrame) -> set[str]:
    column = LOCAL_NAME_COLUMNS.get(kind)
    if column is None or column not in rows.columns:
        return set()
    return set(rows[column].drop_nulls().unique().to_list())


def _refused_or_empty(merged: ValidationResult, stored: int, *, skip_invalid, allow_empty, replace,
                      interface) -> None:
    if merged.invalid_rows and not skip_invalid:
        raise ImportRefused(merged.issues, len(merged.invalid_rows), interface=interface)
    if stored == 0 and not allow_empty:
        if merged.rows_read == 0:
            text = "Filen har inga datarader (bara en rubrikrad), så inget importerades."
        else:
            text = "Ingen rad i filen är korrekt, så importen skulle bli tom; inget importerades."
        if replace:
            text += f" Med {option_name('replace', interface)} skulle den ersätta årets tidigare import med noll rader."
        text += (" Om uttaget ska vara tomt (verksamheten hade inga sådana insatser), bekräfta det "
                 f"({option_name('allow_empty', interface)}).")
        raise ConfirmationNeeded(["empty"], [], text)


def _spool_directory() -> tempfile.TemporaryDirectory:
    """A private directory for the spool, beside the uploads (DATA_DIR/tmp), removed afterwards."""
    from boendeinventering.services.tasks import temp_dir

    base = temp_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return tempfile.TemporaryDirectory(prefix="boinv-import-", dir=base)


@dataclass
class _Spool:
    """The pseudonymised slices, on disk until the write step. Memory holds one slice at a time,
    and the import's transaction stays as short as it was before slicing: SQLite has one writer,
    and a background job's heartbeat must get through while the file is read. Only keyed
    digests are written here, never a raw identifier."""

    directory: Path
    kind: str
    digests: list[pl.Series] = field(default_factory=list)  # each part's row digests (hex)
    names: set[str] = field(default_factory=set)  # local names (insats, andamal)
    known: _Known = field(default_factory=lambda: _Known())

    def add(self, rows: pl.DataFrame) -> None:
        # Arrow IPC, uncompressed: a third of the time of Parquet with lz4 and a seventh of zstd's
        # (measured), for about 160 bytes a row on disk (local numbers, not digests: see _Known), and the
        # file lives only as long as the import
        rows.write_ipc(self._path(len(self.digests)), compression="uncompressed")
        self.digests.append(rows["row_digest"])
        self.names |= _local_names(self.kind, rows)

    @property
    def rows(self) -> int:
        return sum(d.len() for d in self.digests)

    def all_digests(self) -> pl.Series:
        return pl.concat(self.digests) if self.digests else pl.Series("row_digest", [], dtype=pl.Utf8)

    def parts(self, left_out: pl.Series) -> Iterator[tuple[pl.DataFrame, list[int]]]:
        """Each part's rows without those marked in `left_out` (all parts' rows in order), and
        the row numbers of those left out."""
        offset = 0
        for part, digests in enumerate(self.digests):
            frame = pl.read_ipc(self._path(part))
            mask = left_out.slice(offset, digests.len())
            offset += digests.len()
            yield frame.filter(~mask), frame.filter(mask)["row_no"].to_list()

    def _path(self, part: int) -> Path:
        return self.directory / f"{part}.arrow"


def _spooled(kind: str, results: Iterator[ValidationResult], key: bytes, spool: _Spool, *, skip_invalid: bool,
             say: Callable[[str], None]) -> ValidationResult:
    """Pseudonymise every slice's valid rows into `spool`; the slices' results as one. Once a
    slice has an invalid row (without skip_invalid) the rest are only read for their errors."""
    merged: ValidationResult | None = None
    for result in results:
        merged = result if merged is None else _merged(merged, result)
        if merged.invalid_rows and not skip_invalid:
            continue
        if result.valid.height and kind not in _WITHOUT_IDENTIFIERS:
            say(f"Pseudonymiserar {spool.rows + result.valid.height} rader …")
        spool.add(_pseudonymised_rows(kind, result.valid, key, spool.known))
        result.valid = result.valid.clear()  # the slice's rows live on only in the spool
    assert merged is not None  # a file has at least one slice
    return merged


def _store(kind, path, merged: ValidationResult, spool: _Spool, repeated: pl.Series, digest, *, replace,
           skip_invalid, user, file_name, say, year, columns, keep_identical_rows, interface) -> ImportOutcome:
    """Store the spooled parts, less the rows `repeated` from earlier slices, in one transaction:
    a crash or error leaves nothing."""
    from boendeinventering.services.mapping import current_mapping, seen_local_names

    seen = {normalise_name(n) for n in seen_local_names()} if spool.names else set()
    new_names = sorted((n for n in spool.names if normalise_name(n) not in seen), key=normalise_name)
    digests = spool.all_digests().filter(~repeated)
    identical = digests.len() - digests.n_unique() if keep_identical_rows and digests.len() else 0
    with transaction.atomic():
        say(f"Sparar rader: {digests.len()}")
        batch = ImportBatch.objects.create(
            kind=kind,
            year=year,
            file_name=stored_file_name(file_name or path.name),
            file_digest=digest,
            imported_by=user,
            skip_invalid=skip_invalid,
            encoding=merged.encoding or "",
            delimiter=merged.delimiter or "",
            rows_read=merged.rows_read,
            rows_imported=digests.len(),
            rows_invalid=len(merged.invalid_rows),
            rows_duplicate=len(merged.duplicate_rows) + int(repeated.sum()),
            unknown_columns=merged.unknown_columns,
            issues=[_issue_record(i) for i in merged.issues[:MAX_STORED_ISSUES]],
            columns=columns,
            new_local_names=new_names,
            local_names=sorted(spool.names, key=normalise_name),
            keep_identical_rows=keep_identical_rows,
        )
        for part, (rows, left_out) in enumerate(spool.parts(repeated)):
            merged.duplicate_rows.extend(left_out)
            store_batch_rows(batch, _attach_surrogates(rows, spool.known), part)
        merged.duplicate_rows.sort()
        replaced, warnings = _replace_or_warn(batch, digests, replace=replace, interface=interface)
        batch.save()
    log.info("import %s batch=%s rows=%s invalid=%s user=%s", kind, batch.id, batch.rows_imported,
             batch.rows_invalid, user)
    mapping = current_mapping()
    unmapped = [n for n in new_names if mapping.code_for(n) is None]
    return ImportOutcome(batch, created=True, validation=merged, replaced=replaced, warnings=warnings,
                         new_unmapped=unmapped, identical_kept=identical)


def _merged(before: ValidationResult, after: ValidationResult) -> ValidationResult:
    """Two slices' results as one (the rows themselves go to the spool, not here)."""
    return dc_replace(before, issues=before.issues + after.issues,
                      invalid_rows=before.invalid_rows + after.invalid_rows,
                      duplicate_rows=before.duplicate_rows + after.duplicate_rows,
                      rows_read=before.rows_read + after.rows_read)


def _replace_or_warn(batch: ImportBatch, digests: pl.Series, *, replace: bool,
                     interface: str) -> tuple[list[int], list[str]]:
    """With `replace` the earlier active imports of the kind and year give way to `batch`;
    without, rows they share with it are counted and warned about."""
    earlier = ImportBatch.objects.filter(kind=batch.kind, active=True, year=batch.year).exclude(pk=batch.pk)
    if replace:
        replaced = list(earlier.values_list("id", flat=True))
        earlier.update(active=False, replaced_by=batch)
        if replaced:
            batch.replaces_id = replaced[0]
        return replaced, []
    if not earlier.exists():
        return [], []
    overlap = int(digests_found_in(digests, earlier.values_list("id", flat=True)).sum())
    batch.rows_overlapping = overlap
    return [], [_overlap_warning(overlap, batch.kind, interface)] if overlap else []


def done_message(outcome: ImportOutcome, *, interface: str = "cli") -> str:
    """One paragraph on what the import did, in the interface's words (web: the job's result)."""
    batch, _sv = outcome.batch, format_number_sv
    if outcome.reactivated:
        text = (f"Filen importerades tidigare (import {batch.id}) och är nu aktiv igen; "
                f"{_sv(batch.rows_imported)} rader räknas.")
        if outcome.replaced:
            text += f" Den ersätter import {', '.join(map(str, outcome.replaced))}."
        return text
    if not outcome.created:
        text = f"Filen är redan importerad för samma år (import {batch.id}). "
        if outcome.replaced:
            return text + f"Den ersätter nu import {', '.join(map(str, outcome.replaced))}."
        return text + "Inget ändrades."
    text = f"{_sv(batch.rows_imported)} rader importerades av {_sv(batch.rows_read)} lästa."
    if batch.rows_invalid:
        text += f" {_sv(batch.rows_invalid)} felaktiga rader importerades inte."
    if batch.rows_duplicate:
        text += f" {_sv(batch.rows_duplicate)} rader var identiska med en tidigare rad i filen och räknades en gång."
    if outcome.identical_kept:
        text += (f" {_sv(outcome.identical_kept)} rader var identiska med en annan rad i filen och räknades var "
                 "för sig, som du valde.")
    if outcome.replaced:
        text += f" Importen ersätter import {', '.join(map(str, outcome.replaced))} (som finns kvar i historiken)."
    return text


def stored_file_name(name: str) -> str:
    """File names are often made from a case ("insatser 19121212-1212.csv"): what is kept of them
    (batch, job, audit trail, quality report) has any personnummer masked."""
    return mask_in_text(name)[:255]


def _issue_record(issue: Issue) -> dict:
    return {"row": issue.row, "column": issue.column, "value": issue.value, "reason": issue.reason}


class _Known:
    """What earlier slices of the same file worked out, so a person on many slices is hashed and
    looked up once. Every pseudonym (digest) found gets a local number, its place in `digests`;
    the spooled rows hold those numbers, not 64-character digests, so the spool is smaller and the
    surrogate ids are a gather rather than a join on text. Per namespace, identifier -> local
    number; per local number, the surrogate id once looked up (null until then). Held in memory
    for one import only (the identifiers were read from the file into memory anyway)."""

    def __init__(self) -> None:
        self.numbers: dict[str, pl.DataFrame] = {}
        self.digests = pl.Series("digest", [], dtype=pl.Utf8)
        self.ids = pl.Series("id", [], dtype=pl.Int64)

    def add(self, digests: pl.Series) -> pl.Series:
        """Number new digests; their local numbers."""
        start = self.digests.len()
        self.digests = pl.concat([self.digests, digests.alias("digest")])
        self.ids = self.ids.extend_constant(None, digests.len())
        return pl.arange(start, start + digests.len(), dtype=pl.UInt32, eager=True)


_REF = "_ref"  # suffix of a spooled column of local numbers (see _Known)
_WITHOUT_IDENTIFIERS = {"platser"}  # the places register: facilities and places, nothing to pseudonymise


def _numbers(values: pl.Series, key: bytes, namespace: str, known: _Known) -> pl.Series:
    """Each value's local number (null for null); values not seen before are pseudonymised, once each."""
    text = values.cast(pl.Utf8)
    table = known.numbers.get(namespace, pl.DataFrame(schema={"v": pl.Utf8, "n": pl.UInt32}))
    distinct = text.drop_nulls().unique()
    new = distinct.filter(~distinct.is_in(table["v"].implode()))
    if new.len():
        hashed = pl.Series(pseudonym_digests(new.to_list(), key, namespace), dtype=pl.Binary).bin.encode("hex")
        table = pl.concat([table, pl.DataFrame({"v": new, "n": known.add(hashed)})])
        known.numbers[namespace] = table
    return pl.DataFrame({"v": text}).join(table, on="v", how="left", maintain_order="left")["n"]


def _person_numbers(frame: pl.DataFrame, key: bytes, known: _Known) -> pl.Series:
    """Personnummer and other ids live in separate namespaces (SPEC 2)."""
    def ids_of(kind: str) -> pl.Series:
        return frame.select(pl.when(pl.col("id_kind") == kind).then(pl.col("person_id"))).to_series()

    return _numbers(ids_of("pnr"), key, "pnr", known).fill_null(_numbers(ids_of("annat"), key, "annat", known))


def _pseudonymised_rows(kind: str, valid: pl.DataFrame, key: bytes, known: _Known) -> pl.DataFrame:
    """Replace every identifier by (the local number of) its keyed digest; raw identifiers go no
    further than here."""
    frame = valid.rename({"row_hash": "row_digest"})  # keyed already (read_extract's row_key)
    if kind in _WITHOUT_IDENTIFIERS:
        return frame
    if kind == "skuldradgivning":
        frame = frame.with_columns(
            _numbers(valid["case_id"], key, "arende", known).alias("case" + _REF),
            _person_numbers(valid, key, known).alias("person" + _REF),
        ).drop("case_id", "person_id")
    else:
        frame = frame.with_columns(
            _person_numbers(valid, key, known).alias("person" + _REF),
            _numbers(valid["household_id"], key, "hushall", known).alias("household" + _REF),
        ).drop("person_id", "household_id")
    return frame


def _attach_surrogates(frame: pl.DataFrame, known: _Known) -> pl.DataFrame:
    """Map local numbers to integer surrogate ids (creating new ones): the fact tables store
    integers, which are smaller and several times faster to read back than 64-character digests."""
    ref_columns = [c for c in frame.columns if c.endswith(_REF)]
    if not ref_columns:  # the places register holds no identifiers
        return frame
    if frame.height:
        wanted = pl.concat([frame[c] for c in ref_columns]).drop_nulls().unique()
        missing = wanted.filter(known.ids.gather(wanted).is_null())
        if missing.len():
            digests = known.digests.gather(missing)
            # looked up sorted, as the part's new digests always were: new persons get their ids in that order
            found = surrogate_ids(digests.unique().sort())
            ids = pl.DataFrame({"digest": digests}).join(found, on="digest", how="left", maintain_order="left")["id"]
            known.ids = known.ids.scatter(missing, ids)
    return frame.drop(ref_columns).with_columns(
        known.ids.gather(frame[c]).alias(c.removesuffix(_REF)) for c in ref_columns)


def surrogate_ids(digests: pl.Series) -> pl.DataFrame:
    """Frame of digest and surrogate id for the given (distinct, sorted) digests."""
    ids = storage.surrogate_ids(Pseudonym._meta.db_table, digests.to_list())
    return pl.DataFrame({"digest": digests, "id": pl.Series(ids, dtype=pl.Int64)})
