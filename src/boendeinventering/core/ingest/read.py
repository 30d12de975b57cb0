"""Read an extract file (CSV or .xlsx) into a table of text cells (SPEC 5).

Nothing is interpreted here: every cell stays text (stripped, empty -> null) so that the
validation step can name the exact value a user typed. What this module guards against is a
file that cannot be trusted as a whole: wrong format, broken structure, absurd sizes, and
hostile files (zip bombs, one enormous line) that could exhaust the machine.
"""

from __future__ import annotations

import io
import pathlib
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..personnummer import mask_in_text
from ..taxonomy import FILE_ENCODINGS
from .issues import IngestError, Issue

MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# A legitimate record is at most MAX_COLUMNS cells of MAX_CELL_CHARS characters (4 bytes each in
# UTF-8, doubled quotes at worst). A longer line cannot be valid; refusing it before decoding
# keeps a hostile 1 GB line from being copied around several times.
MAX_LINE_BYTES = MAX_COLUMNS * (MAX_CELL_CHARS * 8 + 3)
MAX_ZIP_ENTRIES = 10_000
MAX_LISTED_ROW_ISSUES = 100  # ragged rows etc.: enough to see the pattern without a flood

ENCODINGS = FILE_ENCODINGS
_ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf_8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "utf_8_sig": "utf-8-sig",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "win1252": "cp1252",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
}

