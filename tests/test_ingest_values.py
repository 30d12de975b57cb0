"""Cell parsers (core/ingest/values.py) and the id_typ classes: the faster forms (issue 12) give
exactly what the earlier, plainer expressions gave, kept here as the reference."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from boendeinventering.core import personnummer as pn
from boendeinventering.core.ingest import values as v

NUMBER_CHARS = "0123456789 ,.+-\u2212\u00a0\u202fe"
cells = st.lists(st.one_of(st.none(), st.text(alphabet=NUMBER_CHARS, max_size=12)), max_size=40)


def _reference_number_text(e: pl.Expr) -> pl.Expr:
    for sep in (" ", "\u00a0", "\u202f"):
        e = e.str.replace_all(sep, "", literal=True)
    return e.str.replace(",", ".", literal=True).str.replace("\u2212", "-", literal=True).str.strip_prefix("+")


def _reference_number(s: pl.Series, pattern: str, target) -> pl.Series:
    ok = s.str.contains(pattern).fill_null(False)
    text = pl.select(_reference_number_text(pl.lit(s))).to_series()
    if target == pl.Int64:
        text = text.str.replace(r"\.0+$", "")
    return pl.select(pl.when(ok).then(text.cast(target, strict=False))).to_series()


def _reference_year(e: pl.Expr, first: int, last: int) -> pl.Expr:
    text = e.str.replace(r"[.,]0+$", "")
    year = pl.when(text.str.contains(r"^\d{4}$")).then(text).cast(pl.Int64, strict=False)
    return pl.when((year >= first) & (year <= last)).then(year)


@settings(max_examples=300, deadline=None)
@given(cells)
def test_numbers_parse_as_the_reference(values):
    s = pl.Series("belopp", values, dtype=pl.Utf8)
    decimal, decimal_error = v.parse_decimal(s)
    integer, integer_error = v.parse_integer(s)
    assert decimal.to_list() == _reference_number(s, v._DECIMAL_RE, pl.Float64).to_list()
    assert integer.to_list() == _reference_number(s, v._INTEGER_RE, pl.Int64).to_list()
    assert decimal_error.to_list() == (s.is_not_null() & decimal.is_null()).to_list()
    assert integer_error.to_list() == (s.is_not_null() & integer.is_null()).to_list()


def test_number_forms():
    s = pl.Series(["1 234,50", "\u2212 12", "\u221212", "+1\u00a0234.5", "1\u202f234", "12,0", "1.234,5", "1e5", None])
    assert v.parse_decimal(s)[0].to_list() == [1234.5, None, -12.0, 1234.5, 1234.0, 12.0, None, None, None]
    assert v.parse_integer(s)[0].to_list() == [None, None, -12, None, 1234, 12, None, None, None]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789.,+- \u0661", max_size=9)), max_size=40))
def test_birth_years_parse_as_the_reference(values):
    s = pl.Series("fodelsear", values, dtype=pl.Utf8)
    expected = pl.select(_reference_year(pl.lit(s), 1900, 2026)).to_series()
    assert v.parse_year(s, first=1900, last=2026)[0].to_list() == expected.to_list()


def test_birth_year_forms():
    s = pl.Series(["1985", "1985.0", "1985,000", "1985.0.0", "19850", "1985.", "1899", "2027", "\u0661985", None])
    assert v.parse_year(s, first=1900, last=2026)[0].to_list() == [1985, 1985, 1985] + [None] * 7


def _reference_id_type_class(id_types: pl.Series) -> pl.Series:
    norm = id_types.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[^a-zåäö]", "")
    return norm.fill_null("").replace_strict(pn._ID_TYPE_CLASS, default="okand", return_dtype=pl.Utf8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(
    ["personnummer", "Pers.nr", "SAMORDNINGSNUMMER", "Klient-ID", "reserv", "", "auto", "övrigt", "x", "p n r"])),
    max_size=30))
def test_id_type_classes_as_the_reference(values):
    s = pl.Series("id_typ", values, dtype=pl.Utf8)
    assert pn._id_type_class(s, len(s)).to_list() == _reference_id_type_class(s).to_list()
