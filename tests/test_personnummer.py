"""Personnummer validation (SPEC 2), checked against Skatteverket's test numbers and the
independent ``personnummer`` package."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import personnummer.personnummer as pnr_pkg  # the package's __init__ exports nothing
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boendeinventering.core import personnummer as P
from boendeinventering.core.personnummer import is_valid, mask_in_text, mask_person_id, parse_person_ids

TODAY = dt.date(2026, 11, 25)
ERRORS = {P.ERR_CHECKSUM, P.ERR_DATE, P.ERR_FUTURE, P.ERR_FORMAT, P.ERR_NOT_PNR, P.ERR_UNKNOWN_ID_TYPE, P.ERR_YEAR}


def luhn_digit(nine: str) -> int:
    """Check digit for the first nine digits of the 10-digit form (written out independently)."""
    total = 0
    for i, ch in enumerate(nine):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def make_number(year: int, month: int, day: int, serial: int, *, snr: bool = False, good_check: bool = True) -> str:
    """A 12-digit number for the given parts (day + 60 for samordningsnummer)."""
    nine = f"{year % 100:02d}{month:02d}{day + 60 if snr else day:02d}{serial:03d}"
    check = luhn_digit(nine)
    if not good_check:
        check = (check + 1) % 10
    return f"{year // 100:02d}{nine}{check}"


def short_form(number12: str, today: dt.date = TODAY) -> str:
    """The 10-digit form with the separator the rule requires ('+' from the 100th birthday)."""
    day = int(number12[6:8])
    born = dt.date(int(number12[:4]), int(number12[4:6]), day - 60 if day > 60 else day)
    hundred = dt.date(today.year - 100, today.month, today.day)
    return f"{number12[2:8]}{'+' if born <= hundred else '-'}{number12[8:]}"


def parse(values: list[str | None], types: list[str | None] | None = None, today: dt.date = TODAY) -> list[dict]:
    id_types = None if types is None else pl.Series(types, dtype=pl.Utf8)
    return parse_person_ids(pl.Series(values, dtype=pl.Utf8), id_types, today=today).to_dicts()


@pytest.fixture(scope="module")
def test_numbers() -> list[str]:
    from boendeinventering.core.demo_data import load_test_numbers

    numbers = load_test_numbers()  # shipped in the package (src/boendeinventering/data)
    assert len(numbers) == 41_493
    return numbers


# --- Skatteverket's test numbers -----------------------------------------------------------


def test_all_skatteverket_numbers_validate_in_12_digit_form(test_numbers):
    out = parse_person_ids(pl.Series(test_numbers), today=TODAY)
    assert out.height == len(test_numbers)
    assert out["error"].null_count() == len(test_numbers), out.filter(pl.col("error").is_not_null())["error"].unique()
    assert out["id_kind"].to_list() == ["pnr"] * len(test_numbers)
    assert out["person_id"].to_list() == test_numbers


def test_skatteverket_sex_and_birth_date_agree_with_package(test_numbers):
    out = parse_person_ids(pl.Series(test_numbers), today=TODAY)
    expected_sex, expected_birth = [], []
    for number in test_numbers:
        p = pnr_pkg.parse(number)
        expected_sex.append("kvinna" if p.is_female() else "man")
        expected_birth.append(p.get_date())
    assert out["sex"].to_list() == expected_sex
    assert out["birth_date"].to_list() == expected_birth
    assert set(expected_sex) == {"kvinna", "man"}


def test_skatteverket_numbers_in_10_digit_forms(test_numbers):
    dashed = [short_form(n) for n in test_numbers]
    plus_count = sum("+" in d for d in dashed)
    assert 0 < plus_count < len(dashed)  # both centuries rules are exercised
    bare = [d.replace("-", "") for d in dashed if "-" in d]
    out = parse_person_ids(pl.Series(dashed + bare), today=TODAY)
    assert out["error"].null_count() == out.height
    expected = test_numbers + [n for n, d in zip(test_numbers, dashed) if "-" in d]
    assert out["person_id"].to_list() == expected


def test_skatteverket_numbers_with_surrounding_spaces_and_12_digit_separators(test_numbers):
    sample = test_numbers[::97]
    values = [f"  {n[:8]}-{n[8:]} " for n in sample] + [f"\t{n[:8]}+{n[8:]}" for n in sample]
    out = parse_person_ids(pl.Series(values), today=TODAY)
    assert out["error"].null_count() == out.height
    assert out["person_id"].to_list() == sample + sample


def test_skatteverket_numbers_as_samordningsnummer(test_numbers):
    sample = test_numbers[::41]
    snr = [make_number(int(n[:4]), int(n[4:6]), int(n[6:8]), int(n[8:11]), snr=True) for n in sample]
    out = parse_person_ids(pl.Series(snr), today=TODAY)
    assert out["error"].null_count() == out.height
    assert out["person_id"].to_list() == snr
    births = [dt.date(int(n[:4]), int(n[4:6]), int(n[6:8])) for n in sample]
    assert out["birth_date"].to_list() == births
    assert out["sex"].to_list() == ["kvinna" if int(n[10]) % 2 == 0 else "man" for n in sample]


# --- Century rule and examples ---------------------------------------------------------------


def test_century_of_10_digit_numbers_depends_on_full_birth_date():
    # Today 2026-11-25: someone born 2026-11-25 is 0, someone born 1926-11-26 is 99.
    born_today = make_number(2026, 11, 25, 123)
    born_later_in_year = make_number(1926, 11, 26, 123)
    hundred_today = make_number(1926, 11, 25, 123)
    values = [
        born_today[2:8] + "-" + born_today[8:],
        born_later_in_year[2:8] + "-" + born_later_in_year[8:],
        born_later_in_year[2:8] + born_later_in_year[8:],
        hundred_today[2:8] + "+" + hundred_today[8:],
        born_later_in_year[2:8] + "+" + born_later_in_year[8:],  # 100+ years: 1826
    ]
    rows = parse(values)
    assert [r["person_id"] for r in rows[:4]] == [born_today, born_later_in_year, born_later_in_year, hundred_today]
    assert rows[4]["error"] == P.ERR_YEAR  # 1826 is before any living person


def test_plus_sign_in_10_digit_number_means_a_century_earlier():
    number = make_number(1990, 1, 1, 1)
    rows = parse([number[2:8] + "-" + number[8:], number[2:8] + "+" + number[8:]])
    assert rows[0]["person_id"] == number
    assert rows[1]["person_id"] == "18" + number[2:]
    assert rows[1]["birth_date"] == dt.date(1890, 1, 1)


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ((1990, 13, 1), P.ERR_DATE),
        ((1990, 0, 10), P.ERR_DATE),
        ((1990, 2, 30), P.ERR_DATE),
        ((1990, 2, 29), P.ERR_DATE),
        ((1900, 2, 29), P.ERR_DATE),
        ((1990, 4, 31), P.ERR_DATE),
        ((1990, 5, 0), P.ERR_DATE),
        ((2027, 1, 1), P.ERR_FUTURE),
        ((1700, 1, 1), P.ERR_YEAR),
    ],
)
def test_impossible_dates_are_errors(parts, reason):
    number = make_number(*parts, 238)
    row = parse([number])[0]
    assert row["error"] == reason
    assert row["id_kind"] == "pnr"
    assert row["sex"] is None and row["birth_date"] is None


def test_leap_days_exist_where_they_should():
    rows = parse([make_number(2000, 2, 29, 1), make_number(1996, 2, 29, 2), make_number(2000, 2, 29, 3, snr=True)])
    assert [r["error"] for r in rows] == [None, None, None]
    assert [r["birth_date"] for r in rows] == [dt.date(2000, 2, 29), dt.date(1996, 2, 29), dt.date(2000, 2, 29)]


def test_samordningsnummer_day_range():
    good = make_number(1985, 1, 31, 500, snr=True)  # day 91
    day_60 = "19850160500"  # day 0 + 60
    day_60 += str(luhn_digit(day_60[2:]))
    rows = parse([good, day_60])
    assert rows[0]["error"] is None and rows[0]["birth_date"] == dt.date(1985, 1, 31)
    assert rows[1]["error"] == P.ERR_DATE


def test_bad_check_digit():
    number = make_number(1975, 6, 15, 42, good_check=False)
    rows = parse([number, number[2:8] + "-" + number[8:]])
    assert [r["error"] for r in rows] == [P.ERR_CHECKSUM, P.ERR_CHECKSUM]


def test_sex_from_second_last_digit():
    rows = parse([make_number(1980, 3, 3, 120), make_number(1980, 3, 3, 121), "189001019802"])
    assert [r["sex"] for r in rows] == ["kvinna", "man", "kvinna"]


def test_default_today_is_today():
    values = [make_number(1950, 5, 5, 5)[2:], "R-1", make_number(2010, 1, 1, 7)[2:]]
    assert parse_person_ids(pl.Series(values)).equals(parse_person_ids(pl.Series(values), today=dt.date.today()))


def test_empty_input():
    out = parse_person_ids(pl.Series([], dtype=pl.Utf8))
    assert out.height == 0
    assert out.schema == pl.Schema(
        {"person_id": pl.Utf8, "id_kind": pl.Utf8, "sex": pl.Utf8, "birth_date": pl.Date, "error": pl.Utf8}
    )


# --- id_typ ---------------------------------------------------------------------------------


def test_auto_mode_without_id_types():
    valid = make_number(1960, 7, 7, 77)
    bad = make_number(1960, 7, 7, 77, good_check=False)
    rows = parse([valid, "R-12345", " K123 ", "", "   ", None, "12345678901", f" {bad[2:]}"])
    assert [r["id_kind"] for r in rows] == ["pnr", "annat", "annat", None, None, None, "annat", "pnr"]
    # an invalid number keeps its trimmed text, for the caller's error report only
    assert [r["person_id"] for r in rows] == [valid, "R-12345", "K123", None, None, None, "12345678901", bad[2:]]
    assert [r["error"] for r in rows] == [None] * 7 + [P.ERR_CHECKSUM]


@pytest.mark.parametrize("auto", [None, "", "  ", "personnummer", "PNR", "Samordningsnummer", "snr", "pers.nr"])
def test_auto_and_pnr_types_validate_numbers(auto):
    valid = make_number(1960, 7, 7, 77)
    rows = parse([valid, valid[2:], make_number(1960, 7, 7, 77, good_check=False)], [auto] * 3)
    assert [r["person_id"] for r in rows[:2]] == [valid, valid]
    assert [r["error"] for r in rows] == [None, None, P.ERR_CHECKSUM]
    assert {r["id_kind"] for r in rows} == {"pnr"}


@pytest.mark.parametrize("declared", ["personnummer", "pnr", "samordningsnummer", "SNR"])
def test_declared_pnr_that_is_not_one_is_an_error(declared):
    rows = parse(["R-12345", "K123", "19600707"], [declared] * 3)
    assert [r["error"] for r in rows] == [P.ERR_NOT_PNR] * 3
    assert {r["id_kind"] for r in rows} == {"pnr"}
    assert {r["sex"] for r in rows} == {None}


def test_auto_mode_leaves_non_numbers_as_annat_but_declared_pnr_does_not():
    rows = parse(["R-12345", "R-12345"], [None, "personnummer"])
    assert rows[0] == {"person_id": "R-12345", "id_kind": "annat", "sex": None, "birth_date": None, "error": None}
    assert rows[1]["error"] == P.ERR_NOT_PNR


@pytest.mark.parametrize("other", ["reservnummer", "Reserv", "ANNAT", "klient", "KlientID", "klient-id", "res"])
def test_other_types_are_not_validated(other):
    bad = make_number(1960, 7, 7, 77, good_check=False)
    rows = parse([f" {bad} ", "K123", "19901301-0017"], [other] * 3)
    assert [r["id_kind"] for r in rows] == ["annat"] * 3
    assert [r["error"] for r in rows] == [None] * 3
    assert [r["person_id"] for r in rows] == [bad, "K123", "19901301-0017"]
    assert {r["sex"] for r in rows} == {None}


def test_unknown_id_type_is_an_error():
    rows = parse([make_number(1960, 7, 7, 77)], ["kundnummer"])
    assert rows[0]["error"] == P.ERR_UNKNOWN_ID_TYPE
    assert rows[0]["id_kind"] is None


def test_id_types_length_must_match():
    with pytest.raises(ValueError):
        parse_person_ids(pl.Series(["a", "b"]), pl.Series(["annat"]))


@pytest.mark.parametrize(
    "value",
    ["900101 0017", "19900101 - 0017", "900101\u20130017", "19900101-001", "900101-00170", "900101 -0017"],
)
def test_near_misses_are_format_errors(value):
    row = parse([value])[0]
    assert row["error"] == P.ERR_FORMAT
    assert row["id_kind"] == "pnr"
    declared = parse([value], ["personnummer"])[0]
    assert declared["error"] == P.ERR_FORMAT


def test_mixed_column_keeps_order_and_matches_scalar_results():
    valid = [make_number(1930 + i, 1 + i % 12, 1 + i % 28, i) for i in range(30)]
    values = []
    for i, v in enumerate(valid):
        values += [v, v[2:8] + "-" + v[8:], f"K{i}", None, v[:-1] + str((int(v[-1]) + 3) % 10)]
    out = parse_person_ids(pl.Series(values), today=TODAY)
    assert out.height == len(values)
    for value, row in zip(values, out.to_dicts()):
        assert row == parse([value])[0]
        if value is not None:
            assert is_valid(value, TODAY) == (row["id_kind"] == "pnr" and row["error"] is None)


def test_is_valid():
    number = make_number(1948, 8, 8, 808)
    assert is_valid(number, TODAY)
    assert is_valid(number[2:8] + "-" + number[8:], TODAY)
    assert is_valid(make_number(1948, 8, 8, 808, snr=True), TODAY)
    assert not is_valid(make_number(1948, 8, 8, 808, good_check=False), TODAY)
    assert not is_valid("R-12345", TODAY)
    assert not is_valid("", TODAY)


# --- Comparison with the personnummer package ------------------------------------------------


def package_result(value: str) -> tuple[bool, str | None, str | None, dt.date | None]:
    """(valid, 12 digits, sex, birth date) by the package, with its clock set to TODAY."""
    try:
        p = pnr_pkg.parse(value)
    except pnr_pkg.PersonnummerException:
        return False, None, None, None
    return True, p.format(long_format=True), "kvinna" if p.is_female() else "man", p.get_date()


def comparable(value: str) -> bool:
    """Leave out the cases where the package and SPEC 2 knowingly differ.

    The package decides a 10-digit century by year alone (so it places someone born in
    ``TODAY``'s two-digit year, after today's date, in the future), rejects serial 000, and does
    not refuse birth dates in the future or centuries before anyone living.
    """
    digits = re.sub(r"[-+]", "", value)
    ten = digits[-10:]
    yy, mm, dd = int(ten[:2]), int(ten[2:4]), int(ten[4:6])
    dd = dd - 60 if dd > 60 else dd
    if ten[6:9] == "000":
        return False
    if len(digits) == 12:
        year = int(digits[:4])
    else:
        if yy == TODAY.year % 100 and mm * 100 + dd > TODAY.month * 100 + TODAY.day:
            return False
        base = TODAY.year - (100 if "+" in value else 0)
        year = base - (base - yy) % 100  # the package's rule, right everywhere else
    if year < P.EARLIEST_BIRTH_YEAR:
        return False
    try:
        return dt.date(year, mm, dd) <= TODAY
    except ValueError:
        return True


def assert_agrees_with_package(values: list[str]) -> None:
    ours = parse_person_ids(pl.Series(values, dtype=pl.Utf8), today=TODAY).to_dicts()
    with mock.patch.object(pnr_pkg, "_get_current_date", return_value=TODAY):
        for value, row in zip(values, ours):
            if not comparable(value):
                continue
            valid, long_form, sex, birth = package_result(value)
            assert (row["error"] is None) == valid, (value, row)
            assert row["id_kind"] == "pnr"
            if valid:
                assert (row["person_id"], row["sex"], row["birth_date"]) == (long_form, sex, birth)
            else:
                assert row["sex"] is None and row["birth_date"] is None


separators = st.sampled_from(["", "-", "+"])


@st.composite
def random_digit_numbers(draw) -> str:
    digits = draw(st.text(alphabet="0123456789", min_size=10, max_size=12).filter(lambda s: len(s) in (10, 12)))
    return digits[:-4] + draw(separators) + digits[-4:]


@st.composite
def built_numbers(draw) -> str:
    """Numbers built from real dates (often valid), optionally samordningsnummer, wrong check
    digit, or 10-digit form with any separator."""
    born = draw(st.dates(min_value=dt.date(1841, 1, 1), max_value=TODAY))
    number = make_number(
        born.year, born.month, born.day, draw(st.integers(0, 999)),
        snr=draw(st.booleans()), good_check=draw(st.integers(0, 4)) > 0,
    )
    form = draw(st.sampled_from(["12", "12sep", "10"]))
    if form == "12":
        return number
    if form == "12sep":
        return number[:8] + draw(separators) + number[8:]
    return number[2:8] + draw(separators) + number[8:]


@st.composite
def impossible_dates(draw) -> str:
    year = draw(st.integers(1841, 2025))
    month, day = draw(
        st.sampled_from(
            [(0, 1), (13, 1), (19, 5), (2, 30), (2, 31), (4, 31), (6, 31), (5, 0), (1, 32), (2, 29), (1, 60), (1, 92)]
        )
    )
    nine = f"{year % 100:02d}{month:02d}{day:02d}{draw(st.integers(0, 999)):03d}"
    number = f"{year // 100:02d}{nine}{luhn_digit(nine)}"
    return draw(st.sampled_from([number, number[2:8] + "-" + number[8:], number[:8] + "-" + number[8:]]))


@settings(max_examples=150, deadline=None)
@given(st.lists(random_digit_numbers(), min_size=1, max_size=40))
def test_random_digits_agree_with_package(values):
    assert_agrees_with_package(values)


@settings(max_examples=150, deadline=None)
@given(st.lists(built_numbers(), min_size=1, max_size=40))
def test_built_numbers_agree_with_package(values):
    assert_agrees_with_package(values)


@settings(max_examples=100, deadline=None)
@given(st.lists(impossible_dates(), min_size=1, max_size=20))
def test_impossible_dates_agree_with_package(values):
    assert_agrees_with_package(values)
    out = parse_person_ids(pl.Series(values), today=TODAY)
    for value, error in zip(values, out["error"]):
        leap_day = re.sub(r"[-+]", "", value)[-8:-4] == "0229"
        assert error == P.ERR_DATE or (leap_day and error in (None, P.ERR_FUTURE))


# --- Errors and masking never reveal the number ---------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(random_digit_numbers(), built_numbers(), impossible_dates(), st.text(max_size=15)),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.sampled_from([None, "", "pnr", "annat", "okänd typ"]), min_size=30, max_size=30),
)
def test_errors_are_fixed_texts_without_digits(values, types):
    out = parse_person_ids(pl.Series(values, dtype=pl.Utf8), pl.Series(types[: len(values)]), today=TODAY)
    assert out.height == len(values)
    for error in out["error"].drop_nulls():
        assert error in ERRORS
        assert not any(ch.isdigit() for ch in error)
    # Invalid rows never get sex or birth date (which would reveal part of a bad number).
    bad = out.filter(pl.col("error").is_not_null())
    assert bad["sex"].null_count() == bad.height and bad["birth_date"].null_count() == bad.height


def test_mask_person_id():
    assert mask_person_id("19121212-1212") == "1912****-****"
    assert mask_person_id("191212121212") == "1912********"
    assert mask_person_id("121212-1212") == "1212**-****"
    assert mask_person_id("R-12345") == "R-1234*"


def test_mask_in_text_examples():
    text = "Rad 12: 19121212-1212 och 121212+1212, 191212121212; felaktig 1212121212. Datum 2025-01-01, belopp 1 234,50"
    masked = mask_in_text(text)
    assert masked == (
        "Rad 12: 1912****-**** och 1212**+****, 1912********; felaktig 1212******. Datum 2025-01-01, belopp 1 234,50"
    )


def test_mask_in_text_covers_near_misses():
    assert mask_in_text("värde 900101 0017 x") == "värde 9001** **** x"
    assert mask_in_text("värde 19900101-001") == "värde 1990****-***"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(random_digit_numbers(), built_numbers()),
    st.text(alphabet="abc åäö,.;:()\n", max_size=20),
    st.text(alphabet="abc åäö,.;:()\n", max_size=20),
)
def test_mask_in_text_hides_every_number(number, before, after):
    masked = mask_in_text(before + number + after)
    assert masked == before + mask_person_id(number) + after
    assert sum(ch.isdigit() for ch in masked) == 4