NOT_CSV_OR_XLSX = "filen är varken en CSV-fil eller en Excel-fil (.xlsx)"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls / other Office binary formats
_EXCEL_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one file may cost, so that no import can exhaust the machine (issue 8).

    The defaults are far above a large city's year (about 500 000 rows) and hold every
    municipality's payments of a year (about 10 million rows, issue 12); the settings
    BOINV_MAX_ROWS, BOINV_MAX_UNPACKED_MB and BOINV_MAX_ZIP_RATIO change them."""

    max_rows: int = 12_000_000
    # an .xlsx's parts together, unpacked: an XML sheet is several times its CSV
    max_unpacked_bytes: int = 600_000_000
    # unpacked / packed size of a part; a real sheet compresses 5-20 times, a zip bomb thousands
    max_zip_ratio: float = 100.0
    # parts smaller than this are not held to the ratio (small XML of repeated tags compresses well)
    ratio_min_bytes: int = 1_000_000
    # kronor per row (kostnad, belopp); checked by the validator
    max_amount: float = 10_000_000.0
    # a CSV that cannot be read in slices (quotes inside fields) is read whole, at 7-9 times its
    # size in memory; larger ones are refused (docs/benchmarks.md)
    max_whole_csv_bytes: int = 250_000_000


@dataclass
class RawTable:
    frame: pl.DataFrame  # all Utf8; normalised header names; cells stripped, "" -> null
    columns_as_given: list[str]
    encoding: str  # "utf-8" | "utf-8-sig" | "cp1252" | "latin-1" ("utf-8" for xlsx)
    delimiter: str | None  # None for xlsx
    file_kind: str  # "csv" | "xlsx"
    # Excel row number of each frame row (header = 1). Fully blank rows are left out of
    # ``frame`` but keep their place in the numbering. None means "2, 3, 4, ...".
    row_numbers: pl.Series | None = field(default=None)

    def __post_init__(self) -> None:
        if self.row_numbers is None:
            self.row_numbers = pl.int_range(2, self.frame.height + 2, eager=True, dtype=pl.Int64)
        self.row_numbers = self.row_numbers.cast(pl.Int64).alias("row_no")


def normalise_column_name(name: str) -> str:
    """Header names are matched case- and space-insensitively ("Person ID " -> "person_id")."""
    name = name.replace("\ufeff", "").strip().lower()
    return re.sub(r"\s+", "_", name)


def read_table(source: pathlib.Path | str | bytes, **options: Any) -> RawTable:
    """The whole file as one table; `options` as for read_table_slices (file_name, encoding,
    delimiter, max_bytes, limits)."""
    return next(read_table_slices(source, **options, slice_rows=None))


def read_table_slices(
    source: pathlib.Path | str | bytes,
    *,
    file_name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = 2_000_000_000,
    limits: ReadLimits | None = None,
    slice_rows: int | None = None,
) -> Iterator[RawTable]:
    """The file as tables of at most `slice_rows` records each (None: one table), in file order,
    with the file's own row numbers and the same header in every slice (issue 12: a file far
    larger than its table fits in memory this way).

    Checks that must see the whole file (size, encoding, line lengths, record structure, ragged
    rows, header) run before the first slice. An .xlsx, and a CSV whose quotes are not plain
    RFC 4180 quoting (where the record breaks could be read differently), come as one table."""
    limits = limits or ReadLimits()
    data, name = _load(source, file_name, max_bytes)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise IngestError("filen är tom")
    suffix = pathlib.PurePath(name).suffix.lower() if name else ""
    if data.startswith(_OLE_MAGIC):
        # also what a password-protected .xlsx looks like (an encrypted OLE container)
        raise IngestError(
            "filen är i det gamla Excel-formatet (.xls), lösenordsskyddad eller i ett annat binärt "
            "format; spara den som .xlsx (utan lösenord) eller CSV"
        )
    if data.startswith(_ZIP_MAGIC):
        yield _read_xlsx(data, max_bytes, limits)
        return
    if suffix in (".xlsx", ".xlsm"):
        raise IngestError(NOT_CSV_OR_XLSX)
    # handed over, not shared: the reader lets go of the file's bytes as soon as it can
    box = [data]
    del data
    yield from _read_csv_slices(box, encoding, delimiter, limits, slice_rows)


# --------------------------------------------------------------------------------------------
# loading


def _load(source: pathlib.Path | str | bytes, file_name: str | None, max_bytes: int) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise IngestError(_too_large(len(data), max_bytes))
        return data, file_name
    path = pathlib.Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(_too_large(size, max_bytes))
        with path.open("rb") as fh:
            # read one byte more than allowed: the file may have grown since stat()
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"filen kunde inte läsas ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise IngestError(_too_large(len(data), max_bytes))
    return data, file_name or path.name


def _too_large(size: int, max_bytes: int) -> str:
    shown, limit = _human(size), _human(max_bytes)
    if shown == limit:  # "250,0 MB; högst 250,0 MB" would puzzle anyone
        shown, limit = f"{_thousands(size)} byte", f"{_thousands(max_bytes)} byte"
    return f"filen är för stor ({shown}; högst {limit} tillåts)"


def _too_many_rows(rows: int, max_rows: int) -> str:
    return (f"filen har för många rader ({_thousands(rows)}; högst {_thousands(max_rows)} tillåts). "
            "Dela upp uttaget, t.ex. per halvår")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _human(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB".replace(".", ",")
    if n >= 1_000:
        return f"{n / 1_000:.1f} kB".replace(".", ",")
    return f"{n} byte"


# --------------------------------------------------------------------------------------------
# CSV


def _read_csv_slices(box: list[bytes], encoding: str | None, delimiter: str | None, limits: ReadLimits,
                     slice_rows: int | None) -> Iterator[RawTable]:
    """The CSV in `box` in slices of records (see read_table_slices); `box` is emptied."""
    data = box.pop()
    lines = _checked_bytes(data, limits.max_rows)
    if slice_rows is None or lines - 1 <= slice_rows:
        box.append(data)
        del data
        yield _read_csv(box, encoding, delimiter, limits.max_rows)
        return
    used_encoding = _detected_encoding(data, encoding)
    sep = _delimiter(_header_text(data, used_encoding), delimiter)
    irregular = _irregular_quote(data, sep)
    if irregular is not None:
        if len(data) > limits.max_whole_csv_bytes:
            raise IngestError(Issue(_line_of(data, irregular), None, None, (
                f"raden har citattecken (\") mitt i ett fält, och en så stor fil ({_human(len(data))}) kan då inte "
                f"läsas i delar; högst {_human(limits.max_whole_csv_bytes)} tillåts för sådana filer. Spara om "
                "uttaget som CSV från Excel eller verksamhetssystemet (då citeras fält korrekt), eller dela upp det")))
        box.append(data)
        del data
        yield _read_csv(box, encoding, delimiter, limits.max_rows)
        return
    ends, counts = _records(data, sep)
    width = int(counts[0])

    def blank(idx: np.ndarray) -> np.ndarray:
        return np.array([_record_is_blank(data, ends, int(i), sep) for i in idx], dtype=bool)

    _refuse_ragged(counts, width, sep, blank)
    header = [v if v is not None else "" for v in _parsed(_utf8(data[:ends[0]], used_encoding), sep, width).row(0)]
    for first in range(1, ends.size, slice_rows):
        last = min(first + slice_rows, ends.size)
        body = _parsed(_utf8(data[ends[first - 1]:ends[last - 1]], used_encoding), sep, width)
        if body.height != last - first:  # cannot happen with plain quotes; refused rather than misread
            raise IngestError(_unparsable(data, sep, "radbrytningar"))
        yield _finished(header, body, used_encoding, sep, "csv", first_row=first + 1)


def _read_csv(box: list[bytes], encoding: str | None, delimiter: str | None, max_rows: int = 10_000_000) -> RawTable:
    """`box` holds the file's bytes and is emptied: memory is what bounds the largest file that
    can be read (issue 8 item 6), so every copy is dropped as soon as the next step has its own."""
    data = box.pop()
    _checked_bytes(data, max_rows)
    # Decoded in chunks and kept as UTF-8 bytes: a whole-file str would cost up to four bytes
    # per character on top of the file (issue 8: a 500 MB file peaked at 4.3 GB).
    utf8, used_encoding = _decode(data, encoding)
    sep = _delimiter(_header_text(data, used_encoding), delimiter)
    del data  # an 8-bit file lives on as its UTF-8 copy; a UTF-8 file is that copy
    try:
        frame = pl.read_csv(
            utf8,
            has_header=False,
            separator=sep,
            quote_char='"',
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        raise IngestError(_unparsable(utf8, sep, "avgränsare")) from None
    if frame.height == 0:
        raise IngestError("filen är tom")
    counts = _field_counts(utf8, sep, frame.height)
    del utf8

    def blank(idx: np.ndarray, table: pl.DataFrame = frame) -> np.ndarray:
        return _blank_rows(table).gather(idx).to_numpy()

    _refuse_ragged(counts.to_numpy(), frame.width, sep, blank)
    del blank
    box_frame = [frame]
    del frame
    return _finish(box_frame, used_encoding, sep, "csv")


def _checked_bytes(data: bytes, max_rows: int) -> int:
    """Refuse what is no text file or too large a one; return the number of lines."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(
            "filen är sparad som UTF-16 (Unicode-text); spara den som CSV (UTF-8) eller CSV (semikolonavgränsad)"
        )
    if b"\x00" in data or _looks_binary(data[:65536]):
        raise IngestError(NOT_CSV_OR_XLSX)
    lines = _check_line_lengths(data)
    if lines > max_rows + 1:  # + the header
        raise IngestError(_too_many_rows(lines - 1, max_rows))
    return lines


