"""Demo and benchmark data: the files must look like SPEC 5 extracts, hold no personnummer but
Skatteverket's test numbers (or generated samordningsnummer), and be fully mapped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from boendeinventering.core import demo_data
from boendeinventering.core.taxonomy import SITUATION_BY_CODE, STANDARD_CODES, add_months

YEAR = 2025
SPEC_COLUMNS = {
    "insatser": {
        "person_id", "id_typ", "kon", "fodelsear", "enhet", "insats", "boende", "beslutsdatum",
        "startdatum", "slutdatum", "planerat_slutdatum", "ordnat_boende_efter", "hushall_id",
        "antal_barn", "boendedygn", "kostnad",
    },
    "utbetalningar": {
        "person_id", "id_typ", "kon", "fodelsear", "hushall_id", "antal_barn", "utbetalningsdatum",
        "belopp", "andamal", "boendedygn", "enhet",
    },
    "skuldradgivning": {"arende_id", "person_id", "inkommet_datum", "hyresskuld"},
}
DATE_COLUMNS = {"beslutsdatum", "startdatum", "slutdatum", "planerat_slutdatum", "utbetalningsdatum", "inkommet_datum"}
RESERVE = re.compile(r"^R-\d{4}-\d{4,}$")
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "exempel"


def luhn_ok(ten_digits: str) -> bool:
    total = 0
    for i, ch in enumerate(ten_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


def to_twelve(person_id: str, year: int = YEAR) -> str:
    """10 digits with '-' (under 100) or '+' (100 or older) to 12; 12 digits unchanged."""
    if re.fullmatch(r"\d{12}", person_id):
        return person_id
    m = re.fullmatch(r"(\d{6})([-+])(\d{4})", person_id)
    assert m, f"neither 10 nor 12 digits: {person_id!r}"
    yy = int(m.group(1)[:2])
    century = year // 100 if yy <= year % 100 else year // 100 - 1
    if m.group(2) == "+":
        century -= 1
    return f"{century:02d}{m.group(1)}{m.group(3)}"


def read_extract(path: Path, encoding: str = "cp1252") -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding)  # strict: a wrong encoding fails here
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    return [{k.lower(): v for k, v in row.items()} for row in reader]


def header(path: Path, encoding: str = "cp1252") -> list[str]:
    return path.read_bytes().decode(encoding).splitlines()[0].split(";")


def read_mapping(path: Path) -> dict[str, str]:
    return {r["lokal_benamning"]: r["kod"] for r in read_extract(path, "utf-8")}


@pytest.fixture(scope="module")
def test_numbers() -> set[str]:
    return set(demo_data.load_test_numbers())


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> demo_data.DemoFiles:
    return demo_data.generate_demo(tmp_path_factory.mktemp("demo"), year=YEAR)


@pytest.fixture(scope="module")
def demo_rows(demo) -> dict[str, list[dict[str, str]]]:
    return {kind: read_extract(getattr(demo, kind)) for kind in SPEC_COLUMNS}


def day(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def check_person_ids(rows: dict[str, list[dict[str, str]]], test_numbers: set[str]) -> Counter:
    kinds: Counter = Counter()
    for kind, table in rows.items():
        for row in table:
            pid = row["person_id"]
            if not pid:
                assert kind == "skuldradgivning", "only debt cases may lack person_id"
                continue
            if row.get("id_typ") == "reservnummer":
                assert RESERVE.match(pid), pid
                assert row["kon"] in {"K", "M"} and re.fullmatch(r"\d{4}", row["fodelsear"])
                kinds["reserve"] += 1
                continue
            twelve = to_twelve(pid)
            assert luhn_ok(twelve[2:]), "check digit"
            if twelve in test_numbers:
                kinds["test"] += 1
            else:
                assert int(twelve[6:8]) > 60, "not a test number, so it must be a samordningsnummer"
                dt.date(int(twelve[:4]), int(twelve[4:6]), int(twelve[6:8]) - 60)  # a real day
                kinds["samordning"] += 1
            kinds["ten_digit"] += len(pid) == 11
    return kinds


# --------------------------------------------------------------------------- test numbers


def test_load_test_numbers_finds_the_packaged_file():
    numbers = demo_data.load_test_numbers()
    assert len(numbers) == 41_493
    assert all(len(n) == 12 and n.isdigit() for n in numbers)


def test_load_test_numbers_follows_the_environment(tmp_path, monkeypatch):
    own = tmp_path / "nummer.txt"
    own.write_text("194801171770\n196309232962\n\n")
    monkeypatch.setenv(demo_data.TEST_PNR_ENV, str(own))
    assert demo_data.load_test_numbers() == ["194801171770", "196309232962"]
    monkeypatch.setenv(demo_data.TEST_PNR_ENV, str(tmp_path / "saknas.txt"))
    with pytest.raises(FileNotFoundError, match="testpersonnummer"):
        demo_data.load_test_numbers()


def test_load_test_numbers_refuses_a_file_that_is_not_test_numbers(tmp_path):
    bad = tmp_path / "fel.txt"
    bad.write_text("194801171770\n4801171770\n")
    with pytest.raises(ValueError, match="1 rader"):
        demo_data.load_test_numbers(bad)


# --------------------------------------------------------------------------- generate_demo


def test_demo_files_are_cp1252_semicolon_with_spec_columns(demo, demo_rows):
    for kind, columns in SPEC_COLUMNS.items():
        path = getattr(demo, kind)
        names = header(path)
        assert {n.lower() for n in names} == columns
        assert names != [n.lower() for n in names], "some column names are in another case, as real exports"
        assert all(len(row) == len(columns) for row in demo_rows[kind])
    raw = demo.insatser.read_bytes()
    assert "Äldreomsorg".encode("cp1252") in raw and "Äldreomsorg".encode() not in raw
    assert b"\r\n" in raw


def test_demo_values_have_the_documented_formats(demo_rows):
    money = re.compile(r"^\d+,\d{2}$")
    for table in demo_rows.values():
        for row in table:
            for column in DATE_COLUMNS & row.keys():
                if row[column]:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[column])
                    day(row[column])
            for column in ("kostnad", "belopp"):
                if row.get(column):
                    assert money.match(row[column]), row[column]
            for column in ("antal_barn", "boendedygn"):
                if row.get(column):
                    assert row[column].isdigit()
    assert {r["ordnat_boende_efter"] for r in demo_rows["insatser"]} == {"ja", "nej", ""}
    assert {r["hyresskuld"] for r in demo_rows["skuldradgivning"]} == {"ja", "nej"}
    assert {r["enhet"] for r in demo_rows["insatser"]} == set(demo_data.UNITS)


def test_demo_uses_only_test_numbers(demo_rows, test_numbers):
    kinds = check_person_ids(demo_rows, test_numbers)
    assert kinds["samordning"] == 0, "1,500 persons fit in the test-number list"
    assert kinds["reserve"] > 0 and kinds["ten_digit"] > 0 and kinds["test"] > 1000


def test_every_local_name_is_in_the_mapping(demo, demo_rows):
    mapping = read_mapping(demo.mapping)
    assert set(mapping.values()) <= set(STANDARD_CODES)
    used = {r["insats"] for r in demo_rows["insatser"]} | {r["andamal"] for r in demo_rows["utbetalningar"]}
    assert used <= set(mapping)
    assert "exkluderad" in {mapping[r["insats"]] for r in demo_rows["insatser"]}
    assert {"hyresskuld", "ovrigt", "hotell"} <= {mapping[r["andamal"]] for r in demo_rows["utbetalningar"]}


def test_same_seed_same_bytes_other_seed_other_bytes(demo, tmp_path):
    again = demo_data.generate_demo(tmp_path / "again", year=YEAR)
    other = demo_data.generate_demo(tmp_path / "other", year=YEAR, seed=2)
    for kind in ("insatser", "utbetalningar", "skuldradgivning", "mapping"):
        assert getattr(again, kind).read_bytes() == getattr(demo, kind).read_bytes()
    assert other.insatser.read_bytes() != demo.insatser.read_bytes()


def stays_in_year(demo, demo_rows) -> list[dict[str, str]]:
    mapping = read_mapping(demo.mapping)
    first, last = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    out = []
    for row in demo_rows["insatser"]:
        start, end = day(row["startdatum"]), day(row["slutdatum"])
        if start <= last and (end is None or end >= first):
            pid = row["person_id"] if row["id_typ"] == "reservnummer" else to_twelve(row["person_id"])
            out.append({**row, "pid": pid, "situation": SITUATION_BY_CODE[mapping[row["insats"]]]})
    return out


def test_situations_persons_and_sexes_follow_the_2023_survey(demo, demo_rows):
    stays = stays_in_year(demo, demo_rows)
    persons = {s: {r["pid"] for r in stays if r["situation"] == s} for s in (1, 2, 3)}
    counted = set().union(*persons.values())
    survey = demo_data.SURVEY_2023_PERSONS
    for s in (1, 2, 3):
        wanted = survey[s] / sum(survey.values())
        assert abs(len(persons[s]) / len(counted) - wanted) < 0.05, (s, len(persons[s]), len(counted))
    numbers = {p for p in counted if not p.startswith("R-")}
    men = sum(int(p[10]) % 2 for p in numbers) / len(numbers)
    assert 0.6 < men < 0.72
    ages = [YEAR - int(p[:4]) for p in numbers]
    assert sum(a < 18 for a in ages) / len(ages) < 0.02
    assert min(ages) >= 16 and max(ages) <= 90


def test_demo_holds_the_cases_the_rules_are_about(demo, demo_rows):
    stays = demo_rows["insatser"]
    mapping = read_mapping(demo.mapping)
    ref = dt.date(YEAR, 12, 31)
    first = dt.date(YEAR, 1, 1)
    horizon = add_months(ref, 3)
    risk, unknown, overdue = set(), set(), set()
    for r in stays:
        if SITUATION_BY_CODE[mapping[r["insats"]]] != 2:
            continue
        start, end, planned = day(r["startdatum"]), day(r["slutdatum"]), day(r["planerat_slutdatum"])
        if start > ref or (end is not None and end <= ref) or planned is None:
            continue
        if ref < planned <= horizon:
            {"nej": risk, "": unknown}.get(r["ordnat_boende_efter"], set()).add(r["person_id"])
        elif planned <= ref and r["ordnat_boende_efter"] != "ja":
            overdue.add(r["person_id"])
    assert risk and unknown and overdue

    starts = [day(r["startdatum"]) for r in stays]
    ends = [day(r["slutdatum"]) for r in stays]
    assert any(s < first for s in starts), "stays begun before the year"
    assert any(e is None for e in ends), "ongoing stays"
    assert any(e is not None and e < first for e in ends), "stays wholly before the year (year rule)"
    assert any(r["boendedygn"] for r in stays) and any(not r["boendedygn"] for r in stays)
    assert any(r["antal_barn"] and int(r["antal_barn"]) > 0 and r["hushall_id"] for r in stays)
    households = Counter(r["hushall_id"] for r in stays if r["hushall_id"])
    units_per_person = Counter()
    for pid in {r["person_id"] for r in stays}:
        units_per_person[len({r["enhet"] for r in stays if r["person_id"] == pid})] += 1
    assert max(units_per_person) >= 2, "some persons are in several units"
    assert len({r["person_id"] for r in stays}) < len(stays), "some persons have several stays"
    assert households, "households"

    payments = demo_rows["utbetalningar"]
    acute = [r for r in payments if SITUATION_BY_CODE.get(mapping[r["andamal"]]) == 1]
    assert acute and all(r["boendedygn"] for r in acute)
    assert all(not r["boendedygn"] for r in payments if mapping[r["andamal"]] in {"hyresskuld", "ovrigt"})
    assert any(r["andamal"] == "Hyresskuld" for r in payments) and any(r["andamal"] == "Övrigt" for r in payments)
    cases = demo_rows["skuldradgivning"]
    assert any(r["person_id"] for r in cases) and any(not r["person_id"] for r in cases)


# --------------------------------------------------------------------------- generate_large


def test_generate_large_writes_the_requested_rows(tmp_path, test_numbers):
    files = demo_data.generate_large(tmp_path, persons=2_000, stays=3_000, payments=6_500, debt_cases=200)
    rows = {kind: read_extract(getattr(files, kind)) for kind in SPEC_COLUMNS}
    assert [len(rows[k]) for k in SPEC_COLUMNS] == [3_000, 6_500, 200]
    for kind, columns in SPEC_COLUMNS.items():
        assert {n.lower() for n in header(getattr(files, kind))} == columns
    check_person_ids(rows, test_numbers)
    persons = {
        r["person_id"] if r["id_typ"] == "reservnummer" else to_twelve(r["person_id"])
        for kind in ("insatser", "utbetalningar")
        for r in rows[kind]
    }
    assert len(persons) == 2_000


def test_generate_large_fills_up_with_samordningsnummer(tmp_path, monkeypatch):
    few = [n for n in demo_data.load_test_numbers() if n.startswith("1990")][:200]
    (tmp_path / "few.txt").write_text("\n".join(few))
    monkeypatch.setenv(demo_data.TEST_PNR_ENV, str(tmp_path / "few.txt"))
    files = demo_data.generate_large(tmp_path / "out", persons=3_000, stays=3_000, payments=4_000, debt_cases=50)
    rows = {kind: read_extract(getattr(files, kind)) for kind in SPEC_COLUMNS}
    kinds = check_person_ids(rows, set(few))
    assert kinds["samordning"] > 0 and kinds["test"] > 0
    used = {to_twelve(r["person_id"])
            for r in rows["insatser"] + rows["utbetalningar"] if r["id_typ"] == "personnummer"}
    assert used <= set(few) and used
    samordning = {to_twelve(r["person_id"]) for r in rows["insatser"] if r["id_typ"] == "samordningsnummer"}
    assert all(int(p[6:8]) > 60 for p in samordning)


def test_impossible_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="minst en rad"):
        demo_data.generate_large(tmp_path, persons=1_000, stays=100, payments=100, debt_cases=0)


# --------------------------------------------------------------------------- docs/exempel


def test_example_files_follow_the_format(test_numbers):
    mapping = read_mapping(EXAMPLES / "mappning.csv")
    assert set(mapping.values()) <= set(STANDARD_CODES)
    rows = {kind: read_extract(EXAMPLES / f"{kind}.csv", "utf-8") for kind in SPEC_COLUMNS}
    for kind, columns in SPEC_COLUMNS.items():
        assert set(header(EXAMPLES / f"{kind}.csv", "utf-8")) == columns
        assert 5 <= len(rows[kind]) <= 20
    kinds = check_person_ids(rows, test_numbers)
    assert kinds["samordning"] == 0
    used = {r["insats"] for r in rows["insatser"]} | {r["andamal"] for r in rows["utbetalningar"]}
    assert used <= set(mapping)
