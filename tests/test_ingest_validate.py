"""Validating extracts: every refused value is named (row, column, masked value, Swedish reason)."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from tests.fixtures.extracts import pnr
from tests.fixtures.extracts import skatteverket_numbers as numbers
from boendeinventering.core.ingest import IngestError, Issue, read_extract
from boendeinventering.core.schema import VALIDATED
from boendeinventering.core.personnummer import mask_person_id

TODAY = dt.date(2026, 1, 15)


def number_from(prefix: str) -> str:
    return next(n for n in numbers() if n.startswith(prefix))


def luhn(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def as_samordningsnummer(number: str) -> str:
    """The same test person's date with day + 60 (derived in memory, as test_personnummer does)."""
    nine = number[2:6] + f"{int(number[6:8]) + 60:02d}" + number[8:11]
    return number[:2] + nine + str(luhn(nine))


def bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def forms(number: str) -> list[str]:
    """Ways a number could leak into a message."""
    return [number, number[2:], f"{number[2:8]}-{number[8:]}", f"{number[:8]}-{number[8:]}", number[4:]]


def assert_never_shown(issues: list[Issue], *numbers: str) -> None:
    for issue in issues:
        text = issue.as_text()
        for number in numbers:
            for form in forms(number):
                assert form not in text, text


STAYS = ("person_id;id_typ;kon;fodelsear;enhet;insats;boende;beslutsdatum;startdatum;slutdatum;planerat_slutdatum;"
         "ordnat_boende_efter;hushall_id;antal_barn;boendedygn;kostnad")
PAYMENTS = "person_id;id_typ;kon;fodelsear;hushall_id;antal_barn;utbetalningsdatum;belopp;andamal;boendedygn;enhet"
DEBT = "arende_id;person_id;inkommet_datum;hyresskuld"


def csv(header: str, rows: list[str]) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("cp1252")


def stay(person: str = "", **cells: str) -> str:
    values = dict.fromkeys(STAYS.split(";"), "")
    values.update(person_id=person or pnr(0), enhet="Mottagningen", insats="Akutboendet Tallen",
                  startdatum="2025-01-10")
    values.update(cells)
    return ";".join(values.values())


def payment(person: str = "", **cells: str) -> str:
    values = dict.fromkeys(PAYMENTS.split(";"), "")
    values.update(person_id=person or pnr(0), utbetalningsdatum="2025-03-01", belopp="1 500,00", andamal="Hotellnatt")
    values.update(cells)
    return ";".join(values.values())


def stays(*rows: str):
    return read_extract("insatser", csv(STAYS, list(rows)), today=TODAY)


def payments(*rows: str):
    return read_extract("utbetalningar", csv(PAYMENTS, list(rows)), today=TODAY)


# --------------------------------------------------------------------------------------------
# valid files and the validated frame