def _header_text(data: bytes, encoding: str) -> str:
    end = data.find(b"\n", 0, MAX_LINE_BYTES + 1)
    return data[: end if end >= 0 else len(data)].decode(encoding, errors="replace").lstrip("\ufeff")


def _refuse_ragged(counts: np.ndarray, width: int, sep: str, blank: Callable[[np.ndarray], np.ndarray]) -> None:
    """Refuse records with another number of fields than the header (row = record index + 1).
    A blank line (or one of separators only) is not ragged: it is skipped later. `blank` tells
    which of the given record indexes are blank; it is only asked when some record is ragged."""
    candidates = np.flatnonzero(counts != width)
    if not candidates.size:
        return
    idx = [int(i) for i in candidates[~blank(candidates).astype(bool)]]
    if not idx:
        return
    issues = [
        Issue(i + 1, None, None,
              f"raden har {counts[i]} fält men rubrikraden har {width} "
              f"(kontrollera avgränsaren '{sep}' och citattecken)")
        for i in idx[:MAX_LISTED_ROW_ISSUES]
    ]
    if len(idx) > MAX_LISTED_ROW_ISSUES:
        more = len(idx) - MAX_LISTED_ROW_ISSUES
        issues.append(Issue(None, None, None, f"ytterligare {more} rader har fel antal fält"))
    raise IngestError(issues)


def _record_is_blank(data: bytes, ends: np.ndarray, i: int, sep: str) -> bool:
    start = int(ends[i - 1]) if i else 0
    return not data[start:int(ends[i])].strip(b' \t\r\n"' + sep.encode())


