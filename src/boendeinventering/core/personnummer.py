"""Validation and normalisation of Swedish personnummer and samordningsnummer (SPEC 2).

Everything runs as Polars expressions over the whole column: an extract may hold a million
ids, and a Python loop per row would dominate the import time.

Century of a 10-digit number: with ``-`` or no separator, the most recent century in which the
person is 0-99 years old at ``today`` (full birth date, not only the year); with ``+``, the most
recent century in which the person is 100 or older. The ``personnummer`` PyPI package decides by
year alone, so the two differ only for people born in ``today``'s two-digit year after
``today``'s month and day.

Beyond SPEC 2 (which only asks for a valid date and check digit), a birth date after ``today``
or before EARLIEST_BIRTH_YEAR is refused: the check digit does not cover the century of a
12-digit number, so such values are typos. An ``id_typ`` value that is not recognised is an
error rather than a guess.

Error reasons are fixed Swedish texts and never contain the number itself: they end up in
import logs (SPEC 2: the raw number is never logged).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

# Re-exported: the masking is polars-free so that logging and the CLI can use it without loading Polars.
from .masking import _IN_TEXT, mask_in_text, mask_person_id  # noqa: F401 - _IN_TEXT: core/answers/forms.py

__all__ = [
    "ERR_CHECKSUM",
    "ERR_DATE",
    "ERR_FORMAT",
    "ERR_FUTURE",
    "ERR_NOT_PNR",
    "ERR_UNKNOWN_ID_TYPE",
    "ERR_YEAR",
    "is_valid",
    "mask_in_text",
    "mask_person_id",
    "parse_person_ids",
]

ERR_CHECKSUM = "kontrollsiffran stämmer inte"
ERR_DATE = "datumet i numret finns inte"
ERR_FUTURE = "födelsedatumet i numret ligger i framtiden"
ERR_YEAR = "födelseåret i numret är orimligt"
ERR_FORMAT = "ser ut som ett personnummer men har fel format"
ERR_NOT_PNR = "id_typ anger personnummer men värdet är inte ett personnummer"
ERR_UNKNOWN_ID_TYPE = (
    "okänt värde i id_typ (använd personnummer, samordningsnummer, reservnummer eller annat)"
)

# Nobody born earlier can be alive; such a 12-digit number is a typo in the century (which the
# check digit does not cover). A birth date after today is refused for the same reason.
EARLIEST_BIRTH_YEAR = 1840

# 6 or 8 digits, optional separator, 4 digits: the only accepted shapes. [0-9], not \d: the
# regex engine's \d also matches other scripts' digits, which no cast to integer accepts.
_STRICT = r"^(?:[0-9]{6}|[0-9]{8})[-+]?[0-9]{4}$"
# Near misses that a person would still read as a personnummer (spaces or an en dash around
# the separator, a digit too many or too few after it). Reported as format errors rather than
# silently becoming a separate "annat" person. Plain digit runs of other lengths are not
# included: numeric client ids are common.
_LAX = r"^[0-9]{6}(?:[0-9]{2})?(?:\s*[-+\u2013]\s*|\s+)[0-9]{3,5}$"

# id_typ values, compared lower-case with everything but letters removed ("Klient-ID" ->
# "klientid", "pers.nr" -> "persnr").
_ID_TYPE_PNR = (
    "personnummer", "personnr", "persnr", "pnr", "pn",
    "samordningsnummer", "samordningsnr", "samnr", "snr", "sn",
)
_ID_TYPE_AUTO = ("", "auto")
_ID_TYPE_OTHER = (
    "reservnummer", "reservnr", "reserv", "res", "resnr",
    "annat", "annan", "ovrigt", "övrigt",
    "klient", "klientid", "klientnummer", "klientnr",
)
_ID_TYPE_CLASS: dict[str, str] = (
    {k: "pnr" for k in _ID_TYPE_PNR}
    | {k: "auto" for k in _ID_TYPE_AUTO}
    | {k: "annat" for k in _ID_TYPE_OTHER}
)


def _id_type_class(id_types: pl.Series | None, n: int) -> pl.Series:
    if id_types is None:
        return pl.Series("cls", ["auto"] * n, dtype=pl.Utf8) if n else pl.Series("cls", [], pl.Utf8)
    if len(id_types) != n:
        raise ValueError("id_types måste ha lika många värden som ids")
    # a column of a few distinct values: each is normalised once, then mapped back
    raw = id_types.cast(pl.Utf8).fill_null("")
    distinct = raw.unique()
    classes = (distinct.str.to_lowercase().str.replace_all(r"[^a-zåäö]", "")
               .replace_strict(_ID_TYPE_CLASS, default="okand", return_dtype=pl.Utf8))
    return raw.replace_strict(distinct, classes, return_dtype=pl.Utf8).alias("cls")


def _digit(num: pl.Expr, pos: int) -> pl.Expr:
    """Digit ``pos`` (0 = leftmost) of a 10-digit number held as an integer."""
    return (num // 10 ** (9 - pos)) % 10


def _epoch_days(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a valid date (H. Hinnant's days_from_civil).

    Integer arithmetic is several times faster than pl.date, which also raises on impossible
    components instead of giving null.
    """
    y = y - (m <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + pl.when(m > 2).then(-3).otherwise(9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_person_ids(
    ids: pl.Series,
    id_types: pl.Series | None = None,
    *,
    today: dt.date | None = None,
) -> pl.DataFrame:
    """Validate and normalise a column of person ids; one output row per input row.

    Columns: ``person_id`` (12 digits for personnummer/samordningsnummer, trimmed text
    otherwise, null when blank), ``id_kind`` ("pnr" | "annat", null when blank or the id_typ is
    unknown), ``sex`` ("kvinna" | "man", pnr only), ``birth_date`` (pnr only), ``error``
    (Swedish reason, null when valid). Rows with an error keep the trimmed input as
    ``person_id`` so the caller can report them; they must not be stored.
    """
    today = today or dt.date.today()
    n = len(ids)
    raw = ids.cast(pl.Utf8).str.strip_chars()
    c = pl.col

    # Stage 1, string work: shape, and the number as two integers (the digits before the
    # separator, and the last four).
    head = c("raw").str.head(-4).str.strip_chars_end("-+")
    stage1 = dict(
        blank=c("raw").is_null() | (c("raw") == ""),
        strict=c("raw").str.contains(_STRICT).fill_null(False),
        lax=c("raw").str.contains(_LAX).fill_null(False),
        plus=c("raw").str.contains("+", literal=True).fill_null(False),
        long=head.str.len_bytes() == 8,
        head_num=head.cast(pl.Int64, strict=False),
        tail_num=c("raw").str.tail(4).cast(pl.Int64, strict=False),
    )

    # Stage 2, arithmetic on the last ten digits.
    ten = c("ten")
    luhn_sum = pl.sum_horizontal(
        [
            # doubling v gives 2v, minus 9 when that has two digits
            (2 * _digit(ten, i) - 9 * (_digit(ten, i) >= 5).cast(pl.Int64)) if i % 2 == 0 else _digit(ten, i)
            for i in range(9)
        ]
    )
    yy = (ten // 10**8) % 100
    mm = (ten // 10**6) % 100
    dd_raw = (ten // 10**4) % 100
    # Samordningsnummer: the day plus 60.
    dd = pl.when(dd_raw > 60).then(dd_raw - 60).otherwise(dd_raw)

    # Century of 10-digit numbers: latest year with these two digits not after today's year,
    # one century back when the birthday is still to come this year (age would be -1), and one
    # more with "+".
    y_now = today.year
    md_today = today.month * 100 + today.day
    base = y_now - ((y_now - c("yy")) % 100)
    base = base - 100 * ((base == y_now) & (c("mm") * 100 + c("dd") > md_today)).cast(pl.Int64)
    base = base - 100 * c("plus").cast(pl.Int64)
    year = pl.when(c("long")).then(c("head_num") // 10**6 * 100 + c("yy")).otherwise(base)

    y, m, d = c("year"), c("mm"), c("dd")
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_len = (
        pl.when(m == 2).then(28 + leap.cast(pl.Int64))
        .when((m == 4) | (m == 6) | (m == 9) | (m == 11)).then(30)
        .otherwise(31)
    )
    date_ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_len)
    today_days = (today - dt.date(1970, 1, 1)).days

    error = (
        pl.when(c("blank")).then(None)
        .when(c("cls") == "okand").then(pl.lit(ERR_UNKNOWN_ID_TYPE))
        .when(~c("want_pnr")).then(None)
        .when(c("lax") & ~c("strict")).then(pl.lit(ERR_FORMAT))
        .when(~c("strict")).then(pl.lit(ERR_NOT_PNR))
        .when(~c("date_ok")).then(pl.lit(ERR_DATE))
        .when(c("luhn") != c("ten") % 10).then(pl.lit(ERR_CHECKSUM))
        .when(c("year") < EARLIEST_BIRTH_YEAR).then(pl.lit(ERR_YEAR))
        .when(c("days") > today_days).then(pl.lit(ERR_FUTURE))
        .otherwise(None)
    )
    ok = c("ok")
    # Valid numbers have a year >= EARLIEST_BIRTH_YEAR, so this is always 12 digits (one
    # integer-to-text cast is much cheaper than padding and concatenating strings).
    normalised = (c("year") // 100 * 10**10 + c("ten")).cast(pl.Utf8)

    lf = (
        pl.LazyFrame({"raw": raw, "cls": _id_type_class(id_types, n)})
        .with_columns(**stage1)
        .with_columns(
            want_pnr=(c("cls") == "pnr") | ((c("cls") == "auto") & (c("strict") | c("lax"))),
            ten=pl.when(c("strict")).then(c("head_num") % 10**6 * 10**4 + c("tail_num")),
        )
        .with_columns(yy=yy, mm=mm, dd_raw=dd_raw, luhn=(10 - luhn_sum % 10) % 10)
        .with_columns(dd=dd)
        .with_columns(year=year)
        .with_columns(date_ok=date_ok.fill_null(False))
        .with_columns(days=pl.when(c("date_ok")).then(_epoch_days(y, m, d)))
        .with_columns(error=error)
        .with_columns(ok=c("want_pnr") & c("error").is_null() & ~c("blank"))
        .select(
            person_id=pl.when(c("blank")).then(None).when(ok).then(normalised).otherwise(c("raw")),
            id_kind=pl.when(c("blank") | (c("cls") == "okand")).then(None)
            .when(c("want_pnr")).then(pl.lit("pnr"))
            .otherwise(pl.lit("annat")),
            sex=pl.when(ok).then(
                pl.when(_digit(c("ten"), 8) % 2 == 0).then(pl.lit("kvinna")).otherwise(pl.lit("man"))
            ),
            birth_date=pl.when(ok).then(c("days")).cast(pl.Int32).cast(pl.Date),
            error=c("error").cast(pl.Utf8),
        )
    )
    return lf.collect()


def is_valid(value: str, today: dt.date | None = None) -> bool:
    """True when ``value`` is a valid personnummer or samordningsnummer."""
    row = parse_person_ids(pl.Series([value], dtype=pl.Utf8), today=today).row(0, named=True)
    return row["id_kind"] == "pnr" and row["error"] is None
