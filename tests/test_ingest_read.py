"""Reading extract files: formats, encodings, and files that must be refused (SPEC 5)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from tests.fixtures.extracts import pnr
from boendeinventering.core.ingest import IngestError, read_extract, read_table
from boendeinventering.core.ingest import read as read_module
from boendeinventering.core.ingest.read import NOT_CSV_OR_XLSX

TODAY = dt.date(2026, 1, 15)


def reasons(exc: IngestError) -> list[str]:
    return [i.reason for i in exc.issues]


# --------------------------------------------------------------------------------------------
# CSV variants


def test_cp1252_semicolon_decimal_comma_and_nbsp_thousands(tmp_path):
    text = (
        "person_id;enhet;insats;startdatum;kostnad\r\n"
        f"{pnr(0)};Mottagning Åby;Härbärge;2025-01-02;12\u00a0345,50\r\n"
        f"{pnr(1)};Mottagning Åby;Härbärge;2025-01-03;1 234\r\n"
    )
    path = tmp_path / "insatser.csv"
    path.write_bytes(text.encode("cp1252"))
    raw = read_table(path)
    assert raw.encoding == "cp1252"
    assert raw.delimiter == ";"
    assert raw.file_kind == "csv"
    assert raw.frame["enhet"].to_list() == ["Mottagning Åby"] * 2
    assert raw.frame["kostnad"].to_list() == ["12\u00a0345,50", "1 234"]
    assert all(dtype == pl.Utf8 for dtype in raw.frame.dtypes)

    result = read_extract("insatser", path, today=TODAY)
    assert result.issues == []
    assert result.valid["cost"].to_list() == [12345.5, 1234.0]
    assert result.valid["insats"].to_list() == ["Härbärge"] * 2


def test_latin1_only_bytes_fall_back_to_latin1():
    # 0x81 is undefined in cp1252; latin-1 maps every byte
    raw = read_table(b"enhet;insats\nA\x81;B\xe5\n")
    assert raw.encoding == "latin-1"
    assert raw.frame["insats"].to_list() == ["Bå"]


def test_utf8_with_bom_and_comma_and_quotes(tmp_path):
    text = (
        "Person_ID,enhet,insats,startdatum,kostnad\n"
        f'{pnr(0)},"Enhet norr, Älvsby","Hotell ""Stjärnan""",2025-02-01,12345.5\n'
    )
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    raw = read_table(path)
    assert raw.encoding == "utf-8-sig"
    assert raw.delimiter == ","
    assert raw.columns_as_given[0] == "Person_ID"
    assert raw.frame.columns[0] == "person_id"
    assert raw.frame.row(0) == (pnr(0), "Enhet norr, Älvsby", 'Hotell "Stjärnan"', "2025-02-01", "12345.5")


def test_utf8_without_bom_is_detected():
    raw = read_table("enhet;insats\nÖstra;Härbärge\n".encode())
    assert raw.encoding == "utf-8"
    assert raw.frame["enhet"].to_list() == ["Östra"]


def test_forced_encoding_and_delimiter():
    # "Ã¥" in cp1252 is the UTF-8 byte pair of "å": valid UTF-8, so detection says utf-8
    data = "enhet,insats\nÃ¥;x,y\n".encode("cp1252")
    assert read_table(data).frame["enhet"].to_list() == ["å;x"]
    forced = read_table(data, encoding="cp1252")
    assert forced.encoding == "cp1252"
    assert forced.frame["enhet"].to_list() == ["Ã¥;x"]
    semi = read_table(b"a;b\n1;5\n", delimiter=",")
    assert semi.delimiter == ","
    assert semi.frame.columns == ["a;b"]
    assert semi.frame["a;b"].to_list() == ["1;5"]


def test_forced_utf8_on_cp1252_file_is_refused():
    with pytest.raises(IngestError) as exc:
        read_table("enhet\nÅby\n".encode("cp1252"), encoding="utf-8")
    assert "teckenkodningen utf-8" in exc.value.issues[0].reason


def test_unknown_forced_encoding():
    with pytest.raises(IngestError) as exc:
        read_table(b"a\n1\n", encoding="ebcdic")
    assert "okänd teckenkodning" in reasons(exc.value)[0]