def _utf8(data: bytes, encoding: str) -> bytes:
    return data if encoding in ("utf-8", "utf-8-sig") else _transcode(data, encoding)


def _parsed(utf8: bytes, sep: str, width: int) -> pl.DataFrame:
    """Records as text columns column_0 .. column_{width-1}; a short record is padded with nulls."""
    return pl.read_csv(utf8, has_header=False, separator=sep, quote_char='"',
                       schema={f"column_{i}": pl.Utf8 for i in range(width)}, missing_columns="insert",
                       truncate_ragged_lines=True, raise_if_empty=False)


def _irregular_quote(data: bytes, sep: str) -> int | None:
    """Offset of the first quote character that is not RFC 4180 quoting, or None when all are: an
    opening quote starts a field, a closing one ends it, a doubled one stands for a quote. Then a
    line break is inside a field exactly when an odd number of quotes precede it, so the record
    breaks found on the bytes are the parser's, and slices cut there parse as the whole file
    would. Anything else (a quote in the middle of a field; an unclosed quote, reported at the
    last quote) is read whole, as before slicing."""
    arr = np.frombuffer(data, dtype=np.uint8)
    sep_byte, seen, chunk, last = ord(sep), 0, 1 << 22, None
    for start in range(0, len(data), chunk):
        quotes = np.flatnonzero(arr[start:start + chunk] == 34) + start
        if not quotes.size:
            continue
        before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], 10)
        after = np.where(quotes + 1 < len(data), arr[np.minimum(quotes + 1, len(data) - 1)], 10)
        opening = (np.arange(quotes.size) + seen) % 2 == 0
        opens_ok = (before == sep_byte) | (before == 10) | (before == 34)
        closes_ok = (after == sep_byte) | (after == 10) | (after == 13) | (after == 34)
        wrong = np.flatnonzero(~np.where(opening, opens_ok, closes_ok))
        if wrong.size:
            return int(quotes[wrong[0]])
        seen += quotes.size
        last = int(quotes[-1])
    return last if seen % 2 else None


def _looks_binary(head: bytes) -> bool:
    # Text files hold tabs and line breaks, not other control characters; a few stray ones
    # are tolerated (some exporters leave a form feed), a binary file has many.
    control = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    return control > max(8, len(head) // 100)


def _check_line_lengths(data: bytes) -> int:
    """Refuse an absurdly long line; return the number of lines.

    Chunked so that a 2 GB file does not need a 2 GB temporary array."""
    chunk = 1 << 22
    last_break = -1  # offset of the previous line break
    line = 0
    for start in range(0, len(data), chunk):
        arr = np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - start), offset=start)
        breaks = np.flatnonzero(arr == 10) + start
        bounds = np.concatenate(([last_break], breaks))
        lengths = np.diff(bounds) - 1
        if lengths.size and lengths.max() > MAX_LINE_BYTES:
            _line_too_long(line + int(np.argmax(lengths > MAX_LINE_BYTES)))
        if breaks.size:
            last_break = int(breaks[-1])
            line += int(breaks.size)
    if len(data) - last_break - 1 > MAX_LINE_BYTES:
        _line_too_long(line)
    return line + (1 if len(data) - last_break - 1 > 0 else 0)


def _line_too_long(line_index: int) -> None:
    limit = f"{MAX_LINE_BYTES:,}".replace(",", " ")
    raise IngestError(
        Issue(
            line_index + 1,
            None,
            None,
            f"raden är orimligt lång (över {limit} byte); filen är troligen inte en giltig CSV-fil",
        )
    )