def test_valid_stays_have_exact_schema_and_values():
    n = pnr(0)
    result = stays(
        stay(n, enhet="Enhet A", boende="Tallen", beslutsdatum="2024-12-20", slutdatum="2025-02-01",
             planerat_slutdatum="2025-03-01", ordnat_boende_efter="Nej", hushall_id="H1", antal_barn="2",
             boendedygn="22", kostnad="12 345,50"),
        stay(pnr(1), kostnad="99.5", ordnat_boende_efter="JA"),
    )
    assert result.issues == [] and result.invalid_rows == [] and result.duplicate_rows == []
    assert result.ok
    assert dict(result.valid.schema) == VALIDATED["insatser"]
    assert result.rows_read == 2 and result.encoding == "utf-8" and result.delimiter == ";"
    row = result.valid.row(0, named=True)
    assert row["row_no"] == 2
    assert row["person_id"] == n and row["id_kind"] == "pnr"
    assert row["sex"] == ("kvinna" if int(n[10]) % 2 == 0 else "man")
    assert row["birth_date"] == dt.date(int(n[:4]), int(n[4:6]), int(n[6:8]))
    assert (row["unit"], row["insats"], row["boende"]) == ("Enhet A", "Akutboendet Tallen", "Tallen")
    assert row["decision_date"] == dt.date(2024, 12, 20)
    assert (row["start_date"], row["end_date"], row["planned_end_date"]) == (
        dt.date(2025, 1, 10), dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    assert row["arranged_after"] == "nej" and row["household_id"] == "H1"
    assert (row["children"], row["nights"], row["cost"]) == (2, 22, 12345.5)
    assert re.fullmatch(r"[0-9a-f]{32}", row["row_hash"])
    second = result.valid.row(1, named=True)
    assert second["arranged_after"] == "ja" and second["cost"] == 99.5 and second["end_date"] is None


def test_valid_payments_and_debt_cases_schema():
    p = payments(payment(), payment(pnr(1), belopp="12345.5", boendedygn="3", enhet="Ekonomi"))
    assert p.issues == []
    assert dict(p.valid.schema) == VALIDATED["utbetalningar"]
    assert p.valid["amount"].to_list() == [1500.0, 12345.5]
    assert p.valid["payment_date"].to_list() == [dt.date(2025, 3, 1)] * 2
    assert p.valid["purpose"].to_list() == ["Hotellnatt"] * 2

    d = read_extract("skuldradgivning", csv(DEBT, [f"A-1;{pnr(2)};2025-04-01;ja", "A-2;;2025-05-01;Nej"]), today=TODAY)
    assert d.issues == []
    assert dict(d.valid.schema) == VALIDATED["skuldradgivning"]
    assert d.valid["rent_debt"].to_list() == [True, False]
    assert d.valid["case_id"].to_list() == ["A-1", "A-2"]
    assert d.valid["person_id"].to_list() == [pnr(2), None]
    assert d.valid["id_kind"].to_list() == ["pnr", None]


def test_unknown_columns_are_reported_and_ignored():
    data = csv("Person_ID;Utbetalningsdatum;BELOPP;andamal;Handläggare;Kommentar",
               [f"{pnr(0)};2025-01-01;100;Hotell;Anna;x"])
    result = read_extract("utbetalningar", data, today=TODAY)
    assert result.unknown_columns == ["handläggare", "kommentar"]
    assert result.issues == []
    assert result.valid.columns == list(VALIDATED["utbetalningar"])


def test_missing_required_columns_all_listed():
    with pytest.raises(IngestError) as exc:
        read_extract("insatser", csv("person_id;insats;kostnad", [f"{pnr(0)};x;1"]), today=TODAY)
    assert [(i.row, i.column, i.reason) for i in exc.value.issues] == [
        (1, "enhet", "obligatorisk kolumn saknas"),
        (1, "startdatum", "obligatorisk kolumn saknas"),
    ]
    with pytest.raises(IngestError) as exc:
        read_extract("skuldradgivning", csv("arende_id;person_id", ["1;"]), today=TODAY)
    assert [i.column for i in exc.value.issues] == ["inkommet_datum", "hyresskuld"]


# --------------------------------------------------------------------------------------------
# personnummer forms


def test_ten_digit_numbers_with_dash_and_plus():
    young = number_from("1990")
    old = number_from("1895")
    result = stays(
        stay(f"{young[2:8]}-{young[8:]}"),
        stay(young[2:]),
        stay(f"{old[2:8]}+{old[8:]}"),
        stay(f"{young[:8]}-{young[8:]}"),
    )
    assert result.issues == []
    assert result.valid["person_id"].to_list() == [young, young, old, young]
    assert result.valid["birth_date"][2] == dt.date(1895, int(old[4:6]), int(old[6:8]))


def test_samordningsnummer():
    base = pnr(3)
    snr = as_samordningsnummer(base)
    result = stays(stay(snr))
    assert result.issues == []
    row = result.valid.row(0, named=True)
    assert row["person_id"] == snr and row["id_kind"] == "pnr"
    assert row["birth_date"] == dt.date(int(base[:4]), int(base[4:6]), int(base[6:8]))


def test_reserve_numbers_with_id_typ_use_kon_and_fodelsear():
    result = stays(
        stay("R-4711", id_typ="reservnummer", kon="K", fodelsear="1980"),
        stay("KL 123", id_typ="annat", kon="man"),
        stay("R-4712", id_typ="Reservnummer"),
    )
    assert result.issues == []
    assert result.valid["person_id"].to_list() == ["R-4711", "KL 123", "R-4712"]
    assert result.valid["id_kind"].to_list() == ["annat"] * 3
    assert result.valid["sex"].to_list() == ["kvinna", "man", "okänt"]
    assert result.valid["birth_date"].to_list() == [dt.date(1980, 1, 1), None, None]


def test_sex_and_birth_from_number_unless_columns_given():
    n = pnr(4)  # sex from the second last digit
    number_sex = "kvinna" if int(n[10]) % 2 == 0 else "man"
    other_sex = "man" if number_sex == "kvinna" else "kvinna"
    year = int(n[:4])
    result = stays(
        stay(n),
        stay(n, kon=other_sex[0].upper(), fodelsear=str(year), insats="b"),
        stay(n, kon="x", fodelsear=str(year - 1), insats="c"),
        stay(n, kon="F", insats="d"),
    )
    assert result.issues == []  # unknown kon is not an error
    born = dt.date(year, int(n[4:6]), int(n[6:8]))
    assert result.valid["sex"].to_list() == [number_sex, other_sex, "okänt", "kvinna"]
    assert result.valid["birth_date"].to_list() == [born, born, dt.date(year - 1, 1, 1), born]


# --------------------------------------------------------------------------------------------
# every kind of bad value: row, column, masked value, Swedish reason


N = pnr(10)
BAD_BIRTH_YEAR = "ogiltigt födelseår (ska vara ett årtal med fyra siffror, 1900–2026)"


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        ({"enhet": ""}, "enhet", None, "obligatoriskt värde saknas"),
        ({"insats": ""}, "insats", None, "obligatoriskt värde saknas"),
        ({"startdatum": ""}, "startdatum", None, "obligatoriskt värde saknas"),
        ({"startdatum": "2025-13-01"}, "startdatum", "2025-13-01", "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"),
        ({"startdatum": "2025-02-30"}, "startdatum", "2025-02-30", "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"),
        ({"slutdatum": "1/3/2025"}, "slutdatum", "1/3/2025", "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"),
        ({"beslutsdatum": "2025-1-5"}, "beslutsdatum", "2025-1-5", "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"),
        ({"slutdatum": "2025-01-09"}, "slutdatum", "2025-01-09", "slutdatum är före startdatum"),
        ({"kostnad": "-100"}, "kostnad", "-100", "värdet får inte vara negativt"),
        ({"boendedygn": "-1"}, "boendedygn", "-1", "värdet får inte vara negativt"),
        ({"antal_barn": "-2"}, "antal_barn", "-2", "värdet får inte vara negativt"),
        ({"kostnad": "100 kr"}, "kostnad", "100 kr",
         "ogiltigt tal (använd siffror med decimalkomma eller decimalpunkt, t.ex. 1 234,50)"),
        ({"kostnad": "1.234,50"}, "kostnad", "1.234,50",
         "ogiltigt tal (använd siffror med decimalkomma eller decimalpunkt, t.ex. 1 234,50)"),
        ({"antal_barn": "2,5"}, "antal_barn", "2,5", "ogiltigt heltal"),
        ({"boendedygn": "tre"}, "boendedygn", "tre", "ogiltigt heltal"),
        ({"ordnat_boende_efter": "kanske"}, "ordnat_boende_efter", "kanske", "ska vara ja eller nej"),
        ({"fodelsear": "85"}, "fodelsear", "85", "ogiltigt födelseår (ska vara ett årtal med fyra siffror, 1900–2026)"),
        ({"fodelsear": "1899"}, "fodelsear", "1899", BAD_BIRTH_YEAR),
        ({"fodelsear": "2027"}, "fodelsear", "2027", BAD_BIRTH_YEAR),
        ({"person_id": ""}, "person_id", None, "obligatoriskt värde saknas"),
        ({"person_id": bad_check_digit(N)}, "person_id", mask_person_id(bad_check_digit(N)),
         "kontrollsiffran stämmer inte"),
        ({"person_id": bad_check_digit(N)[2:]}, "person_id", mask_person_id(bad_check_digit(N)[2:]),
         "kontrollsiffran stämmer inte"),
        ({"person_id": f"{N[2:8]} - {N[8:]}"}, "person_id", mask_person_id(f"{N[2:8]} - {N[8:]}"),
         "ser ut som ett personnummer men har fel format"),
        ({"person_id": N, "id_typ": "okänd typ"}, "person_id", mask_person_id(N),
         "okänt värde i id_typ (använd personnummer, samordningsnummer, reservnummer eller annat)"),
        ({"hushall_id": N, "antal_barn": "x"}, "antal_barn", "x", "ogiltigt heltal"),
        # a personnummer typed into another column is masked in the message too
        ({"kostnad": f"{N[:8]}-{N[8:]}"}, "kostnad", mask_person_id(f"{N[:8]}-{N[8:]}"),
         "ogiltigt tal (använd siffror med decimalkomma eller decimalpunkt, t.ex. 1 234,50)"),
        ({"boende": "ok", "kostnad": f"se {N[2:8]}-{N[8:]}"}, "kostnad", f"se {mask_person_id(N[2:8] + '-' + N[8:])}",
         "ogiltigt tal (använd siffror med decimalkomma eller decimalpunkt, t.ex. 1 234,50)"),
    ],
)
def test_bad_stay_values(cells, column, value, reason):
    cells = dict(cells)
    person = cells.pop("person_id", N)
    if person == "":
        row = stay(**cells).replace(pnr(0), "", 1)
    else:
        row = stay(person, **cells)
    result = stays(stay(pnr(20)), row, stay(pnr(21), insats="annan"))
    assert result.invalid_rows == [3]
    assert result.valid["row_no"].to_list() == [2, 4]
    problems = [i for i in result.issues if i.column == column]
    assert len(problems) == 1, result.issues
    issue = problems[0]
    assert (issue.row, issue.column, issue.value) == (3, column, value)
    if reason is not None:
        assert issue.reason == reason
    assert_never_shown(result.issues, N, bad_check_digit(N))
    assert issue.as_text().startswith(f"Rad 3, kolumn {column}")


