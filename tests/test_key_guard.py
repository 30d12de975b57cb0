"""The pseudonymisation key is guarded (issue 8 item 1): a lost or changed key is refused before it
can turn every person into a new one, and every key problem is one clear Swedish message."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from boendeinventering.core import pseudonymise as ps
from boendeinventering.inventory.models import ImportBatch, Installation, Pseudonym
from boendeinventering.services import installation
from boendeinventering.services.imports import import_extract
from tests.fixtures.extracts import stays_file
from tests.fixtures.extracts import skatteverket_numbers as numbers

# --- the digest itself ------------------------------------------------------------------------


def _rfc2104(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 by hand, as the earlier _hmac_pads computed it: stored pseudonyms must not change."""
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in block) + inner).hexdigest()


def test_standard_library_hmac_gives_the_same_digests_as_before():
    key = bytes(range(32))
    values = numbers()[:200] + ["", "Åby ö", "x" * 100]
    got = ps.pseudonymise(pl.Series(values), key, "pnr").to_list()
    assert got == [_rfc2104(key, f"pnr:{v}".encode()) for v in values]
    assert got == [hmac.new(key, f"pnr:{v}".encode(), "sha256").hexdigest() for v in values]


def test_fingerprint_identifies_the_key_without_containing_it():
    key, other = bytes(range(32)), bytes(range(1, 33))
    fingerprint = ps.key_fingerprint(key)
    assert fingerprint == ps.key_fingerprint(key) != ps.key_fingerprint(other)
    assert len(fingerprint) == 64 and key.hex() not in fingerprint
    assert fingerprint != hashlib.sha256(key).hexdigest()  # keyed, not a plain hash of the key


# --- the key file ----------------------------------------------------------------------------


def test_directory_in_the_keys_place_is_one_clear_error(tmp_path):
    (tmp_path / ps.KEY_FILE_NAME).mkdir()
    with pytest.raises(ps.PseudonymKeyError, match="inte en fil"):
        ps.load_key(tmp_path)


def test_unreadable_key_is_one_clear_error(tmp_path, monkeypatch):
    # chmod 000 does not stop root (the CI's user), so the refusal to open is simulated
    ps.create_key(tmp_path)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(ps.pathlib.Path, "open", refuse)
    with pytest.raises(ps.PseudonymKeyError, match="kunde inte läsas"):
        ps.load_key(tmp_path)


def test_oversized_key_file_is_damaged_not_read_whole(tmp_path):
    path = tmp_path / ps.KEY_FILE_NAME
    path.write_bytes(b"x" * 10_000)
    path.chmod(0o600)
    with pytest.raises(ps.PseudonymKeyError, match="skadad"):
        ps.load_key(tmp_path)


# --- the installation ------------------------------------------------------------------------


def test_init_stores_the_fingerprint_never_the_key(installed):
    stored = Installation.objects.get()
    key = (installed / ps.KEY_FILE_NAME).read_bytes()
    assert stored.key_fingerprint == ps.key_fingerprint(key)
    assert key.hex() not in stored.key_fingerprint


def _import_one(tmp_path, name="a.csv"):
    return import_extract("insatser", stays_file(tmp_path / name, n=4))


def test_lost_key_init_refuses_to_make_a_new_one(installed, tmp_path):
    _import_one(tmp_path)
    (installed / ps.KEY_FILE_NAME).unlink()
    with pytest.raises(installation.SetupError, match="Återställ pseudonym.key från säkerhetskopian"):
        installation.init_installation("0180")
    assert not (installed / ps.KEY_FILE_NAME).exists()  # no new key was made


def test_lost_key_init_refuses_even_before_any_import(installed):
    # the fingerprint alone says a key belongs to this database
    (installed / ps.KEY_FILE_NAME).unlink()
    with pytest.raises(installation.SetupError, match="säkerhetskopian"):
        installation.init_installation("0180")
    assert not (installed / ps.KEY_FILE_NAME).exists()


def test_changed_key_is_refused_for_import_and_figures(installed, tmp_path):
    _import_one(tmp_path)
    pseudonyms, batches = Pseudonym.objects.count(), ImportBatch.objects.count()
    key_path = installed / ps.KEY_FILE_NAME
    key_path.unlink()
    ps.create_key(installed)  # someone made a new key by hand
    with pytest.raises(installation.SetupError, match="inte den nyckel") as exc:
        _import_one(tmp_path, "b.csv")
    assert "säkerhetskopian" in str(exc.value)
    assert (Pseudonym.objects.count(), ImportBatch.objects.count()) == (pseudonyms, batches)
    from boendeinventering.services import figures

    with pytest.raises(installation.SetupError, match="inte den nyckel"):
        figures.build_report(2025, protected=False)
    with pytest.raises(installation.SetupError, match="inte den nyckel"):
        installation.init_installation("0180")


def test_restored_key_works_again(installed, tmp_path):
    _import_one(tmp_path)
    key_path = installed / ps.KEY_FILE_NAME
    backup = key_path.read_bytes()
    key_path.unlink()
    with pytest.raises(installation.SetupError):
        _import_one(tmp_path, "b.csv")
    key_path.write_bytes(backup)
    key_path.chmod(0o600)
    outcome = import_extract("insatser", stays_file(tmp_path / "c.csv", n=4))
    assert not outcome.created  # the same file: recognised, because the key is the same
    assert outcome.batch.rows_imported == 4


def test_installation_from_before_fingerprints_adopts_its_key(installed, tmp_path):
    Installation.objects.update(key_fingerprint="")
    _import_one(tmp_path)
    key = (installed / ps.KEY_FILE_NAME).read_bytes()
    assert Installation.objects.get().key_fingerprint == ps.key_fingerprint(key)


def test_web_app_stops_with_a_wrong_key(installed, settings):
    from boendeinventering.services.users import create_demo_users

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    name = create_demo_users(2025)[0][0]
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=name))
    assert client.get(reverse("web:home")).status_code == 200
    key_path = installed / ps.KEY_FILE_NAME
    key_path.unlink()
    ps.create_key(installed)
    response = client.get(reverse("web:home"))
    page = response.content.decode()
    assert response.status_code == 503
    assert "Tjänsten är stoppad" in page and "pseudonym.key" in page and "säkerhetskopian" in page
    assert str(installed) not in page  # the server's paths are not shown on the web
    assert Client().get(reverse("web:login")).status_code == 503