def _decode(data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes, and the encoding it was read with (_detected_encoding)."""
    used = _detected_encoding(data, encoding)
    if used in ("utf-8", "utf-8-sig"):
        return _without_bom(data), used
    return _transcode(data, used), used


def _detected_encoding(data: bytes, encoding: str | None) -> str:
    """The encoding to read the file with.

    Without a chosen encoding: UTF-8 when the whole file is valid UTF-8, else Windows-1252 (what
    Excel's "CSV (semikolonavgränsad)" writes), else Latin-1. A file whose lines mix UTF-8 and
    Windows-1252 (two exports pasted together) is refused: read either way, some of its names
    would be stored garbled ("Ã¥" for "å") and never match the mapping."""
    if encoding is not None:
        enc = _ENCODING_ALIASES.get(encoding.strip().lower())
        if enc is None:
            raise IngestError(
                f"okänd teckenkodning '{encoding}' (välj utf-8, utf-8-sig, cp1252 eller latin-1)"
            )
        if enc in ("utf-8", "utf-8-sig"):
            bad = _first_non_utf8(data)
            if bad is not None:
                raise IngestError(Issue(
                    _line_of(data, bad), None, None,
                    f"raden kan inte läsas med teckenkodningen {enc} (ogiltig byte på position {bad}); "
                    "välj en annan teckenkodning eller spara filen som CSV UTF-8",
                ))
        return enc
    bad = _first_non_utf8(data)
    if bad is None:
        return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    utf8_at = _first_utf8_sequence(data)
    if utf8_at is not None:
        if utf8_at < bad:
            first, wrong = _line_of(data, utf8_at), _line_of(data, bad)
            reason = f"raden är inte UTF-8 som tidigare rader (t.ex. rad {first}) utan troligen Windows-1252 (ANSI); "
        else:
            first, wrong = _line_of(data, bad), _line_of(data, utf8_at)
            reason = f"raden är UTF-8, men tidigare rader (t.ex. rad {first}) är Windows-1252 (ANSI); "
        raise IngestError(Issue(
            wrong, None, None,
            reason + "filen blandar teckenkodningar och skulle lagras med förvanskade tecken. Spara om hela "
            "filen med en och samma teckenkodning (helst CSV UTF-8), eller ange teckenkodningen uttryckligen "
            "om du vet att den är rätt",
        ))
    # the five bytes cp1252 leaves undefined: latin-1 maps every byte
    return "cp1252" if _is_cp1252(data) else "latin-1"


def _is_cp1252(data: bytes) -> bool:
    """No byte that Windows-1252 leaves undefined (81, 8D, 8F, 90, 9D)."""
    return not any(bytes([b]) in data for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


_DECODE_CHUNK = 1 << 24


def _first_non_utf8(data: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None; the text is thrown away chunk
    by chunk, so validating a large file costs no whole-file copy."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _DECODE_CHUNK):
        # the decoder keeps an incomplete sequence from the previous chunk in its buffer
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[start:start + _DECODE_CHUNK], final=start + _DECODE_CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
    return None


def _first_utf8_sequence(data: bytes) -> int | None:
    """Offset of the first UTF-8 multi-byte character (a lead byte C2-F4 followed by its
    continuation bytes 80-BF), or None; in a Windows-1252 file such pairs are "Ã¥"-style garbage.

    Vectorised over chunks: the regular expression took two seconds on a 60 MB Windows-1252
    file, whose å, ä and ö are all lead bytes that the regex engine tries one by one."""
    begin = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for start in range(begin, len(data), _DECODE_CHUNK):
        # three bytes of overlap: a sequence starting in this chunk may end in the next
        count = min(_DECODE_CHUNK + 3, len(data) - start)
        arr = np.frombuffer(data, dtype=np.uint8, count=count, offset=start)
        found = _utf8_sequence_starts(arr, min(_DECODE_CHUNK, count))
        if found.size:
            return start + int(found[0])
    return None


def _utf8_sequence_starts(arr: np.ndarray, usable: int) -> np.ndarray:
    """Offsets below `usable` where a 2-, 3- or 4-byte UTF-8 character starts in `arr`. Only
    the possible lead bytes (C2-F4, a few in a hundred in Swedish text) are looked at."""
    lead_at = np.flatnonzero(arr[:usable] >= 0xC2)
    lead = arr[lead_at]
    keep = lead <= 0xF4
    lead_at, lead = lead_at[keep], lead[keep]
    padded = np.concatenate((arr, np.zeros(3, dtype=np.uint8)))

    def continuation(k: int) -> np.ndarray:
        return (padded[lead_at + k] & 0xC0) == 0x80

    needed = np.where(lead <= 0xDF, 1, np.where(lead <= 0xEF, 2, 3))
    ok = continuation(1)
    ok &= (needed < 2) | continuation(2)
    ok &= (needed < 3) | continuation(3)
    return lead_at[ok]


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _without_bom(data: bytes) -> bytes:
    # Polars skips a UTF-8 BOM itself (and the header cleaning removes one), so the file is
    # passed on as it is: slicing the BOM off would copy the whole file.
    return data


def _transcode(data: bytes, encoding: str) -> bytes:
    """An 8-bit file as UTF-8, chunk by chunk (one byte is one character, so chunks split cleanly)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    return b"".join(
        data[i:i + _DECODE_CHUNK].decode(encoding).encode("utf-8") for i in range(start, len(data), _DECODE_CHUNK)
    )


def _delimiter(text: str, delimiter: str | None) -> str:
    if delimiter is not None:
        if delimiter not in (";", ",", "\t"):
            raise IngestError(f"okänd avgränsare '{delimiter}' (välj ; eller ,)")
        return delimiter
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    header = re.sub(r'"[^"]*"', "", header)
    semis, commas = header.count(";"), header.count(",")
    if commas > semis:
        return ","
    return ";"  # the Swedish default, and harmless for a one-column file


def _records(data: bytes, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """End offset (exclusive) and number of fields of every record.

    Separators, quotes and line breaks are single ASCII bytes in every accepted encoding, so this
    works on the bytes: a separator or line break is inside a quoted field when an odd number of
    quote characters precede it (a doubled quote toggles twice). Chunked, so a pathological file
    needs little memory."""
    sep_byte, chunk = ord(sep), 1 << 22
    counts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    carry = 0  # separators seen so far in the record still open
    parity = 0  # quote characters seen so far, modulo 2
    for start in range(0, len(data), chunk):
        arr = np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - start), offset=start)
        is_sep = arr == sep_byte
        is_break = arr == 10
        is_quote = arr == 34
        n_quotes = int(np.count_nonzero(is_quote))
        if n_quotes or parity:
            # uint8 wraps at 256, which keeps the parity
            outside = ((np.cumsum(is_quote, dtype=np.uint8) + parity) & 1) == 0
            is_sep &= outside
            is_break &= outside
            parity = (parity + n_quotes) % 2
        seps = np.flatnonzero(is_sep)
        breaks = np.flatnonzero(is_break)
        # separators before each break, then per segment (the last segment is still open)
        before = np.searchsorted(seps, breaks)
        per_segment = np.diff(np.concatenate(([0], before, [seps.size])))
        per_segment[0] += carry
        counts.append(per_segment[:-1])
        ends.append(breaks + start + 1)
        carry = int(per_segment[-1])
    last_end = next((int(e[-1]) for e in reversed(ends) if e.size), 0)
    if last_end < len(data):  # a last record without a final line break
        counts.append(np.array([carry]))
        ends.append(np.array([len(data)]))
    if not counts:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(ends).astype(np.int64), np.concatenate(counts).astype(np.int64) + 1


def _field_counts(data: bytes, sep: str, n_records: int) -> pl.Series:
    """Number of fields in each record, to catch rows with too few or too many values.

    Polars pads short rows silently, so raggedness is counted on the bytes (_records). A file
    whose record count differs from Polars' (quotes in the middle of a field and the like)
    falls back to Python's csv module.
    """
    counts = _records(data, sep)[1]
    if counts.size == n_records:
        return pl.Series(counts)
    import csv

    text = data.decode("latin-1")  # only the ASCII structure matters here
    counts_py = [len(r) or 1 for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    if len(counts_py) != n_records:
        raise IngestError(_unparsable(data, sep, "radbrytningar"))
    return pl.Series(counts_py, dtype=pl.Int64)


def _unparsable(data: bytes, sep: str, what: str) -> Issue:
    """The usual cause is a quoted field that is never closed: it swallows the rest of the file.
    Its row is where the last quote that opens a field stands (after a separator or a line
    start), which is worth naming even as a likely place."""
    opening = None
    for match in re.finditer(rb'(?:^|[\n' + re.escape(sep.encode()) + rb'])"', data):
        opening = match.end() - 1
    reason = f"filen kunde inte tolkas som CSV (kontrollera citattecken och {what})"
    if opening is None:
        return Issue(None, None, None, reason)
    return Issue(_line_of(data, opening), None, None,
                 f"{reason}; troligen stängs ett citattecken (\") på den här raden aldrig")


def _blank_rows(frame: pl.DataFrame) -> pl.Series:
    return frame.select(
        pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == "")).alias("b")
    ).to_series()


