"""services.history: several imported years side by side, through the real import pipeline."""

from __future__ import annotations

import json

import pytest

from boendeinventering.core.demo_data import load_test_numbers
from boendeinventering.services import figures, history, imports

HEADER = "person_id;enhet;insats;startdatum;slutdatum\n"


def _adults(count: int) -> list[str]:
    """Skatteverket test numbers of adults (12 digits), born 1950-1999."""
    return [n for n in load_test_numbers() if "1950" <= n[:4] <= "1999"][:count]


def _ten_digits(pnr12: str) -> str:
    return f"{pnr12[2:8]}-{pnr12[8:]}"


def _write(path, rows):
    path.write_text(HEADER + "".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_person_with_ten_digits_in_2024_and_twelve_in_2025_is_the_same_person(installed, tmp_path):
    a, b = _adults(2)
    _write(tmp_path / "2024.csv", [(_ten_digits(a), "Mottagningen", "akutboende", "2024-03-01", "2024-06-01"),
                                   (b, "Mottagningen", "stodboende", "2024-03-01", "")])
    _write(tmp_path / "2025.csv", [(a, "Mottagningen", "hotell", "2025-02-01", "2025-03-01"),
                                   (_ten_digits(b), "Mottagningen", "akutboende", "2025-02-01", "2025-03-01")])
    imports.import_extract("insatser", tmp_path / "2024.csv", year=2024)
    imports.import_extract("insatser", tmp_path / "2025.csv", year=2025)
    report = figures.build_report(2025, protected=False)
    inflow = {r["flow"]: r["persons"] for r in report.tables["acute_inflow"].rows}
    assert inflow == {"continuing": 1, "returning": 0, "from_s2_s3": 1, "new": 0}
    outflow = {r["flow"]: r["persons"] for r in report.tables["acute_outflow"].rows}
    assert outflow == {"still_acute": 1, "to_s3": 0, "to_s2": 0, "not_seen": 0}
    # the open-ended 2024 stödboende stay repeats in 2024's own figures only: 2025 reads 2025's import
    trend = {(r["year"], r["situation"]): r["persons"] for r in report.tables["trend_by_situation"].rows}
    assert trend == {(2024, 1): 1, (2024, 2): 1, (2024, 3): 0, (2025, 1): 2, (2025, 2): 0, (2025, 3): 0}


def test_a_year_has_data_only_with_an_active_tagged_insatser_import(installed, tmp_path):
    (a,) = _adults(1)
    _write(tmp_path / "alla.csv", [(a, "Mottagningen", "akutboende", "2023-03-01", "2023-04-01")])
    _write(tmp_path / "2024.csv", [(a, "Mottagningen", "akutboende", "2024-03-01", "2024-04-01")])
    _write(tmp_path / "2025.csv", [(a, "Mottagningen", "akutboende", "2025-03-01", "2025-04-01")])
    imports.import_extract("insatser", tmp_path / "alla.csv")  # untagged: serves every year, marks none
    assert history.years_with_data() == []
    imports.import_extract("insatser", tmp_path / "2024.csv", year=2024)
    imports.import_extract("insatser", tmp_path / "2025.csv", year=2025)
    assert history.years_with_data() == [2024, 2025]
    assert history.years_for(2025) == [2024, 2025]
    assert history.years_for(2024) == [2024]
    report = figures.build_report(2025, protected=False)
    assert {r["year"] for r in report.tables["acute_trend"].rows} == {2024, 2025}
    assert "acute_inflow" in report.tables and "acute_outflow" in report.tables


def test_exported_json_holds_the_year_over_year_tables(installed, tmp_path):
    people = _adults(40)
    rows_2024 = [(p, "Mottagningen", "akutboende", "2024-01-10", "2024-12-20") for p in people[:30]]
    rows_2025 = ([(p, "Mottagningen", "akutboende", "2025-01-10", "2025-05-20") for p in people[:12]]
                 + [(p, "Mottagningen", "socialt_kontrakt", "2025-01-10", "") for p in people[12:24]]
                 + [(p, "Mottagningen", "hotell", "2025-03-10", "2025-09-20") for p in people[30:]])
    imports.import_extract("insatser", _write(tmp_path / "2024.csv", rows_2024), year=2024)
    imports.import_extract("insatser", _write(tmp_path / "2025.csv", rows_2025), year=2025)
    out = figures.export(2025, "json", tmp_path / "rapport.json")
    tables = json.loads(out.read_text(encoding="utf-8"))["tables"]
    inflow = {r["flow"]: r["persons"] for r in tables["acute_inflow"]["rows"]}
    outflow = {r["flow"]: r["persons"] for r in tables["acute_outflow"]["rows"]}
    assert inflow == {"continuing": 12, "returning": 0, "from_s2_s3": 0, "new": 10}
    assert outflow == {"still_acute": 12, "to_s3": 12, "to_s2": 0, "not_seen": 6}
    length = tables["acute_length_of_stay"]["rows"][0]
    assert length["persons"] == 22 and length["persons_over_90"] == 22 and length["persons_over_180"] == 10


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_other_formats_write_the_new_tables(installed, tmp_path, fmt):
    people = _adults(12)
    imports.import_extract("insatser", _write(tmp_path / "2024.csv", [
        (p, "Mottagningen", "akutboende", "2024-01-10", "2024-12-20") for p in people]), year=2024)
    imports.import_extract("insatser", _write(tmp_path / "2025.csv", [
        (p, "Mottagningen", "akutboende", "2025-01-10", "2025-12-20") for p in people[:6]]), year=2025)
    out = figures.export(2025, fmt, tmp_path / f"rapport.{fmt}")
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
    else:
        import openpyxl

        book = openpyxl.load_workbook(out, read_only=True)
        text = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "Vart tog personerna i akut hemlöshet 2024 vägen 2025?" in text
    assert "Personer i akut hemlöshet, år för år" in text


def test_cell_key_method_perturbs_the_flow_tables_within_its_bounds(installed, tmp_path, settings):
    settings.BOINV_DISCLOSURE_METHOD = "cellkey"
    people = _adults(40)
    imports.import_extract("insatser", _write(tmp_path / "2024.csv", [
        (p, "Mottagningen", "akutboende", "2024-01-10", "2024-12-20") for p in people[:30]]), year=2024)
    imports.import_extract("insatser", _write(tmp_path / "2025.csv", [
        (p, "Mottagningen", "akutboende", "2025-01-10", "2025-12-20") for p in people[20:]]), year=2025)
    truth = figures.build_report(2025, protected=False)
    noisy = figures.build_report(2025)
    d = settings.BOINV_CELLKEY_D
    for tid in ("acute_inflow", "acute_outflow", "acute_trend", "acute_length_of_stay"):
        true_rows = {truth.tables[tid].key(r): r for r in truth.tables[tid].rows}
        for row in noisy.tables[tid].rows:
            true_row = true_rows[noisy.tables[tid].key(row)]
            for m in ("persons", "persons_over_90"):
                if m in noisy.tables[tid].measures:
                    assert abs(row[m] - true_row[m]) <= d, (tid, row, m)
                    assert row[m] == 0 or row[m] > settings.BOINV_CELLKEY_JS


def test_flows_are_refused_across_a_key_change(installed, tmp_path):
    from boendeinventering.inventory.models import ImportBatch

    people = _adults(12)
    imports.import_extract("insatser", _write(tmp_path / "2024.csv", [
        (p, "Mottagningen", "akutboende", "2024-01-10", "2024-12-20") for p in people]), year=2024)
    imports.import_extract("insatser", _write(tmp_path / "2025.csv", [
        (p, "Mottagningen", "akutboende", "2025-01-10", "2025-12-20") for p in people]), year=2025)
    stamps = set(ImportBatch.objects.values_list("key_fingerprint", flat=True))
    assert stamps == {history.key_fingerprint()} and len(history.key_fingerprint()) == 64  # SHA-256, hex
    assert "acute_inflow" in figures.build_report(2025, protected=False).tables

    # 2024's rows made with another key: the same people would all look new in 2025
    ImportBatch.objects.filter(year=2024).update(key_fingerprint="0" * 64)
    report = figures.build_report(2025, protected=False)
    assert "acute_inflow" not in report.tables and "acute_outflow" not in report.tables
    assert "annan pseudonymiseringsnyckel" in report.tables["acute_trend"].note
    assert [r["persons"] for r in report.tables["acute_trend"].rows] == [12, 12]  # counts need no join
    figures.build_report(2025)  # and the protected report still passes its audit


def test_report_follows_protected_housing_and_social_contracts_of_last_year(installed, tmp_path):
    a, b, c = _adults(3)
    _write(tmp_path / "2024.csv", [(a, "Mottagningen", "skyddat_boende", "2024-01-10", "2024-05-01"),
                                   (b, "Mottagningen", "socialt_kontrakt", "2022-01-10", "2024-06-01"),
                                   (c, "Mottagningen", "socialt_kontrakt", "2023-01-10", "2024-10-01")])
    _write(tmp_path / "2025.csv", [(a, "Mottagningen", "hotell", "2025-03-01", "2025-03-20"),
                                   (c, "Mottagningen", "stodboende", "2025-02-01", "")])
    imports.import_extract("insatser", tmp_path / "2024.csv", year=2024)
    imports.import_extract("insatser", tmp_path / "2025.csv", year=2025)
    tables = figures.build_report(2025, protected=False).tables
    after = {r["flow"]: r["persons"] for r in tables["after_protected_housing"].rows}
    assert after == {"acute": 1, "situation_2": 0, "situation_3": 0, "none": 0}
    exits = {r["flow"]: r["persons"] for r in tables["social_contract_exits"].rows}
    assert exits == {"to_acute": 0, "to_situation_2": 1, "other_situation_3": 0, "none": 1}
    assert "2024" in tables["social_contract_exits"].title


@pytest.mark.parametrize("method", ["suppression", "cellkey"])
def test_the_years_persons_from_its_tables_give_the_flows_of_a_separate_computation(installed, tmp_path, settings,
                                                                                     method):
    """build_report hands the flows the persons its tables classified (issue 12); the flows must be
    those of the year's persons computed on their own from the same rows (year_persons), with
    payments and stays, sex and age, in both disclosure methods (record keys add columns)."""
    from boendeinventering.core.measure import compute_year
    from boendeinventering.core.schema import MEASURE_PAYMENTS, MEASURE_STAYS
    from boendeinventering.services.mapping import current_mapping

    settings.BOINV_DISCLOSURE_METHOD = method
    people = _adults(60)
    codes = ["akutboende", "hotell", "stodboende", "socialt_kontrakt", "skyddat_boende"]
    for year in (2023, 2024, 2025):
        rows = [(p, "Mottagningen", codes[(i + year) % 5], f"{year}-0{1 + i % 9}-10",
                 "" if i % 4 == 0 else f"{year}-1{i % 3}-20") for i, p in enumerate(people[year % 7:40 + year % 9])]
        imports.import_extract("insatser", _write(tmp_path / f"{year}.csv", rows), year=year)
    payments = tmp_path / "utbetalningar.csv"
    payments.write_text("person_id;utbetalningsdatum;belopp;andamal\n" + "".join(
        f"{p};2025-0{1 + i % 9}-05;{100 + i},50;{'hotell' if i % 3 else 'hyresskuld'}\n"
        for i, p in enumerate(people[30:]) for _ in range(1 + i % 2)), encoding="utf-8")
    imports.import_extract("utbetalningar", payments, year=2025)

    data = figures.load_year(2025)
    mapping = current_mapping()
    keys = {"record_keys": figures.record_keys()} if method == "cellkey" else {}
    shared = compute_year(data.stays.select(*MEASURE_STAYS, "boende"), data.payments.select(list(MEASURE_PAYMENTS)),
                          data.debt_cases, mapping, 2025, **keys, places=data.places).persons
    via_tables = history.year_over_year_tables(2025, mapping, persons=shared, **keys)
    alone = history.year_over_year_tables(2025, mapping, stays=data.stays, payments=data.payments, **keys)
    assert set(via_tables) >= {"acute_inflow", "acute_outflow", "acute_length_of_stay_by_age",
                               "after_protected_housing", "social_contract_exits"}
    assert via_tables == alone
    assert sum(r["persons"] for r in alone["acute_length_of_stay_by_sex"].rows) > 0
    if keys:
        assert any("_cell_keys" in r for r in via_tables["acute_inflow"].rows)
    report = figures.build_report(2025, protected=False)  # unprotected: no record keys
    plain = history.year_over_year_tables(2025, mapping, stays=data.stays, payments=data.payments)
    assert {t: report.tables[t] for t in plain} == plain