def test_issue_text_format():
    result = stays(stay(startdatum="2025-13-01"))
    assert [i.as_text() for i in result.issues] == [
        "Rad 2, kolumn startdatum, värde '2025-13-01': ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"
    ]
    assert Issue(None, None, None, "filen är tom").as_text() == "Filen är tom"


def test_every_problem_of_every_row_in_row_order():
    result = stays(
        stay(kostnad="-1", startdatum="x", enhet=""),
        stay(),
        stay(bad_check_digit(N), antal_barn="1,5"),
    )
    assert [(i.row, i.column) for i in result.issues] == [
        (2, "enhet"), (2, "startdatum"), (2, "kostnad"),
        (4, "person_id"), (4, "antal_barn"),
    ]
    assert result.invalid_rows == [2, 4]
    assert result.valid["row_no"].to_list() == [3]
    assert not result.ok


def test_bad_payment_values():
    result = payments(
        payment(utbetalningsdatum=""),
        payment(belopp="-5"),
        payment(belopp=""),
        payment(andamal=""),
        payment(utbetalningsdatum="2025-02-29"),
        payment(boendedygn="-3"),
        payment(kon="okänt värde"),
    )
    assert [(i.row, i.column, i.reason) for i in result.issues] == [
        (2, "utbetalningsdatum", "obligatoriskt värde saknas"),
        (3, "belopp", "värdet får inte vara negativt"),
        (4, "belopp", "obligatoriskt värde saknas"),
        (5, "andamal", "obligatoriskt värde saknas"),
        (6, "utbetalningsdatum", "ogiltigt datum (ska vara ÅÅÅÅ-MM-DD)"),
        (7, "boendedygn", "värdet får inte vara negativt"),
    ]
    assert result.valid["row_no"].to_list() == [8]
    assert result.valid["sex"].to_list() == ["okänt"]