# --------------------------------------------------------------------------------------------
# Excel


def _read_xlsx(data: bytes, max_bytes: int, limits: ReadLimits) -> RawTable:
    _check_zip(data, min(max_bytes, limits.max_unpacked_bytes), limits)
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise IngestError("Excel-filen har inget kalkylblad")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except IngestError:
        raise
    except Exception:  # fastexcel raises its own hierarchy for broken files  # noqa: BLE001
        raise IngestError("Excel-filen kunde inte läsas (den kan vara skadad eller lösenordsskyddad)") from None
    if frame.height == 0 or frame.width == 0:
        raise IngestError("filen är tom")
    if frame.height > limits.max_rows + 1:
        raise IngestError(_too_many_rows(frame.height - 1, limits.max_rows))
    frame = frame.select(pl.all().cast(pl.Utf8))
    frame.columns = [f"column_{i}" for i in range(frame.width)]
    # A date cell arrives as "YYYY-MM-DD 00:00:00"; the date alone is what the user sees.
    frame = frame.with_columns(pl.all().str.replace(_EXCEL_MIDNIGHT, "${1}"))
    box_frame = [frame]
    del frame
    return _finish(box_frame, "utf-8", None, "xlsx")


def _check_zip(data: bytes, max_bytes: int, limits: ReadLimits | None = None) -> None:
    """Refuse zip bombs before any XML parser sees the file.

    The sizes declared in the central directory are checked first (cheap); then every member
    is decompressed in bounded chunks, because the declared sizes can lie. Python's zipfile
    never returns more than the declared size and verifies the CRC at the end of each member.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise IngestError(NOT_CSV_OR_XLSX) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise IngestError(NOT_CSV_OR_XLSX)
        if len(infos) > MAX_ZIP_ENTRIES:
            raise IngestError("Excel-filen innehåller orimligt många delar och öppnas inte")
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise IngestError(
                f"Excel-filen är för stor uppackad ({_human(declared)}; högst {_human(max_bytes)} tillåts)"
            )
        limits = limits or ReadLimits()
        for info in infos:
            if info.file_size >= limits.ratio_min_bytes and \
                    info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise IngestError(
                    f"Excel-filen packas upp orimligt mycket (delen {mask_in_text(info.filename)[:80]} blir "
                    f"{_thousands(round(ratio))} gånger större; högst {_thousands(round(limits.max_zip_ratio))} "
                    "gånger tillåts) och öppnas inte. Den kan vara en så kallad zip-bomb; spara uttaget på nytt "
                    "från verksamhetssystemet, eller som CSV"
                )
        if any(i.flag_bits & 0x1 for i in infos):
            raise IngestError("Excel-filen är krypterad eller lösenordsskyddad; spara den utan lösenord")
        try:
            for info in infos:
                with zf.open(info) as member:
                    while member.read(1 << 20):
                        pass
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError):
            raise IngestError("Excel-filen är skadad och kan inte läsas") from None
        except Exception:  # zlib.error and the like  # noqa: BLE001
            raise IngestError("Excel-filen är skadad och kan inte läsas") from None


# --------------------------------------------------------------------------------------------
# shared: header, limits, cleaning


def _finish(box: list[pl.DataFrame], encoding: str, sep: str | None, kind: str) -> RawTable:
    """The read table (header row first) as a RawTable: named, checked, cleaned columns.

    `box` holds the whole table and is emptied, so that the cleaned columns replace the read
    ones instead of living next to them."""
    header, body = _split_header(box)
    return _finished(header, body, encoding, sep, kind, first_row=2)


def _finished(header: list[str], body: pl.DataFrame, encoding: str, sep: str | None, kind: str, *,
              first_row: int) -> RawTable:
    """`body` (the records after the header, or a slice of them whose first record is the file's
    row `first_row`) as a RawTable with the header's names, checked and cleaned."""
    keep = _named_column_positions(header, body, first_row)
    given = [header[i].replace("\ufeff", "").strip() for i in keep]
    normalised = _normalised_names(given, keep)
    body = body.select([pl.col(body.columns[i]).alias(n) for i, n in zip(keep, normalised)])
    _check_cell_lengths(body, first_row)
    body = _stripped(body)
    body, row_numbers = _without_blank_rows(body, first_row)
    return RawTable(body, given, encoding, sep, kind, row_numbers)


