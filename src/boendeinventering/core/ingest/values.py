"""Vectorised parsers for the cell values of an extract (SPEC 5).

Each parser takes a Utf8 Series (already stripped, empty cells null) and returns
``(parsed, error)``: the parsed Series (null where empty or invalid) and a Boolean Series that is
True exactly where a non-empty cell could not be parsed. Empty cells are never errors here;
whether a value is required is the validator's business.

Accepted forms (documented for users in the import guide):

* dates: ``YYYY-MM-DD``; also ``YYYY-MM-DD 00:00:00`` (how an Excel date cell reads as text).
  Impossible dates such as 2025-02-30 are errors.
* numbers: decimal comma or point; thousands grouped by space, no-break space (U+00A0) or narrow
  no-break space (U+202F) in groups of three ("12 345,50", "12345.5", "1 234"). A comma or point
  as *thousands* separator is refused because "1.234" and "1,234" are ambiguous. A leading minus
  (also U+2212) is accepted; whether negatives are allowed is the validator's business.
  Integers accept a zero fraction ("3,0") because spreadsheets often write them that way.
* yes/no: "ja"/"nej", also "j"/"n", any case. Anything else (also "true"/"yes") is an error.
* sex (kon): K, kvinna, F -> "kvinna"; M, man -> "man" (any case); anything else -> "okänt",
  never an error (SPEC 2).
"""

from __future__ import annotations

import polars as pl

from ..schema import DType

_GROUP = "[ \u00a0\u202f]"
_DIGITS = rf"(?:\d+|\d{{1,3}}(?:{_GROUP}\d{{3}})+)"
_SIGN = "[+\\-\u2212]?"
_DECIMAL_RE = rf"^{_SIGN}{_DIGITS}(?:[.,]\d+)?$"
_INTEGER_RE = rf"^{_SIGN}{_DIGITS}(?:[.,]0+)?$"
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


def invalid(raw: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """True where a non-empty cell did not parse."""
    return raw.is_not_null() & parsed.is_null()


# --- expressions (the validator evaluates them all in one pass) -------------------------------
# Numbers are Series functions instead (parse_decimal/parse_integer): their fast path for plain
# cells needs to look at the data first.


def _number_text(e: pl.Expr) -> pl.Expr:
    """Canonical number text: no group separators, '.' as decimal point, ASCII minus, no '+'.
    Only for cells of the number pattern (a sign only in front, one decimal mark at most), where
    replacing every occurrence in one pass is the same as replacing the first one of each."""
    return e.str.replace_many([" ", "\u00a0", "\u202f", "+", ",", "\u2212"], ["", "", "", "", ".", "-"])


def date_expr(e: pl.Expr) -> pl.Expr:
    text = e.str.strip_suffix(" 00:00:00")
    # the shape check first: chrono would also take "2025-1-5"
    return pl.when(text.str.contains(_DATE_RE)).then(text).str.to_date("%Y-%m-%d", strict=False)


def yes_no_expr(e: pl.Expr) -> pl.Expr:
    """ja/j -> True, nej/n -> False, else null."""
    low = e.str.to_lowercase()
    return pl.when(low.is_in(["ja", "j"])).then(True).when(low.is_in(["nej", "n"])).then(False)


def sex_expr(e: pl.Expr) -> pl.Expr:
    low = e.str.to_lowercase()
    return (
        pl.when(e.is_null())
        .then(None)
        .when(low.is_in(["k", "kvinna", "f"]))
        .then(pl.lit("kvinna"))
        .when(low.is_in(["m", "man"]))
        .then(pl.lit("man"))
        .otherwise(pl.lit("okänt"))
    )


def year_expr(e: pl.Expr, *, first: int, last: int) -> pl.Expr:
    """A four-digit year within [first, last] (birth years: 1900 .. this year)."""
    # "1985.0" from a numeric Excel cell; one match and a slice, not a rewrite of every cell
    year = pl.when(e.str.contains(r"^\d{4}(?:[.,]0+)?$")).then(e.str.slice(0, 4)).cast(pl.Int64, strict=False)
    return pl.when((year >= first) & (year <= last)).then(year)


# --- Series wrappers ------------------------------------------------------------------------


def _run(s: pl.Series, make) -> tuple[pl.Series, pl.Series]:
    frame = pl.DataFrame({"v": s.cast(pl.Utf8)})
    out = frame.select(p=make(pl.col("v")))
    parsed = out.get_column("p").alias(s.name)
    return parsed, (s.is_not_null() & parsed.is_null()).alias(s.name)


def parse_date(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    return _run(s, date_expr)


def _parse_number(s: pl.Series, pattern: str, dtype: DType) -> tuple[pl.Series, pl.Series]:
    """Most cells are plain ("1500", "12.5") and cast directly; only the others (decimal comma,
    grouped thousands, a "+") go through the slower text normalisation. The regex decides what
    is valid, so forms a bare cast would take ("1e5", "inf", ".5") stay errors."""
    s = s.cast(pl.Utf8)
    ok = s.str.contains(pattern).fill_null(False)
    target = pl.Float64 if dtype == pl.Float64 else pl.Int64
    parsed = s.cast(target, strict=False)
    parsed = pl.select(pl.when(ok).then(parsed)).to_series().alias(s.name)
    pending = ok & parsed.is_null()
    if pending.any():
        idx = pending.arg_true()
        text = pl.select(_number_text(pl.lit(s.gather(idx)))).to_series()
        if target == pl.Int64:
            text = text.str.replace(r"\.0+$", "")
        parsed = parsed.scatter(idx, text.cast(target, strict=False))
    return parsed, (s.is_not_null() & parsed.is_null()).alias(s.name)


def parse_decimal(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    return _parse_number(s, _DECIMAL_RE, pl.Float64)


def parse_integer(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    return _parse_number(s, _INTEGER_RE, pl.Int64)


def parse_yes_no(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    return _run(s, yes_no_expr)


def parse_sex(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    parsed, _ = _run(s, sex_expr)
    return parsed, pl.Series(s.name, [False] * s.len(), dtype=pl.Boolean)


def parse_year(s: pl.Series, *, first: int, last: int) -> tuple[pl.Series, pl.Series]:
    return _run(s, lambda e: year_expr(e, first=first, last=last))
