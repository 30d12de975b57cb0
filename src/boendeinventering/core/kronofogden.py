"""Kronofogden's eviction statistics per municipality, for comparison with the units' forms.

Kronofogden (the Swedish Enforcement Authority) publishes, per municipality and year, the
applications for eviction, the evictions carried out and the children they affected. The
coordinator may import such a file (docs/format.md, "Kronofogdens statistik"); it is never
fetched from the network. Only the installation's own municipality's rows are used: a national
file can be imported as it is.

The figures are public statistics, but a municipality's small counts still pass the same
disclosure control as the rest of the report (table ``kronofogden_by_year``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ingest.issues import IngestError, Issue
from .ingest.read import read_table
from .tables import Table

T_KRONOFOGDEN = "kronofogden_by_year"
# column in the file -> measure of the table (and of KronofogdenYear)
COLUMNS: dict[str, str] = {"ansokningar": "kfm_applications", "verkstallda": "kfm_evictions", "barn": "kfm_children"}
YEAR, KOMMUN = "år", "kommunkod"
# Header spellings accepted for each column (normalised: lower case, spaces as "_").
ALIASES: dict[str, tuple[str, ...]] = {
    YEAR: ("år", "ar", "year"),
    KOMMUN: ("kommunkod", "kommun", "kommunnummer", "kod"),
    "ansokningar": ("ansokningar", "ansökningar", "ansökningar_om_avhysning", "ansokningar_om_avhysning"),
    "verkstallda": ("verkstallda", "verkställda", "verkställda_avhysningar", "verkstallda_avhysningar"),
    "barn": ("barn", "berörda_barn", "berorda_barn"),
}
FIRST_YEAR, LAST_YEAR = 1990, 2100
_INTEGER = re.compile(r"\d{1,3}(?:[ \u00a0]?\d{3})*|\d+")


@dataclass(frozen=True)
class KronofogdenYear:
    year: int
    kfm_applications: int
    kfm_evictions: int
    kfm_children: int


@dataclass(frozen=True)
class KronofogdenFile:
    years: list[KronofogdenYear]  # the own municipality's, ascending
    other_rows: int  # rows of other municipalities, left out


def parse_kronofogden(source: bytes, kommun: str, file_name: str | None = None) -> KronofogdenFile:
    """The own municipality's years of a Kronofogden file (CSV with ; or , in UTF-8 or cp1252,
    or .xlsx). Raises IngestError with every problem found (row, column and reason, in Swedish)."""
    raw = read_table(source, file_name=file_name)
    columns = _find_columns(raw.frame.columns)
    issues: list[Issue] = []
    years: dict[int, KronofogdenYear] = {}
    first_row: dict[int, int] = {}
    other = 0
    numbers = raw.row_numbers.to_list() if raw.row_numbers is not None else []  # set by RawTable
    for row_no, row in zip(numbers, raw.frame.iter_rows(named=True)):
        code = _kommun_code(row.get(columns[KOMMUN]))
        if code is None:
            issues.append(Issue(row_no, KOMMUN, row.get(columns[KOMMUN]), "kommunkoden ska vara fyra siffror"))
            continue
        if code != kommun:
            other += 1
            continue
        values, problems = _numbers(row_no, row, columns)
        issues += problems
        if problems:
            continue
        year = values.pop(YEAR)
        if year in years:
            issues.append(Issue(row_no, YEAR, str(year), f"året finns redan på rad {first_row[year]}"))
            continue
        first_row[year] = row_no
        years[year] = KronofogdenYear(year, **values)
    if issues:
        raise IngestError(issues)
    if not years:
        raise IngestError(f"filen har inga rader för kommunkod {kommun} (kommunens egen kod)")
    return KronofogdenFile([years[y] for y in sorted(years)], other)


def _find_columns(present: list[str]) -> dict[str, str]:
    found, missing = {}, []
    for column, names in ALIASES.items():
        match = next((name for name in names if name in present), None)
        if match is None:
            missing.append(column)
        else:
            found[column] = match
    if missing:
        raise IngestError(
            f"rubrikraden saknar {', '.join(missing)}; filen ska ha kolumnerna "
            f"{';'.join([YEAR, KOMMUN, *COLUMNS])} (rubrikrad först)")
    return found


def _kommun_code(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 4:
        return None
    return text.zfill(4)  # a spreadsheet drops the leading zero of 0180


def _numbers(row_no: int, row: dict, columns: dict[str, str]) -> tuple[dict[str, int], list[Issue]]:
    values: dict[str, int] = {}
    issues: list[Issue] = []
    for column in (YEAR, *COLUMNS):
        text = (row.get(columns[column]) or "").strip()
        if not text:
            issues.append(Issue(row_no, column, None, "värde saknas"))
        elif not _INTEGER.fullmatch(text):
            issues.append(Issue(row_no, column, text, "ska vara ett heltal som är 0 eller större"))
        else:
            values[COLUMNS.get(column, YEAR)] = int(re.sub(r"\D", "", text))
    year = values.get(YEAR)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        issues.append(Issue(row_no, YEAR, str(year), f"året ska ligga mellan {FIRST_YEAR} och {LAST_YEAR}"))
    return values, issues


def kronofogden_table(years: list[KronofogdenYear]) -> Table | None:
    """``kronofogden_by_year`` of the given years (the caller picks the report's years)."""
    if not years:
        return None
    rows = [{"year": y.year, **{m: getattr(y, m) for m in COLUMNS.values()}}
            for y in sorted(years, key=lambda y: y.year)]
    return Table(
        T_KRONOFOGDEN, "Avhysningar enligt Kronofogdens statistik", ["year"], list(COLUMNS.values()), rows,
        "Kronofogdens offentliga statistik för kommunen, importerad av samordnaren. Ansökningar om avhysning "
        "och verkställda avhysningar under året, och barn som berördes av de verkställda avhysningarna. "
        "Kronofogden räknar alla avhysningar i kommunen, även av hushåll som aldrig haft kontakt med "
        "socialtjänsten, så siffrorna jämförs med enheternas men läggs inte ihop med dem.")