def _split_header(box: list[pl.DataFrame]) -> tuple[list[str], pl.DataFrame]:
    frame = box.pop()
    header = [v if v is not None else "" for v in frame.row(0)]
    if all(not h.strip() for h in header):
        raise IngestError(Issue(1, None, None, "rubrikrad saknas: första raden är tom"))
    return header, frame.slice(1)


def _named_column_positions(header: list[str], body: pl.DataFrame, first_row: int) -> list[int]:
    """Positions of the columns with a name. Columns without one are harmless if empty (a
    trailing separator, a formatted but empty Excel column) and refused if they hold values,
    since those values would be lost silently."""
    unnamed = [i for i, name in enumerate(header) if not name.strip()]
    issues = []
    for i in unnamed:
        filled = body.get_column(body.columns[i]).str.strip_chars().fill_null("") != ""
        if filled.any():
            issues.append(Issue(1, None, None, f"kolumn nr {i + 1} har ingen rubrik men innehåller värden "
                                               f"(första på rad {int(filled.arg_true()[0]) + first_row})"))
    if issues:
        raise IngestError(issues)
    return [i for i, name in enumerate(header) if name.strip()]


def _normalised_names(given: list[str], positions: list[int]) -> list[str]:
    """The header names as matched ("Person ID " -> "person_id"); too many or repeated names are refused."""
    if len(given) > MAX_COLUMNS:
        raise IngestError(f"filen har {len(given)} kolumner; högst {MAX_COLUMNS} tillåts")
    normalised = [normalise_column_name(h) for h in given]
    seen: dict[str, int] = {}
    issues = []
    for pos, name in enumerate(normalised):
        if name in seen:
            issues.append(Issue(
                1,
                mask_in_text(name),  # a file without a header row has a person's number here
                None,
                f"kolumnen finns flera gånger (kolumn nr {positions[seen[name]] + 1} och {positions[pos] + 1})",
            ))
        else:
            seen[name] = pos
    if issues:
        raise IngestError(issues)
    return normalised