def test_bad_debt_case_values():
    bad = bad_check_digit(N)
    data = csv(DEBT, [f"{N};;2025-01-01;J", f"{N}x;;2025-01-01;kanske", f"A2;{bad};;ja", "A3;;2025-01-01;",
                      ";;2025-01-01;nej"])
    result = read_extract("skuldradgivning", data, today=TODAY)
    assert [(i.row, i.column, i.value, i.reason) for i in result.issues] == [
        (3, "hyresskuld", "kanske", "ska vara ja eller nej"),
        (4, "person_id", mask_person_id(bad), "kontrollsiffran stämmer inte"),
        (4, "inkommet_datum", None, "obligatoriskt värde saknas"),
        (5, "hyresskuld", None, "obligatoriskt värde saknas"),
        (6, "arende_id", None, "obligatoriskt värde saknas"),
    ]
    assert result.valid["rent_debt"].to_list() == [True]
    assert result.valid["case_id"].to_list() == [N]  # kept as given (in memory only)
    assert_never_shown(result.issues, N, bad)


# --------------------------------------------------------------------------------------------
# duplicates and row identity


def test_duplicates_within_a_file():
    a, b = stay(pnr(0)), stay(pnr(1))
    result = stays(a, b, a, a, stay(pnr(0), kostnad="1"))
    assert result.duplicate_rows == [4, 5]
    assert result.invalid_rows == []
    assert result.valid["row_no"].to_list() == [2, 3, 6]
    assert result.valid["row_hash"].n_unique() == 3


