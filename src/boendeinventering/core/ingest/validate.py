"""Validate a read extract against its definition (SPEC 2 and 5) and build the validated frame.

All checks are Polars expressions over whole columns; Python only touches the rows that have a
problem, to word the Issue. The validated frame still holds normalised identifiers; the
pseudonymise step replaces them before anything is stored.

Row identity: ``row_hash`` is a BLAKE2b digest of the row's cells *as read* (trimmed, empty =
""), over the extract's own columns in the order of the definition, so column order and unknown
columns do not change it. Polars' own hash is not stable across versions, so hashlib is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from .. import personnummer as pn
from ..schema import VALIDATED
from . import extracts as ex
from . import values as v
from .issues import IngestError, Issue
from .read import RawTable, ReadLimits, read_table

# reasons (Swedish, shown to users)
R_MISSING_COLUMN = "obligatorisk kolumn saknas"
R_EMPTY = "obligatoriskt värde saknas"
R_DATE = "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"
R_END_BEFORE_START = "slutdatum är före startdatum"
R_TILL_BEFORE_FRAN = "till_datum är före fran_datum"
R_DECIMAL = "ogiltigt tal (använd siffror med decimalkomma eller decimalpunkt, t.ex. 1 234,50)"
R_INTEGER = "ogiltigt heltal"
R_NEGATIVE = "värdet får inte vara negativt"
R_YES_NO = "ska vara ja eller nej"
# Plausible ranges (issue 8): a value outside them is a typing or export error (a year 2205, a
# total pasted into one row) that would distort the year's figures without a word.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
R_DATE_RANGE = "orimligt datum (ska ligga mellan 1900-01-01 och 2100-12-31)"
MAX_NIGHTS = 366  # boendedygn counts the nights within one year
R_NIGHTS = f"för många boendedygn (högst {MAX_NIGHTS} på ett år)"
MAX_CHILDREN = 30
R_CHILDREN = f"orimligt antal barn (högst {MAX_CHILDREN})"
# amounts (kostnad, belopp): ReadLimits.max_amount, 10 000 000 kr per row unless BOINV_MAX_AMOUNT says otherwise


def r_amount(max_amount: float) -> str:
    limit = f"{max_amount:,.0f}".replace(",", " ")
    return f"orimligt stort belopp (högst {limit} kr per rad; kontrollera decimaltecknet)"


# Control characters (not tab or line break) in a name: binary junk or a broken export; stored, they
# would garble every table, file and terminal the name is shown in.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
R_CONTROL = "texten innehåller styrtecken (osynliga tecken); filen är troligen skadad"
R_PERSON_ID_IN_TEXT = "ser ut som ett personnummer; personnummer får bara stå i kolumnen person_id"
# Local names (insats, andamal, enhet, boende) are names of solutions and units, kept in the
# mapping; a longer cell is a shifted column or a note, not a name.
MAX_TEXT_LENGTH = 200
R_TEXT_TOO_LONG = f"texten är för lång (högst {MAX_TEXT_LENGTH} tecken)"

# A personnummer-like run of digits in a free-text cell (enhet, insats, ...) or a number cell: those
# are stored as typed (or as the number), so a personnummer in the wrong column would be stored
# raw. Refused, never guessed at; no real count or amount per row has ten digits.
# (?:^|\D) instead of a look-behind, which Polars' regex engine lacks; the same shapes as
# personnummer.mask_in_text masks, so the value shown in the error is masked.
PERSON_ID_IN_TEXT = r"(?:^|[^0-9])[0-9]{6}(?:[0-9]{2})?(?:[ \t]*[-+\u2013][ \t]*|[ \t])?[0-9]{4}(?:[^0-9]|$)"


_P = "\x00parsed:"  # prefix of parsed columns next to the raw ones

_TYPE_REASON = {ex.DATE: R_DATE, ex.INTEGER: R_INTEGER, ex.DECIMAL: R_DECIMAL, ex.YES_NO: R_YES_NO}


def _parse_expr(c: ex.Column, today: dt.date) -> pl.Expr:
    e = pl.col(c.name)
    if c.type == ex.DATE:
        return v.date_expr(e)
    if c.type == ex.YES_NO:
        return v.yes_no_expr(e)
    if c.type == ex.YEAR:
        return v.year_expr(e, first=1900, last=today.year)
    if c.type == ex.SEX:
        return v.sex_expr(e)
    return e


def r_year(last: int) -> str:
    return f"ogiltigt födelseår (ska vara ett årtal med fyra siffror, 1900–{last})"


@dataclass
class ValidationResult:
    kind: str
    valid: pl.DataFrame
    issues: list[Issue]
    invalid_rows: list[int]
    duplicate_rows: list[int]
    unknown_columns: list[str]
    rows_read: int
    encoding: str
    delimiter: str | None
    file_kind: str = field(default="csv")

    @property
    def ok(self) -> bool:
        """True when the whole file may be imported (SPEC 5: any invalid row refuses it)."""
        return not self.invalid_rows


@dataclass
class _Check:
    column: str  # file column the problem is reported on
    order: int  # position of the column in the definition, for sorting a row's issues
    mask: pl.Series  # True where the row has this problem
    reason: str | pl.Series  # constant, or per row (personnummer errors)
    show_value: bool = True


def read_extract(
    kind: str,
    source,
    *,
    file_name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    today: dt.date | None = None,
    max_bytes: int = 2_000_000_000,
    row_key: bytes | None = None,
    limits: ReadLimits | None = None,
) -> ValidationResult:
    raw = read_table(source, file_name=file_name, encoding=encoding, delimiter=delimiter, max_bytes=max_bytes,
                     limits=limits)
    return validate_extract(kind, raw, today=today, row_key=row_key, limits=limits)


def validate_extract(kind: str, raw: RawTable, *, today: dt.date | None = None,
                     row_key: bytes | None = None, limits: ReadLimits | None = None,
                     keep_identical_rows: bool = False) -> ValidationResult:
    """`row_key` keys the row hashes (keyed BLAKE2b): a stored row hash must not be open to
    guessing the one unknown cell, the personnummer, by hashing candidates.
    `keep_identical_rows`: rows identical to an earlier row are kept, not counted once (two
    identical payments can be two real payments; the user chooses)."""
    if kind not in ex.EXTRACTS:
        raise ValueError(f"okänd extrakttyp {kind!r} (välj {', '.join(ex.EXTRACTS)})")
    spec = ex.EXTRACTS[kind]
    today = today or dt.date.today()
    max_amount = (limits or ReadLimits()).max_amount
    cols = _definition_columns(spec, raw.frame)
    n = raw.frame.height
    # The row digests are a Python loop that holds the GIL, while Polars lets go of it in its
    # collects: a worker thread hashes while this one validates, so a second core is used.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="boinv-row-digests") as worker:
        hashing = worker.submit(_row_hashes, kind, spec, cols, n, row_key or b"")
        table = _parsed_table(spec, cols, today)
        checks = _fired_checks(table, _check_specs(spec, cols, today, max_amount), spec)
        person, person_check = _person_ids(raw, cols, spec, today)
        hashes = hashing.result()  # the worker's exception, if any, is raised here
    if person_check is not None:
        checks.append(person_check)

    row_no = raw.row_numbers
    assert row_no is not None  # RawTable.__post_init__ always sets it
    invalid = pl.DataFrame({str(i): chk.mask for i, chk in enumerate(checks)}).select(
        pl.any_horizontal(pl.all())).to_series() if checks else pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    if keep_identical_rows:
        duplicate = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    else:
        duplicate = ~hashes.is_first_distinct() & ~invalid  # a row with an equal row before it
    parsed = {c.name: table.get_column(_P + c.name) for c in spec.columns}
    valid = _validated_frame(kind, spec, parsed, person, row_no, hashes).filter(~invalid & ~duplicate)
    return ValidationResult(
        kind=kind,
        valid=valid,
        issues=_issues(checks, cols, row_no),
        invalid_rows=row_no.filter(invalid).to_list(),
        duplicate_rows=row_no.filter(duplicate).to_list(),
        # a header is whatever the first row holds: a file without one has a person's number there
        unknown_columns=[pn.mask_in_text(c) for c in raw.frame.columns if c not in spec.names],
        rows_read=n,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        file_kind=raw.file_kind,
    )


def _definition_columns(spec: ex.Extract, frame: pl.DataFrame) -> dict[str, pl.Series]:
    """Every column of the definition as text, all-null where the file lacks an optional one."""
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise IngestError([Issue(1, c, None, R_MISSING_COLUMN) for c in missing])
    n = frame.height
    # one contiguous chunk each: the reader's frame comes in many, and every eager select over a
    # many-chunk frame costs a pass of its own (≈15 ms for a 200,000-row slice) on top of the work
    return {
        c.name: (frame.get_column(c.name).cast(pl.Utf8).rechunk() if c.name in frame.columns
                 else pl.Series(c.name, [None] * n, dtype=pl.Utf8))
        for c in spec.columns
    }


def _parsed_table(spec: ex.Extract, cols: dict[str, pl.Series], today: dt.date) -> pl.DataFrame:
    """The raw columns and, next to each, its parsed values (prefixed _P). One pass for all
    parsing, so Polars can spread the columns over the cores."""
    numeric = {c.name: c for c in spec.columns if c.type in (ex.INTEGER, ex.DECIMAL)}
    table = pl.DataFrame(cols).with_columns(
        _parse_expr(c, today).alias(_P + c.name) for c in spec.columns if c.name not in numeric
    )
    # numbers are parsed column by column: a fast path for plain cells (see values.py)
    return table.with_columns(
        (v.parse_integer if c.type == ex.INTEGER else v.parse_decimal)(cols[name])[0].alias(_P + name)
        for name, c in numeric.items()
    )


def _check_specs(spec: ex.Extract, cols: dict[str, pl.Series], today: dt.date,
                 max_amount: float) -> list[tuple[str, pl.Expr, str, bool]]:
    """Every check as (column, mask expression, reason, show the value)."""
    specs: list[tuple[str, pl.Expr, str, bool]] = []
    for c in spec.columns:
        specs.extend(_column_checks(c, today, max_amount))
    if "slutdatum" in cols and "startdatum" in cols:
        end_before_start = pl.col(_P + "slutdatum") < pl.col(_P + "startdatum")
        specs.append(("slutdatum", end_before_start, R_END_BEFORE_START, True))
    if "till_datum" in cols and "fran_datum" in cols:
        till_before_fran = pl.col(_P + "till_datum") < pl.col(_P + "fran_datum")
        specs.append(("till_datum", till_before_fran, R_TILL_BEFORE_FRAN, True))
    return specs


def _column_checks(c: ex.Column, today: dt.date, max_amount: float) -> list[tuple[str, pl.Expr, str, bool]]:
    raw_e, parsed_e = pl.col(c.name), pl.col(_P + c.name)
    specs = []
    if c.required:
        specs.append((c.name, raw_e.is_null(), R_EMPTY, False))
    reason = r_year(today.year) if c.type == ex.YEAR else _TYPE_REASON.get(c.type)
    if reason is not None:
        specs.append((c.name, v.invalid(raw_e, parsed_e), reason, True))
    if c.non_negative:
        specs.append((c.name, parsed_e < 0, R_NEGATIVE, True))
    if c.type == ex.DATE:
        specs.append((c.name, (parsed_e < FIRST_DATE) | (parsed_e > LAST_DATE), R_DATE_RANGE, True))
    # one reason per cell: a personnummer in a number column is reported as that (below)
    plain = ~raw_e.str.contains(PERSON_ID_IN_TEXT).fill_null(False)
    limit = {"boendedygn": (MAX_NIGHTS, R_NIGHTS), "antal_barn": (MAX_CHILDREN, R_CHILDREN),
             "kostnad": (max_amount, r_amount(max_amount)), "belopp": (max_amount, r_amount(max_amount))}
    if c.name in limit:
        highest, why = limit[c.name]
        specs.append((c.name, (parsed_e > highest) & plain, why, True))
    if c.type == ex.TEXT:
        specs.append((c.name, raw_e.str.contains(PERSON_ID_IN_TEXT), R_PERSON_ID_IN_TEXT, True))
        specs.append((c.name, raw_e.str.len_chars() > MAX_TEXT_LENGTH, R_TEXT_TOO_LONG, True))
        specs.append((c.name, raw_e.str.contains(CONTROL_CHARACTERS), R_CONTROL, False))
    elif c.type in (ex.INTEGER, ex.DECIMAL):  # one reason per cell: an invalid number already has one
        specs.append((c.name, raw_e.str.contains(PERSON_ID_IN_TEXT) & parsed_e.is_not_null(),
                      R_PERSON_ID_IN_TEXT, True))
    return specs


def _fired_checks(table: pl.DataFrame, specs: list[tuple[str, pl.Expr, str, bool]],
                  spec: ex.Extract) -> list[_Check]:
    """The checks that found something, with their masks; one pass computes every mask and
    whether it fired, so a clean file costs no Python per check."""
    masks = table.select([m.fill_null(False).alias(f"m{i}") for i, (_, m, _, _) in enumerate(specs)])
    fired = masks.select(pl.all().any()).row(0) if specs else ()
    order = {name: i for i, name in enumerate(spec.names)}
    return [
        _Check(column, order[column], masks.get_column(f"m{i}"), reason, show)
        for i, ((column, _, reason, show), hit) in enumerate(zip(specs, fired)) if hit
    ]


def _person_ids(raw: RawTable, cols: dict[str, pl.Series], spec: ex.Extract,
                today: dt.date) -> tuple[pl.DataFrame | None, _Check | None]:
    """The parsed person ids, and the check of those that are not valid (None: all are)."""
    if "person_id" not in cols:  # the places register has no persons
        return None, None
    id_types = cols["id_typ"] if "id_typ" in cols else None
    person_ids = cols["person_id"]
    if raw.file_kind == "xlsx":
        person_ids = _restore_excel_leading_zeros(person_ids, id_types, today)
    person = pn.parse_person_ids(person_ids, id_types, today=today)
    pn_error = person.get_column("error")
    pn_mask = (cols["person_id"].is_not_null() & pn_error.is_not_null()).fill_null(False)
    if not pn_mask.any():
        return person, None
    return person, _Check("person_id", spec.names.index("person_id"), pn_mask, pn_error)


def _issues(checks: list[_Check], cols: dict[str, pl.Series], row_no: pl.Series) -> list[Issue]:
    found: list[tuple[int, int, int, Issue]] = []
    for seq, chk in enumerate(checks):
        idx = chk.mask.arg_true()
        rows = row_no.gather(idx).to_list()
        values = cols[chk.column].gather(idx).to_list() if chk.show_value else [None] * len(rows)
        reasons = chk.reason.gather(idx).to_list() if isinstance(chk.reason, pl.Series) else [chk.reason] * len(rows)
        masker = pn.mask_person_id if chk.column in ex.ID_COLUMNS else pn.mask_in_text
        for row, value, reason in zip(rows, values, reasons):
            shown = None if value is None else masker(value)
            found.append((row, chk.order, seq, Issue(row, chk.column, shown, reason)))
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found]


def _restore_excel_leading_zeros(ids: pl.Series, id_types: pl.Series | None, today) -> pl.Series:
    """Excel keeps a personnummer typed as a number and drops its leading zeros: 0501012397
    (born 2005) arrives as 501012397, which would pass for a client id and lose the person's
    de-duplication, sex and age. An 8- or 9-digit value is padded back to ten digits when that
    makes a valid personnummer (and id_typ does not say otherwise); anything else is left as it was."""
    short = ids.str.contains(r"^[0-9]{8,9}$").fill_null(False)
    if not short.any():
        return ids
    padded = ids.str.zfill(10)
    check = pn.parse_person_ids(padded.filter(short), id_types.filter(short) if id_types is not None else None,
                                today=today)
    restored = pl.Series([False] * len(ids), dtype=pl.Boolean)
    valid_pnr = (check["error"].is_null() & (check["id_kind"] == "pnr")).fill_null(False)
    restored = restored.scatter(short.arg_true(), valid_pnr)
    return padded.zip_with(restored, ids)


def _row_hashes(kind: str, spec: ex.Extract, cols: dict[str, pl.Series], n: int, key: bytes) -> pl.Series:
    if n == 0:
        return pl.Series("row_hash", [], dtype=pl.Utf8)
    # the keyed state is set up once and copied per row, which spares a key block per row
    keyed = hashlib.blake2b(digest_size=16, key=key).copy
    parts = []
    # in slices: a list of Python bytes for every row of a large file would cost gigabytes
    for offset in range(0, n, _HASH_SLICE):
        joined = pl.select(
            pl.concat_str([pl.lit(kind)] + [cols[c].slice(offset, _HASH_SLICE).fill_null("") for c in spec.names],
                          separator="\x1f")
        ).to_series()
        digests = []
        for row in joined.cast(pl.Binary).to_list():
            h = keyed()
            h.update(row)
            digests.append(h.digest())
        parts.append(pl.Series("row_hash", digests, dtype=pl.Binary).bin.encode("hex"))
    return pl.concat(parts)


_HASH_SLICE = 200_000


def _validated_frame(
    kind: str,
    spec: ex.Extract,
    parsed: dict[str, pl.Series],
    person: pl.DataFrame | None,
    row_no: pl.Series,
    hashes: pl.Series,
) -> pl.DataFrame:
    schema = VALIDATED[kind]
    out: dict[str, pl.Series] = {"row_no": row_no, "row_hash": hashes}
    for c in spec.columns:
        if c.target is not None and c.target not in ("person_id",):
            s = parsed[c.name]
            if c.type == ex.YES_NO and schema[c.target] == pl.Utf8:
                s = pl.select(pl.when(s).then(pl.lit("ja")).when(~s).then(pl.lit("nej"))).to_series()
            out[c.target] = s
    if person is None:  # no person columns (platser)
        return pl.DataFrame({name: out[name].cast(dtype).alias(name) for name, dtype in schema.items()})
    has_id = person.get_column("person_id").is_not_null()
    out["person_id"] = person.get_column("person_id")
    out["id_kind"] = pl.select(pl.when(has_id).then(person.get_column("id_kind"))).to_series()
    if "sex" in schema:
        out["sex"] = pl.select(
            pl.coalesce(parsed["kon"], person.get_column("sex"), pl.lit("okänt"))
        ).to_series()
    if "birth_date" in schema:
        from_number = person.get_column("birth_date")
        year = parsed["fodelsear"]
        out["birth_date"] = pl.select(
            pl.when(year.is_null())
            .then(from_number)
            .when(from_number.dt.year() == year)
            .then(from_number)
            .otherwise(pl.date(pl.lit(year), 1, 1))
        ).to_series()
    return pl.DataFrame({name: out[name].cast(dtype).alias(name) for name, dtype in schema.items()})