def _check_cell_lengths(body: pl.DataFrame, first_row: int) -> None:
    """Refuse cells over MAX_CELL_CHARS; bytes >= characters, so only columns with a long byte
    string need the exact count."""
    if not body.height:
        return
    long_bytes = body.select(pl.all().str.len_bytes().max()).row(0)
    suspects = [c for c, m in zip(body.columns, long_bytes) if m is not None and m > MAX_CELL_CHARS]
    if not suspects:
        return
    too_long = body.select(
        [(pl.col(c).str.len_chars() > MAX_CELL_CHARS).fill_null(False).arg_max().alias(c) for c in suspects]
        + [(pl.col(c).str.len_chars() > MAX_CELL_CHARS).fill_null(False).any().alias(f"{c}\x00any") for c in suspects]
    )
    issues = [
        Issue(int(too_long[c][0]) + first_row, mask_in_text(c), None,
              f"cellen är för lång (mer än {MAX_CELL_CHARS:,} tecken)".replace(",", " "))
        for c in suspects if too_long[f"{c}\x00any"][0]
    ]
    if issues:
        raise IngestError(issues)


def _stripped(body: pl.DataFrame) -> pl.DataFrame:
    """Cells without surrounding spaces, empty ones null. Column by column, stripping only where
    a cell has surrounding spaces: a stripped copy of every column would double the table's
    memory for nothing in most extracts."""
    padded = body.select(pl.all().str.contains(r"^\s|\s$").any()).row(0) if body.height else ()
    for name, needs_strip in zip(body.columns, padded):
        body = body.with_columns(_clean(name, needs_strip))
    return body


def _without_blank_rows(body: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, pl.Series]:
    """Fully blank rows are left out; the row numbers keep the file's numbering (header = 1)."""
    row_numbers = pl.int_range(first_row, body.height + first_row, eager=True, dtype=pl.Int64)
    if not body.width:
        return body, row_numbers
    blank = body.select(pl.all_horizontal(pl.all().is_null()).alias("b")).to_series()
    if not blank.any():
        return body, row_numbers
    return body.filter(~blank), row_numbers.filter(~blank)


def _clean(name: str, strip: bool = True) -> pl.Expr:
    stripped = pl.col(name).str.strip_chars() if strip else pl.col(name)
    return pl.when(stripped == "").then(None).otherwise(stripped).alias(name)