def test_invalid_repeated_rows_are_refused_not_counted_as_duplicates():
    bad = stay(startdatum="fel")
    result = stays(bad, bad)
    assert result.invalid_rows == [2, 3]
    assert result.duplicate_rows == []
    assert [i.row for i in result.issues] == [2, 3]


def test_row_hash_ignores_column_order_and_unknown_columns_but_not_content():
    one = read_extract("utbetalningar", csv("person_id;utbetalningsdatum;belopp;andamal",
                                            [f"{pnr(0)};2025-01-01;100;Hotell"]), today=TODAY)
    two = read_extract("utbetalningar", csv("andamal;extra;belopp;utbetalningsdatum;person_id",
                                            [f"Hotell;z;100;2025-01-01;{pnr(0)}"]), today=TODAY)
    three = read_extract("utbetalningar", csv("person_id;utbetalningsdatum;belopp;andamal",
                                              [f"{pnr(0)};2025-01-01;100,00;Hotell"]), today=TODAY)
    assert one.valid["row_hash"][0] == two.valid["row_hash"][0]
    assert one.valid["row_hash"][0] != three.valid["row_hash"][0]  # hashed as read, not as parsed


def test_blank_rows_keep_excel_numbering_in_issues():
    data = csv(STAYS, [stay(), ";" * 15, stay(startdatum="x")])
    result = read_extract("insatser", data, today=TODAY)
    assert result.rows_read == 2
    assert [i.row for i in result.issues] == [4]


def test_unknown_kind():
    with pytest.raises(ValueError):
        read_extract("okänt", csv("a", ["1"]))


def test_excel_midnight_text_is_a_date():
    result = stays(stay(startdatum="2025-01-10 00:00:00", slutdatum="2025-01-11 12:00:00"))
    assert [(i.column, i.value) for i in result.issues] == [("slutdatum", "2025-01-11 12:00:00")]


def test_empty_extract_gives_empty_frame_with_schema():
    result = read_extract("insatser", csv(STAYS, []), today=TODAY)
    assert result.valid.height == 0 and result.rows_read == 0
    assert dict(result.valid.schema) == VALIDATED["insatser"]
    assert isinstance(result.valid, pl.DataFrame)


