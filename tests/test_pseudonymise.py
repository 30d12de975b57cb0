"""Keyed pseudonyms and the key file (SPEC 2)."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boendeinventering.core.pseudonymise import (
    KEY_BYTES,
    KEY_FILE_NAME,
    InsecureKeyError,
    KeyExistsError,
    KeyMissingError,
    PseudonymKeyError,
    create_key,
    load_key,
    pseudonymise,
)

TEST_PNR = ["189001019802", "189001029819", "194504142387", "201212121212"]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- key file ---------------------------------------------------------------------------------


def test_create_key_writes_32_random_bytes_owner_only(tmp_path):
    path = create_key(tmp_path)
    assert path == tmp_path / KEY_FILE_NAME
    assert mode(path) == 0o600
    key = path.read_bytes()
    assert len(key) == KEY_BYTES == 32
    assert load_key(tmp_path) == key
    other = tmp_path / "other"
    assert create_key(other).read_bytes() != key  # random, not derived


def test_create_key_is_owner_only_even_with_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = create_key(tmp_path)
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_create_key_creates_missing_data_dir(tmp_path):
    path = create_key(tmp_path / "a" / "data")
    assert path.is_file()


def test_create_key_refuses_to_overwrite(tmp_path):
    first = create_key(tmp_path).read_bytes()
    with pytest.raises(KeyExistsError) as err:
        create_key(tmp_path)
    assert "redan" in str(err.value)
    assert (tmp_path / KEY_FILE_NAME).read_bytes() == first


def test_load_key_missing_tells_to_run_init(tmp_path):
    with pytest.raises(KeyMissingError) as err:
        load_key(tmp_path)
    assert "boinv init" in str(err.value)
    assert isinstance(err.value, PseudonymKeyError)


@pytest.mark.parametrize("bad_mode", [0o640, 0o604, 0o644, 0o660, 0o666, 0o610])
def test_load_key_refuses_group_or_other_access(tmp_path, bad_mode):
    path = create_key(tmp_path)
    os.chmod(path, bad_mode)
    with pytest.raises(InsecureKeyError) as err:
        load_key(tmp_path)
    assert "chmod 600" in str(err.value)


def test_load_key_accepts_read_only_owner(tmp_path):
    path = create_key(tmp_path)
    os.chmod(path, 0o400)
    assert load_key(tmp_path) == path.read_bytes()


def test_load_key_refuses_damaged_key(tmp_path):
    path = tmp_path / KEY_FILE_NAME
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.write(fd, b"short")
    os.close(fd)
    with pytest.raises(PseudonymKeyError):
        load_key(tmp_path)


# --- pseudonyms -------------------------------------------------------------------------------


KEY = bytes(range(32))


def test_is_hmac_sha256_of_namespace_and_value():
    out = pseudonymise(pl.Series("person_id", TEST_PNR), KEY, "pnr")
    assert out.name == "person_id"
    assert out.dtype == pl.Utf8
    assert out.to_list() == [hmac.new(KEY, f"pnr:{v}".encode(), hashlib.sha256).hexdigest() for v in TEST_PNR]


@pytest.mark.parametrize("key", [b"k" * 16, b"k" * 64, os.urandom(100)])
def test_other_key_lengths_are_still_standard_hmac(key):
    out = pseudonymise(pl.Series(["R-1", "ä"]), key, "annat")
    assert out.to_list() == [hmac.new(key, f"annat:{v}".encode(), hashlib.sha256).hexdigest() for v in ["R-1", "ä"]]


def test_deterministic_and_order_preserving():
    values = pl.Series((TEST_PNR * 50)[::-1] + [None, "K1"])
    a = pseudonymise(values, KEY, "pnr")
    b = pseudonymise(values, KEY, "pnr")
    assert a.equals(b)
    assert len(a) == len(values)
    # equal inputs give equal outputs, different inputs different outputs
    pairs = dict(zip(values.to_list(), a.to_list()))
    assert len(set(pairs.values())) == len(pairs)
    assert [pairs[v] for v in values.to_list()] == a.to_list()


def test_nulls_stay_null():
    out = pseudonymise(pl.Series([None, "K1", None]), KEY, "annat")
    assert out.is_null().to_list() == [True, False, True]
    all_null = pseudonymise(pl.Series([None, None], dtype=pl.Utf8), KEY, "annat")
    assert all_null.null_count() == 2 and all_null.dtype == pl.Utf8
    assert len(pseudonymise(pl.Series([], dtype=pl.Utf8), KEY, "pnr")) == 0


def test_namespaces_separate_identical_values():
    values = pl.Series(TEST_PNR + ["12345"])
    outs = {ns: pseudonymise(values, KEY, ns).to_list() for ns in ("pnr", "annat", "hushall", "arende")}
    for i in range(len(values)):
        assert len({outs[ns][i] for ns in outs}) == 4


def test_namespace_must_not_be_ambiguous():
    with pytest.raises(ValueError):
        pseudonymise(pl.Series(["b:c"]), KEY, "a:b")
    with pytest.raises(ValueError):
        pseudonymise(pl.Series(["x"]), KEY, "")


def test_different_keys_give_different_pseudonyms():
    values = pl.Series(TEST_PNR)
    a = pseudonymise(values, KEY, "pnr").to_list()
    b = pseudonymise(values, bytes(31) + b"\x01", "pnr").to_list()
    assert not set(a) & set(b)


def test_non_string_input_is_cast():
    assert pseudonymise(pl.Series([12345, None]), KEY, "arende").to_list()[0] == pseudonymise(
        pl.Series(["12345"]), KEY, "arende"
    ).to_list()[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(min_size=1, max_size=20), st.sampled_from(TEST_PNR)), max_size=40))
def test_output_never_contains_input_and_matches_scalar_hmac(values):
    out = pseudonymise(pl.Series(values, dtype=pl.Utf8), KEY, "pnr").to_list()
    for value, pseudonym in zip(values, out):
        if value is None:
            assert pseudonym is None
            continue
        assert pseudonym == hmac.new(KEY, f"pnr:{value}".encode(), hashlib.sha256).hexdigest()
        assert len(pseudonym) == 64
        if len(value) >= 8:  # shorter strings may occur in a hex digest by chance
            assert value not in pseudonym


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=130), st.binary(max_size=10), st.lists(st.text(max_size=30), max_size=10))
def test_hmac_sha256_many_is_standard_hmac_for_any_key_and_prefix(key, prefix, values):
    from boendeinventering.core.pseudonymise import hmac_sha256_many

    assert hmac_sha256_many(key, prefix, values) == [
        hmac.new(key, prefix + v.encode("utf-8"), hashlib.sha256).digest() for v in values
    ]
