"""Issue 8 items 6 and 8: zip bombs and size limits, mixed encodings, plausible value ranges,
password spraying, and spreadsheet-safe output of `boinv mapping unmapped`."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from boendeinventering.core.ingest import IngestError, read_extract
from boendeinventering.core.ingest.read import ReadLimits, read_table
from boendeinventering.services import mapping
from tests.fixtures.bad_inputs import sheet, xlsx_with_sheet
from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv

# --- zip bombs and sizes ----------------------------------------------------------------------


def test_small_xlsx_reads():
    raw = read_table(xlsx_with_sheet(sheet([["enhet", "insats"], ["Norr", "Hotell"]])))
    assert raw.file_kind == "xlsx" and raw.frame.row(0) == ("Norr", "Hotell")


def test_zip_bomb_refused_by_ratio_before_unpacking():
    bomb = xlsx_with_sheet(sheet([["enhet"], ["Norr"]], padding=50_000_000))
    assert len(bomb) < 200_000  # 50 MB of sheet in a small file
    with pytest.raises(IngestError) as exc:
        read_table(bomb)
    reason = exc.value.issues[0].reason
    assert "zip-bomb" in reason and "högst 100 gånger" in reason


def test_unpacked_size_cap_names_the_limit():
    bomb = xlsx_with_sheet(sheet([["enhet"], ["Norr"]], padding=3_000_000))
    with pytest.raises(IngestError) as exc:
        read_table(bomb, limits=ReadLimits(max_unpacked_bytes=2_000_000, max_zip_ratio=1e9))
    assert "för stor uppackad" in exc.value.issues[0].reason and "högst 2,0 MB" in exc.value.issues[0].reason


def test_row_cap_csv_and_xlsx():
    limits = ReadLimits(max_rows=3)
    ok = "enhet\n" + "a\n" * 3
    assert read_table(ok.encode(), limits=limits).frame.height == 3
    with pytest.raises(IngestError, match="för många rader .*4.*högst 3"):
        read_table(("enhet\n" + "a\n" * 4).encode(), limits=limits)
    with pytest.raises(IngestError, match="för många rader"):
        read_table(xlsx_with_sheet(sheet([["enhet"]] + [["a"]] * 4)), limits=limits)


# --- encodings -------------------------------------------------------------------------------


def test_mixed_utf8_then_cp1252_names_the_first_cp1252_line():
    data = "enhet;insats\nÅby;Härbärge\nNorr;Hotell\n".encode() + "Öst;Härbärge\n".encode("cp1252")
    with pytest.raises(IngestError) as exc:
        read_table(data)
    issue = exc.value.issues[0]
    assert issue.row == 4 and "blandar teckenkodningar" in issue.reason and "rad 2" in issue.reason


def test_mixed_cp1252_then_utf8_names_the_first_utf8_line():
    data = "enhet;insats\nÅby;Härbärge\n".encode("cp1252") + "Norr;x\nÖst;Härbärge\n".encode()
    with pytest.raises(IngestError) as exc:
        read_table(data)
    issue = exc.value.issues[0]
    assert issue.row == 4 and "blandar teckenkodningar" in issue.reason


def test_pure_files_and_a_chosen_encoding_still_read():
    assert read_table("enhet\nÅby\n".encode("cp1252")).frame["enhet"].to_list() == ["Åby"]
    assert read_table("enhet\nÅby\n".encode()).encoding == "utf-8"
    mixed = "enhet\nÅby\n".encode() + "Öst\n".encode("cp1252")
    assert read_table(mixed, encoding="cp1252").frame.height == 2  # the user's explicit choice wins


def test_forced_utf8_names_the_line():
    data = "enhet\nNorr\nSyd\nÖst\n".encode("cp1252")
    with pytest.raises(IngestError) as exc:
        read_table(data, encoding="utf-8")
    assert exc.value.issues[0].row == 4


def test_non_utf8_byte_across_a_decoding_chunk_boundary(monkeypatch):
    from boendeinventering.core.ingest import read

    monkeypatch.setattr(read, "_DECODE_CHUNK", 7)
    data = "enhet\nÅbyÅby\n".encode() + b"\xc5\n"
    assert read._first_non_utf8(data) == len(data) - 2
    assert read._first_non_utf8("enhet\nÅbyÅbyÅby\n".encode()) is None


# --- value ranges ---------------------------------------------------------------------------


HEADER = "person_id;enhet;insats;startdatum;slutdatum;boendedygn;kostnad;antal_barn"


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ("1899-12-31;;;;", "startdatum", "1900-01-01"),
        ("2025-01-01;2101-01-01;;;", "slutdatum", "2100-12-31"),
        ("2025-01-01;;367;;", "boendedygn", "366"),
        ("2025-01-01;;;10 000 000,01;", "kostnad", "10 000 000 kr"),
        ("2025-01-01;;;;31", "antal_barn", "antal barn"),
    ],
)
def test_implausible_values_are_errors(tmp_path, cells, column, words):
    path = write_csv(tmp_path / "x.csv", HEADER, [f"{pnr(0)};Enhet;Hotell;{cells}"])
    result = read_extract("insatser", path)
    assert result.invalid_rows == [2]
    assert result.issues[0].column == column and words in result.issues[0].reason


def test_values_at_the_limits_are_accepted(tmp_path):
    path = write_csv(tmp_path / "x.csv", HEADER, [f"{pnr(0)};Enhet;Hotell;1900-01-01;2100-12-31;366;10 000 000;30"])
    result = read_extract("insatser", path)
    assert result.issues == [] and result.valid.height == 1


def test_amount_ceiling_is_a_setting(tmp_path):
    path = write_csv(tmp_path / "x.csv", HEADER, [f"{pnr(0)};Enhet;Hotell;2025-01-01;;;5000;"])
    assert read_extract("insatser", path, limits=ReadLimits(max_amount=4999)).invalid_rows == [2]
    payments = write_csv(tmp_path / "u.csv", "person_id;utbetalningsdatum;belopp;andamal",
                         [f"{pnr(0)};2025-01-01;20000000;Hyra"])
    assert read_extract("utbetalningar", payments).issues[0].column == "belopp"


def test_control_characters_in_a_name_are_refused(tmp_path):
    path = write_csv(tmp_path / "x.csv", HEADER, [f"{pnr(0)};Enhet\x07;Hotell;2025-01-01;;;;"])
    result = read_extract("insatser", path)
    assert result.invalid_rows == [2] and "styrtecken" in result.issues[0].reason


def test_settings_reach_the_import(installed, settings, tmp_path):
    from boendeinventering.services.imports import ImportRefused, import_extract

    settings.BOINV_MAX_AMOUNT = 100
    path = write_csv(tmp_path / "x.csv", STAY_HEADER, [f"{pnr(0)};;Enhet;Hotell;2025-01-01;;;;0;101"])
    with pytest.raises(ImportRefused) as exc:
        import_extract("insatser", path)
    assert "högst 100 kr" in exc.value.issues[0].reason
    settings.BOINV_MAX_ROWS = 1
    path = write_csv(tmp_path / "y.csv", STAY_HEADER, [f"{pnr(i)};;Enhet;Hotell;2025-01-01;;;;0;1" for i in range(2)])
    with pytest.raises(IngestError, match="högst 1 tillåts"):
        import_extract("insatser", path)


# --- sign-in throttling ---------------------------------------------------------------------


@pytest.fixture
def demo_users(installed, settings):
    from boendeinventering.services.users import create_demo_users

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return create_demo_users(2025)


def _login(client, name, password, address="10.0.0.7"):
    return client.post(reverse("web:login"), {"username": name, "password": password}, REMOTE_ADDR=address)


def test_password_spraying_from_one_address_is_locked(demo_users):
    name, password = demo_users[0][0], demo_users[0][1]
    for i in range(19):  # one guess each for many user names: no user name reaches its own limit
        _login(Client(), f"anvandare{i}", "Sommar2025!", address="10.0.0.7")
    assert _login(Client(), name, password, address="10.0.0.7").status_code == 302  # 19: not yet locked
    for i in range(20):
        _login(Client(), f"anvandare{i}", "Sommar2025!", address="10.0.0.9")
    locked = Client()
    response = _login(locked, name, password, address="10.0.0.9")
    assert "Kontot är tillfälligt spärrat" in response.content.decode()
    assert "_auth_user_id" not in locked.session
    # another address is not affected
    assert _login(Client(), name, password, address="10.0.0.8").status_code == 302


def test_a_colleagues_typos_do_not_lock_the_office(demo_users):
    (name, password), (other, other_password) = demo_users[0][:2], demo_users[1][:2]
    for _ in range(5):
        _login(Client(), name, "fel")
    assert "Kontot är tillfälligt spärrat" in _login(Client(), name, password).content.decode()
    assert _login(Client(), other, other_password).status_code == 302  # same address, other user


# --- spreadsheet-safe output ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
        ("+46 akut", "'+46 akut"),
        ("-Akuten", "'-Akuten"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Akut\x1b[31m boende", "Akut [31m boende"),
        ("Hotell; natt", '"Hotell; natt"'),
        ("Härbärget", "Härbärget"),
    ],
)
def test_spreadsheet_cell(name, shown):
    assert mapping.spreadsheet_cell(name) == shown


def test_unmapped_output_round_trips_through_mapping_import(installed, tmp_path, capsys):
    from boendeinventering import cli_commands
    from boendeinventering.services.imports import import_extract

    rows = [f"{pnr(0)};;Enhet;=1+1 akut;2025-01-01;;;;0;1", f"{pnr(1)};;Enhet;-Natthärbärge;2025-01-01;;;;0;1"]
    import_extract("insatser", write_csv(tmp_path / "x.csv", STAY_HEADER, rows))
    import argparse

    assert cli_commands.run(argparse.Namespace(command="mapping", mapping_command="unmapped")) == 1
    printed = capsys.readouterr().out.splitlines()
    assert "'=1+1 akut;akutboende" in printed and "'-Natthärbärge;harbarge" in printed
    assert not any(line.startswith(("=", "+", "-", "@")) for line in printed)
    # pasted back as the mapping file, the names match the extract's names again
    mapping_file = tmp_path / "mappning.csv"
    mapping_file.write_text("lokal_benamning;kod\n" + "\n".join(printed[1:]) + "\n", encoding="utf-8")
    mapping.import_mapping(mapping_file)
    assert mapping.unmapped_with_suggestions() == []
    assert dict(mapping.current_mapping().items())["=1+1 akut"] == "akutboende"