def test_excel_number_cell_keeps_a_personnummer_born_in_the_2000s(tmp_path):
    """Excel drops the leading zero of 0501012397; the person must stay a personnummer."""
    import xlsxwriter

    from tests.fixtures.extracts import skatteverket_numbers

    number = next(n for n in skatteverket_numbers() if n.startswith("2005"))
    client_id = 123456789  # a 9-digit client id that is no personnummer when padded stays as it is
    path = tmp_path / "insatser.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, name in enumerate(["person_id", "id_typ", "enhet", "insats", "startdatum"]):
        sheet.write(0, col, name)
    sheet.write_number(1, 0, int(number[2:]))  # what Excel keeps of "0501012397"
    sheet.write_row(1, 1, ["", "E", "Hotell", "2025-01-01"])
    sheet.write_number(2, 0, client_id)
    sheet.write_row(2, 1, ["klient", "E", "Hotell", "2025-01-01"])
    book.close()
    result = read_extract("insatser", path, today=TODAY)
    assert not result.issues
    first, second = result.valid.sort("row_no").iter_rows(named=True)
    assert (first["person_id"], first["id_kind"]) == (number, "pnr")
    assert first["birth_date"].year == 2005
    assert (second["person_id"], second["id_kind"]) == (str(client_id), "annat")


def test_row_hash_is_keyed_blake2b_of_the_cells_as_read_in_definition_order():
    """The stored row digests of earlier imports must keep matching (overlap warnings), so the
    digest is pinned to its definition, computed here with hashlib on its own."""
    import hashlib

    from boendeinventering.core.ingest import extracts

    key = bytes(range(32))
    rows = [f"{pnr(i)};2025-01-0{i + 1};{100 + i},50;Hotell Åby" for i in range(3)]
    result = read_extract("utbetalningar", csv("person_id;utbetalningsdatum;belopp;andamal", rows),
                          today=TODAY, row_key=key)
    names = extracts.EXTRACTS["utbetalningar"].names
    expected = []
    for row in rows:
        cells = dict(zip(["person_id", "utbetalningsdatum", "belopp", "andamal"], row.split(";")))
        text = "\x1f".join(["utbetalningar"] + [cells.get(n, "") for n in names])
        expected.append(hashlib.blake2b(text.encode(), digest_size=16, key=key).hexdigest())
    assert result.valid["row_hash"].to_list() == expected


def test_row_digests_hashed_beside_the_validation_equal_hashlib_in_every_hash_slice(monkeypatch):
    """The digests are computed in a worker thread, in slices of _HASH_SLICE rows: all of them, in
    row order, whatever else the row has (an invalid or repeated row keeps its place)."""
    import hashlib

    from boendeinventering.core.ingest import extracts, validate

    monkeypatch.setattr(validate, "_HASH_SLICE", 2)
    key = bytes(range(32))
    rows = [f"{pnr(i)};2025-01-0{i + 1};{100 + i},50;Hotell" for i in range(5)]
    rows[2] = f"{pnr(2)};2025-02-30;1;Hotell"  # invalid date
    rows.append(rows[0])  # a repeat, left out as a duplicate
    result = read_extract("utbetalningar", csv("person_id;utbetalningsdatum;belopp;andamal", rows),
                          today=TODAY, row_key=key)
    names = extracts.EXTRACTS["utbetalningar"].names
    expected = {}
    for row_no, row in enumerate(rows, start=2):
        cells = dict(zip(["person_id", "utbetalningsdatum", "belopp", "andamal"], row.split(";")))
        text = "\x1f".join(["utbetalningar"] + [cells.get(n, "") for n in names])
        expected[row_no] = hashlib.blake2b(text.encode(), digest_size=16, key=key).hexdigest()
    assert result.invalid_rows == [4] and result.duplicate_rows == [7]
    assert dict(zip(result.valid["row_no"], result.valid["row_hash"])) == {
        n: d for n, d in expected.items() if n not in (4, 7)}


def test_an_error_while_hashing_rows_surfaces_from_the_validation(monkeypatch):
    from boendeinventering.core.ingest import validate

    def broken(*args):
        raise MemoryError("inget minne kvar")

    monkeypatch.setattr(validate, "_row_hashes", broken)
    with pytest.raises(MemoryError, match="inget minne kvar"):
        payments(payment())


def test_an_error_in_the_validation_surfaces_while_rows_are_hashed(monkeypatch):
    from boendeinventering.core.ingest import validate

    def broken(*args):
        raise RuntimeError("trasig kontroll")

    monkeypatch.setattr(validate, "_fired_checks", broken)
    with pytest.raises(RuntimeError, match="trasig kontroll"):
        payments(payment())
