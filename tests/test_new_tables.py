"""Issue 10's tables: occupancy (SPEC 9), the discharge total, the q5 target-group tables,
their relations for the disclosure audit, and the hiding rule for nights and money."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boendeinventering.core import schema
from boendeinventering.core.measure import compute_tables
from boendeinventering.core.occupancy import by_facility, occupancy_percent
from boendeinventering.core.protect.relations import build_relations

try:  # tests/ is a package when run from the project root
    from tests.reference_measures import reference_tables
    from tests.test_measure import ENTRIES, MAPPING, as_dict, days, debt_rows, full, pay, payment_rows, stay, stay_rows
except ImportError:  # pragma: no cover
    from reference_measures import reference_tables
    from test_measure import ENTRIES, MAPPING, as_dict, days, debt_rows, full, pay, payment_rows, stay, stay_rows

D = dt.date
Y = 2025
STAYS = {**schema.MEASURE_STAYS, "boende": pl.Utf8}


def frame(rows, spec):
    return pl.DataFrame([{c: r.get(c) for c in spec} for r in rows], schema=spec)


def run(stays=(), payments=(), debt=(), places=(), ref=None, record_keys=None):
    return compute_tables(
        frame(stays, STAYS), frame(payments, schema.MEASURE_PAYMENTS), frame(debt, schema.MEASURE_DEBT_CASES),
        MAPPING, Y, ref, places=frame(places, schema.MEASURE_PLACES),
        **({"record_keys": record_keys} if record_keys else {}),
    )


def place(boende, kod, places, start, end=None):
    return {"boende": boende, "kod": kod, "places": places, "from_date": start, "to_date": end}


# --- occupancy (SPEC 9) ------------------------------------------------------------------------


def test_occupancy_by_kod_follows_spec_9():
    places = [
        place("Tallen", "Akutboendet Tallen", 10, D(2024, 1, 1), D(2025, 6, 30)),  # 181 days x 10
        place("tallen ", "akutboende", 12, D(2025, 7, 1)),  # 184 days x 12, same facility
        place("Björken", "stodboende", 4, D(2025, 3, 1), D(2025, 3, 10)),  # inclusive: 10 days x 4
        place("Gamla", "akutboende", 5, D(2020, 1, 1), D(2024, 12, 31)),  # not in force in Y
    ]
    stays = [
        stay(1, "Akutboendet Tallen", D(2024, 12, 1), D(2025, 1, 11), boende=" TALLEN"),  # 10 nights in Y
        stay(2, "Tallen", D(2025, 12, 1)),  # boende empty: insats names the facility; 31 nights
        stay(3, "Akutboendet Tallen", D(2025, 2, 1), D(2025, 2, 3), boende=""),  # insats is no facility
        stay(4, "Stödboende Björken", D(2025, 3, 1), D(2025, 3, 20), boende="Björken"),  # 19 nights
        stay(5, "Akutboendet Tallen", D(2025, 5, 1), D(2025, 5, 2), boende="Tallen", nights=7),  # given wins
    ]
    mapping_entries = [("Tallen", "akutboende")]
    tables = compute_tables(frame(stays, STAYS), frame([], schema.MEASURE_PAYMENTS),
                            frame([], schema.MEASURE_DEBT_CASES), type(MAPPING)(ENTRIES + mapping_entries), Y,
                            places=frame(places, schema.MEASURE_PLACES))
    got = as_dict(tables["occupancy_by_kod"])
    pn = 181 * 10 + 184 * 12
    assert got == {
        ("akutboende",): {"place_nights": pn, "nights": 10 + 31 + 7, "occupancy": occupancy_percent(48, pn)},
        ("stodboende",): {"place_nights": 40, "nights": 19, "occupancy": 47.5},
    }
    assert got[("akutboende",)]["occupancy"] == 1.2  # 100 * 48 / 4018 = 1.19...
    assert occupancy_percent(0, 0) == 0.0 and occupancy_percent(41, 40) == 102.5  # may exceed 100


def test_occupancy_per_facility_is_internal_detail():
    places = frame([place("Tallen", "akutboende", 2, D(2025, 1, 1)), place("Eken", "akutboende", 1, D(2025, 1, 1)),
                    place("LSS-huset", "exkluderad", 3, D(2025, 1, 1))], schema.MEASURE_PLACES)
    stays = frame([stay(1, "Akutboendet Tallen", D(2025, 1, 1), boende="Tallen"),
                   stay(2, "LSS gruppbostad", D(2025, 1, 1), boende="LSS-huset")], STAYS).with_columns(
        nights_y=pl.lit(365, dtype=pl.Int64))
    codes = {"akutboende": "akutboende", "exkluderad": "exkluderad"}
    rows = {r["facility"]: r for r in by_facility(stays, places, codes, Y).to_dicts()}
    assert rows["Tallen"] | {} == {"facility": "Tallen", "kod": "akutboende", "places": 2, "place_nights": 730,
                                   "nights": 365, "persons": 1, "occupancy": 50.0}
    assert rows["Eken"]["nights"] == 0 and rows["Eken"]["occupancy"] == 0.0
    assert rows["LSS-huset"]["kod"] == "exkluderad"  # shown to the coordinator ...
    tables = run([stay(2, "LSS gruppbostad", D(2025, 1, 1), boende="LSS-huset")],
                 places=[place("LSS-huset", "exkluderad", 3, D(2025, 1, 1))])
    assert tables["occupancy_by_kod"].rows == []  # ... but not published: outside the inventory


def test_unmapped_register_code_blocks_like_other_names():
    import pytest

    from boendeinventering.core.classify import UnmappedNamesError

    with pytest.raises(UnmappedNamesError) as info:
        run(places=[place("Tallen", "Nattis", 2, D(2025, 1, 1))])
    assert [name for name, _ in info.value.names] == ["Nattis"]


# --- discharge total and q5 tables: hand-made ------------------------------------------------


def test_discharge_total_counts_distinct_persons_over_codes():
    ref = D(2025, 12, 31)
    soon = D(2026, 2, 1)
    stays = [
        stay(1, "Stödboende Björken", D(2025, 1, 1), planned_end_date=soon, arranged_after="nej"),
        stay(1, "HVB Eken", D(2025, 1, 1), planned_end_date=soon, arranged_after="nej"),  # same person
        stay(2, "HVB Eken", D(2025, 1, 1), planned_end_date=soon, arranged_after=None),
        stay(3, "HVB Eken", D(2025, 1, 1), planned_end_date=D(2025, 11, 1), arranged_after="nej"),
    ]
    tables = run(stays, ref=ref)
    per_code = as_dict(tables["discharge_risk_by_kod"])
    assert sum(r["persons"] for r in per_code.values()) == 2  # person 1 in both codes
    assert as_dict(tables["discharge_risk_total"]) == {(): {"persons": 1, "persons_unknown": 1, "persons_overdue": 1}}


def test_target_group_tables_by_hand():
    stays = [
        stay(1, "Hotell Baltic", D(2025, 1, 1), household=10, children=2, birth_date=D(1990, 1, 1)),
        stay(2, "Hotell Baltic", D(2025, 1, 1), household=10, children=1, birth_date=D(1958, 1, 1), sex="man"),
        stay(3, "Akutboendet Tallen", D(2025, 1, 1), birth_date=D(2004, 6, 1)),  # 21: 18-25
        stay(4, "Stödboende Björken", D(2025, 1, 1), birth_date=None),
    ]
    payments = [
        pay(5, "Hotell Baltic", D(2025, 3, 1), children=3, birth_date=D(2000, 1, 1)),  # acute via payment
        pay(1, "Hotell Baltic", D(2025, 3, 1), household=10, birth_date=D(1990, 1, 1)),  # already acute, same hh
        pay(6, "Hyresskuld", D(2025, 3, 1), sex="man", birth_date=D(1950, 1, 1)),
    ]
    tables = run(stays, payments)
    assert as_dict(tables["households_with_children_by_kod"]) == {
        (1, "hotell"): {"households_with_children": 1, "children": 2}}
    assert as_dict(tables["persons_by_kod_age"]) == {
        (1, "akutboende", "18-25"): {"persons": 1}, (1, "hotell", "26-64"): {"persons": 1},
        (1, "hotell", "65-"): {"persons": 1}, (2, "stodboende", "okänd"): {"persons": 1}}
    assert as_dict(tables["acute_persons_by_sex_age"]) == {
        ("kvinna", "21-25"): {"persons": 2}, ("kvinna", "31-40"): {"persons": 1}, ("man", "65-"): {"persons": 1}}
    assert as_dict(tables["acute_households"]) == {
        (): {"persons": 4, "households": 3, "households_with_children": 2, "children": 5}}
    assert as_dict(tables["payments_by_purpose_sex"]) == {
        ("hotell", "kvinna"): {"persons": 2}, ("hyresskuld", "man"): {"persons": 1}}
    assert as_dict(tables["payments_by_purpose_age"]) == {
        ("hotell", "18-25"): {"persons": 1}, ("hotell", "26-64"): {"persons": 1}, ("hyresskuld", "65-"): {"persons": 1}}


# --- random municipalities against the plain reference ---------------------------------------

FACILITIES = ["Tallen", "tallen ", "Björken", "Eken", "Okänt hus"]


@st.composite
def stay_with_boende(draw):
    row = draw(stay_rows())
    row["boende"] = draw(st.sampled_from([None, "", " ", *FACILITIES]))
    return row


@st.composite
def place_rows(draw):
    start = draw(days(0, 520))
    return {
        "boende": draw(st.sampled_from(FACILITIES[:4] + ["Akutboendet Tallen", "HVB Eken"])),
        "kod": draw(st.sampled_from(["akutboende", "Hotell Baltic", "stodboende", "HVB Eken", "LSS gruppbostad"])),
        "places": draw(st.integers(0, 12)),
        "from_date": start,
        "to_date": draw(st.one_of(st.none(), st.integers(0, 300).map(lambda n: start + dt.timedelta(days=n)))),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stays=st.lists(stay_with_boende(), max_size=20),
    payments=st.lists(payment_rows(), max_size=12),
    debt=st.lists(debt_rows, max_size=4),
    places=st.lists(place_rows(), max_size=6),
    ref=st.one_of(st.none(), st.dates(D(2025, 1, 1), D(2025, 12, 31))),
)
def test_random_municipalities_with_places_match_reference(stays, payments, debt, places, ref):
    got = {tid: as_dict(t) for tid, t in run(stays, payments, debt, places, ref=ref).items()}
    expected = reference_tables(full(stays, STAYS), full(payments, schema.MEASURE_PAYMENTS), debt, ENTRIES, Y, ref,
                                places=[dict(p) for p in places])
    assert got == expected
    # every relation the audit uses holds on the true figures
    tables = run(stays, payments, debt, places, ref=ref)
    values = {(tid, t.key(r), m): r[m] for tid, t in tables.items() for r in t.rows for m in t.measures}
    broken = [r.name for r in build_relations(tables) if not r.holds(lambda c: values.get(c, 0.0))]
    # R9 (occupancy nights <= the code's nights) holds only where register and stays agree
    assert all(name.startswith("R9 beläggning dygn") for name in broken), broken


# --- the platser extract: import, web upload, internal occupancy page ------------------------

import pytest  # noqa: E402
from django.urls import reverse  # noqa: E402

from boendeinventering.inventory.models import ImportBatch, ImportData  # noqa: E402
from boendeinventering.services.imports import ImportRefused, import_extract  # noqa: E402

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "docs" / "exempel"
PLACES_HEADER = "boende;kod;platser;fran_datum;till_datum\n"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_places_example_imports_and_is_idempotent(installed):
    first = import_extract("platser", EXAMPLES / "platser.csv", year=Y)
    assert first.created and first.batch.rows_imported == 6 and first.batch.kind == "platser"
    again = import_extract("platser", EXAMPLES / "platser.csv", year=Y)
    assert not again.created and ImportBatch.objects.count() == 1 and ImportData.objects.count() == 1


def test_bad_places_rows_refuse_the_file_with_swedish_reasons(installed, tmp_path):
    path = _write(tmp_path / "platser.csv", PLACES_HEADER
                  + "Tallen;akutboende;-2;2025-01-01;\n"  # negative places
                  + ";akutboende;3;2025-01-01;\n"  # no facility
                  + "Eken;hvb;tre;2025-01-01;\n"  # not a number
                  + "Eken;hvb;4;2025-05-01;2025-04-30\n")  # ends before it starts
    with pytest.raises(ImportRefused) as info:
        import_extract("platser", path)
    found = {(i.row, i.column) for i in info.value.issues}
    assert found == {(2, "platser"), (3, "boende"), (4, "platser"), (5, "till_datum")}
    reasons = " ".join(i.reason for i in info.value.issues)
    assert "till_datum är före fran_datum" in reasons and "obligatoriskt värde saknas" in reasons
    assert ImportBatch.objects.count() == 0 and ImportData.objects.count() == 0  # atomic: nothing
    missing = _write(tmp_path / "utan.csv", "boende;kod;platser\nTallen;akutboende;3\n")
    from boendeinventering.core.ingest import IngestError

    with pytest.raises(IngestError) as err:
        import_extract("platser", missing)
    assert {i.column for i in err.value.issues} == {"fran_datum"}


def test_cli_imports_places(installed, capsys):
    from boendeinventering.cli import main

    assert main(["import", "platser", str(EXAMPLES / "platser.csv"), "--year", str(Y)]) == 0
    assert "6 rader importerade" in capsys.readouterr().out
    assert ImportBatch.objects.get().year == Y


def test_places_upload_and_occupancy_on_the_quality_page(installed, tmp_path, settings):
    from boendeinventering.core.demo_data import generate_demo
    from boendeinventering.services import mapping
    from boendeinventering.services.occupancy import facility_occupancy
    from boendeinventering.services.users import create_demo_users
    from tests.test_web_views import as_role, upload

    settings.BOINV_TASKS_SYNC = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {role: (name, pw) for name, pw, role, _unit in create_demo_users(Y)}
    files = generate_demo(tmp_path / "uttag", persons=200, seed=8, year=Y)
    mapping.import_mapping(files.mapping)
    import_extract("insatser", files.insatser, year=Y)
    client = as_role(users, "coordinator")
    page = client.get(reverse("web:extracts")).content.decode()
    assert 'value="platser"' in page  # the upload offers the fourth kind
    assert client.get(reverse("web:quality", args=[Y])).content.decode().count("Inget platsregister") == 1
    upload(client, files.platser, kind="platser")
    assert ImportBatch.objects.filter(kind="platser").count() == 1

    rows = {r.facility: r for r in facility_occupancy(Y)}
    assert set(rows) == {"Tallen", "Stigen", "Ankaret", "Björken", "Granen", "Linnéa"}
    # per facility, by hand from the stored stays: nights of stays whose boende names it
    from boendeinventering.services.figures import load_year

    stays = load_year(Y).stays
    first, after = D(Y, 1, 1), D(Y + 1, 1, 1)
    for name, row in rows.items():
        own = [s for s in stays.to_dicts() if (s["boende"] or "").strip().lower() == name.lower()]
        nights = sum(s["nights"] if s["nights"] is not None else
                     max(0, ((s["end_date"] or after) if (s["end_date"] or after) < after else after).toordinal()
                         - max(s["start_date"], first).toordinal()) for s in own)
        assert row.nights == nights and row.persons == len({s["person"] for s in own})
        assert row.occupancy == occupancy_percent(row.nights, row.place_nights)
    quality = client.get(reverse("web:quality", args=[Y])).content.decode()
    assert "Beläggning per boende" in quality and "Tallen" in quality
    assert f"{rows['Tallen'].occupancy:.1f}".replace(".", ",") in quality
    # the published report has occupancy per code only, never a facility's name
    from boendeinventering.services.figures import build_report

    published = build_report(Y)
    assert "occupancy_by_kod" in published.tables
    assert "Tallen" not in repr(published.tables)


def test_excluded_stays_are_counted_in_data_quality(installed, tmp_path):
    from boendeinventering.services import mapping
    from boendeinventering.services.figures import build_report
    from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv

    rows = [f"{pnr(i)};K;A;{name};2025-02-01;;;;;"
            for i, name in enumerate(["LSS gruppbostad", "LSS gruppbostad", "Boendestöd", "Akutboendet Tallen"])]
    rows.append(f"{pnr(0)};K;A;Boendestöd;2025-03-01;;;;;")  # person 0 again: 4 stays, 3 persons
    mapping_file = _write(tmp_path / "m.csv", "lokal_benamning;kod\nLSS gruppbostad;exkluderad\n"
                          "Boendestöd;exkluderad\nAkutboendet Tallen;akutboende\n")
    mapping.import_mapping(mapping_file)
    import_extract("insatser", write_csv(tmp_path / "i.csv", STAY_HEADER, rows))
    quality = {r["indicator"]: r["value"] for r in build_report(Y, protected=False).quality.rows}
    assert quality["Insatser med koden exkluderad (ingår inte i inventeringen)"] == 4
    assert quality["Personer med insats med koden exkluderad"] == 3