def test_headers_are_case_and_space_insensitive_and_cells_stripped():
    raw = read_table(b" PERSON_ID ;Enhet ; Start Datum\n  x  ;\t;  \n")
    assert raw.frame.columns == ["person_id", "enhet", "start_datum"]
    assert raw.columns_as_given == ["PERSON_ID", "Enhet", "Start Datum"]
    assert raw.frame.row(0) == ("x", None, None)


def test_blank_rows_are_dropped_but_keep_their_row_numbers():
    raw = read_table(b"a;b\r\n1;2\r\n\r\n;\r\n3;4\r\n\r\n")
    assert raw.frame.rows() == [("1", "2"), ("3", "4")]
    assert raw.row_numbers.to_list() == [2, 5]


def test_quoted_line_break_counts_as_one_row():
    raw = read_table(b'a;b\n"two\nlines";2\nx;y\n')
    assert raw.frame["a"].to_list() == ["two\nlines", "x"]
    assert raw.row_numbers.to_list() == [2, 3]


# --------------------------------------------------------------------------------------------
# Excel


def _xlsx(path: Path, rows: list[list], date_cells: dict[tuple[int, int], dt.date] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Blad1")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    for (r, c), value in (date_cells or {}).items():
        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
    wb.add_worksheet("Annat").write(0, 0, "ignoreras")
    wb.close()
    return path


def test_xlsx_first_sheet_dates_numbers_and_text(tmp_path):
    path = _xlsx(
        tmp_path / "insatser.xlsx",
        [
            [" Person_ID", "ENHET", "insats", "startdatum", "slutdatum", "kostnad", "antal_barn"],
            [pnr(0), "Enhet A", "Hotell", None, "2025-03-31", 1234.5, 2],
            [int(pnr(1)), "Enhet A", "Hotell", "2025-02-01", None, 1000, None],
        ],
        {(1, 3): dt.date(2025, 3, 1), (2, 4): dt.date(2025, 2, 28)},
    )
    raw = read_table(path)
    assert raw.file_kind == "xlsx"
    assert raw.delimiter is None
    assert raw.frame.columns == ["person_id", "enhet", "insats", "startdatum", "slutdatum", "kostnad", "antal_barn"]
    assert raw.frame["startdatum"].to_list() == ["2025-03-01", "2025-02-01"]
    assert raw.frame["slutdatum"].to_list() == ["2025-03-31", "2025-02-28"]
    assert raw.frame["kostnad"].to_list() == ["1234.5", "1000"]
    assert raw.frame["antal_barn"].to_list() == ["2", None]
    assert raw.frame["person_id"].to_list() == [pnr(0), pnr(1)]

    result = read_extract("insatser", path, today=TODAY)
    assert result.issues == []
    assert result.valid["start_date"].to_list() == [dt.date(2025, 3, 1), dt.date(2025, 2, 1)]
    assert result.valid["end_date"].to_list() == [dt.date(2025, 3, 31), dt.date(2025, 2, 28)]
    assert result.valid["cost"].to_list() == [1234.5, 1000.0]


def test_xlsx_detected_by_content_not_name(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", [["enhet"], ["x"]])
    raw = read_table(path.read_bytes(), file_name="export.csv")
    assert raw.file_kind == "xlsx"
    assert raw.frame["enhet"].to_list() == ["x"]


def test_xlsx_name_but_not_a_zip():
    with pytest.raises(IngestError) as exc:
        read_table(b"enhet\nx\n", file_name="fil.xlsx")
    assert reasons(exc.value) == [NOT_CSV_OR_XLSX]


def test_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hej")
    with pytest.raises(IngestError) as exc:
        read_table(buf.getvalue())
    assert reasons(exc.value) == [NOT_CSV_OR_XLSX]


def test_old_xls_is_refused_with_advice():
    with pytest.raises(IngestError) as exc:
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".xls" in reasons(exc.value)[0] and ".xlsx (utan lösenord) eller CSV" in reasons(exc.value)[0]


def test_text_export_named_xls_is_read_as_csv():
    # several case systems export "Excel" files that are really semicolon-separated text
    raw = read_table("enhet;insats\nA;Hotell\n".encode("cp1252"), file_name="export.xls")
    assert raw.file_kind == "csv" and raw.frame["insats"].to_list() == ["Hotell"]


def _bomb(member_size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * member_size)
    return buf.getvalue()


def test_zip_bomb_refused_by_declared_size():
    data = _bomb(20_000_000)
    assert len(data) < 100_000  # 20 MB of zeros compress to almost nothing
    with pytest.raises(IngestError) as exc:
        read_table(data, max_bytes=1_000_000)
    assert "för stor uppackad" in reasons(exc.value)[0]


def test_zip_with_lying_declared_size_is_refused():
    data = bytearray(_bomb(2_000_000))
    name = b"xl/worksheets/sheet1.xml"
    # shrink the declared uncompressed size in the local header and the central directory:
    # (signature, offset of the name's length, of the name, of the uncompressed size)
    for signature, name_len_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        at = data.find(signature)
        while at >= 0:
            name_len = struct.unpack_from("<H", data, at + name_len_at)[0]
            if bytes(data[at + name_at : at + name_at + name_len]) == name:
                struct.pack_into("<I", data, at + size_at, 1000)
            at = data.find(signature, at + 4)
    with pytest.raises(IngestError) as exc:
        read_table(bytes(data), max_bytes=100_000)
    assert "skadad" in reasons(exc.value)[0]


def test_real_xlsx_refused_when_unpacked_size_exceeds_limit(tmp_path):
    data = _xlsx(tmp_path / "a.xlsx", [["enhet"], ["x"]]).read_bytes()
    with pytest.raises(IngestError) as exc:
        read_table(data, max_bytes=len(data) + 10)
    assert "för stor uppackad" in reasons(exc.value)[0]


# --------------------------------------------------------------------------------------------
# refused files


def test_empty_file(tmp_path):
    for content in (b"", b"  \r\n\n", b"\xef\xbb\xbf"):
        path = tmp_path / "tom.csv"
        path.write_bytes(content)
        with pytest.raises(IngestError) as exc:
            read_table(path)
        assert reasons(exc.value) == ["filen är tom"]


def test_no_header():
    with pytest.raises(IngestError) as exc:
        read_table(b";;\n1;2;3\n")
    issue = exc.value.issues[0]
    assert issue.row == 1 and "rubrikrad saknas" in issue.reason


def test_binary_garbage():
    garbage = bytes(range(256)) * 40
    with pytest.raises(IngestError) as exc:
        read_table(garbage, file_name="data.csv")
    assert reasons(exc.value) == [NOT_CSV_OR_XLSX]
    assert str(exc.value) == "Filen är varken en CSV-fil eller en Excel-fil (.xlsx)"


def test_utf16_export_gets_advice():
    with pytest.raises(IngestError) as exc:
        read_table("enhet;insats\r\nA;B\r\n".encode("utf-16"))
    assert "UTF-16" in reasons(exc.value)[0]


def test_control_characters_without_nul_are_binary():
    with pytest.raises(IngestError) as exc:
        read_table(b"a;b\n" + bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 200)
    assert reasons(exc.value) == [NOT_CSV_OR_XLSX]


def test_duplicate_column_names():
    with pytest.raises(IngestError) as exc:
        read_table(b"Person_ID;enhet;person_id \n1;2;3\n")
    issue = exc.value.issues[0]
    assert issue.row == 1 and issue.column == "person_id"
    assert "finns flera gånger" in issue.reason and "1 och 3" in issue.reason


def test_ragged_rows_are_named():
    data = b"a;b;c\n1;2;3\n1;2;3;4\n1;2\n\n1;2;3\n"
    with pytest.raises(IngestError) as exc:
        read_table(data)
    assert [(i.row, i.reason) for i in exc.value.issues] == [
        (3, "raden har 4 fält men rubrikraden har 3 (kontrollera avgränsaren ';' och citattecken)"),
        (4, "raden har 2 fält men rubrikraden har 3 (kontrollera avgränsaren ';' och citattecken)"),
    ]
    assert str(exc.value).startswith("Rad 3: raden har 4 fält")


def test_ragged_row_after_quoted_separator_and_line_break():
    data = b'a;b\n"x;\ny";2\n1;2;3\n'
    with pytest.raises(IngestError) as exc:
        read_table(data)
    assert [i.row for i in exc.value.issues] == [3]


def test_unnamed_column_with_values_is_refused_but_trailing_separator_is_fine():
    ok = read_table(b"a;b;\n1;2;\n3;4;\n")
    assert ok.frame.columns == ["a", "b"]
    with pytest.raises(IngestError) as exc:
        read_table(b"a;;c\n1;;3\n4;5;6\n")
    assert "kolumn nr 2 har ingen rubrik" in reasons(exc.value)[0]
    assert "rad 3" in reasons(exc.value)[0]


def test_file_larger_than_max_bytes(tmp_path):
    data = b"a;b\n" + b"1;2\n" * 100
    path = tmp_path / "stor.csv"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(IngestError) as exc:
            read_table(source, max_bytes=100)
        assert reasons(exc.value)[0].startswith("filen är för stor (404 byte; högst 100 byte")


def test_too_many_columns():
    header = ";".join(f"k{i}" for i in range(201))
    with pytest.raises(IngestError) as exc:
        read_table((header + "\n" + ";" * 200 + "x\n").encode())
    assert reasons(exc.value) == ["filen har 201 kolumner; högst 200 tillåts"]
    assert read_table((";".join(f"k{i}" for i in range(200)) + "\n").encode()).frame.width == 200


def test_cell_longer_than_limit_is_named():
    long_cell = "x" * 10_001
    with pytest.raises(IngestError) as exc:
        read_table(f"a;b\n1;2\n3;{long_cell}\n".encode())
    issue = exc.value.issues[0]
    assert (issue.row, issue.column, issue.value) == (3, "b", None)
    assert "för lång" in issue.reason
    assert long_cell not in str(exc.value)
    assert read_table(f"a;b\n1;{'x' * 10_000}\n".encode()).frame["b"][0] == "x" * 10_000


def test_enormous_line_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(read_module, "MAX_LINE_BYTES", 1_000)
    with pytest.raises(IngestError) as exc:
        read_table(b"a;b\n1;2\n" + b"y" * 5_000 + b"\n")
    issue = exc.value.issues[0]
    assert issue.row == 3 and "orimligt lång" in issue.reason
    with pytest.raises(IngestError) as exc:  # no line break at all
        read_table(b"a" * 5_000)
    assert exc.value.issues[0].row == 1


def test_malformed_quotes():
    with pytest.raises(IngestError) as exc:
        read_table(b'a;b\nab"c;d\n')
    assert "kunde inte tolkas som CSV" in reasons(exc.value)[0]


def test_unreadable_path(tmp_path):
    with pytest.raises(IngestError) as exc:
        read_table(tmp_path / "finns-inte.csv")
    assert reasons(exc.value)[0].startswith("filen kunde inte läsas")


# --------------------------------------------------------------------------------------------
# the vectorised search for UTF-8 characters agrees with the regular expression it replaced

_UTF8_SEQUENCE_REGEX = __import__("re").compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _regex_first_utf8(data: bytes) -> int | None:
    match = _UTF8_SEQUENCE_REGEX.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    return match.start() if match else None


@pytest.mark.parametrize("seed", range(40))
def test_first_utf8_sequence_matches_the_regular_expression(seed, monkeypatch):
    import random

    monkeypatch.setattr(read_module, "_DECODE_CHUNK", 16)  # many chunk boundaries in a short text
    rng = random.Random(seed)
    # mostly ASCII and Windows-1252 letters, now and then the bytes of a real UTF-8 character
    pieces = [b"a", b";", b"\xe5", b"\xe4", b"\xf6", b"\xc5\x0a", b"\x80", b"\xc3", b"\xe2\x82"]
    data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
    if rng.random() < 0.5:
        cut = rng.randint(0, len(data))
        data = data[:cut] + rng.choice(["å", "€", "𝄞"]).encode() + data[cut:]
    if seed % 7 == 0:
        data = b"\xef\xbb\xbf" + data
    assert read_module._first_utf8_sequence(data) == _regex_first_utf8(data)
