"""The benchmark scripts' own logic (issue 12): the comparison that must shout when DuckDB and the
export disagree, and the per-step measurement. DuckDB itself is the `bench` extra, not installed
by `make test`; these parts do not need it."""

from __future__ import annotations

import sys

from tests.test_cli_end_to_end import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench_ratio  # noqa: E402 - the scripts folder is not a package

EXPORTED = {
    "persons_by_kod": [{"situation": 1, "kod": "hotell", "persons": 12, "households": 10, "children": 3,
                        "nights": 40, "cost": 1201}],
    "debt_counselling": [{"cases": 7, "rent_debt_cases": 2}],
}


def _tables(**changes) -> dict[str, list[dict]]:
    tables = {t: [] for t in bench_ratio.TABLES}
    tables.update({t: [dict(r) for r in rows] for t, rows in EXPORTED.items()})
    for table, row in changes.items():
        tables[table] = [row]
    return tables


def test_equal_tables_differ_in_nothing_and_zero_rows_may_be_left_out():
    duck = _tables()
    duck["persons_by_kod_sex"] = [{"situation": 2, "kod": "hvb", "sex": "man", "persons": 0}]
    duck["persons_by_kod"][0]["cost"] = 1201.0  # a whole float is the same figure
    assert bench_ratio.differences(duck, _tables()) == []


def test_one_krona_off_is_reported_from_both_sides():
    duck = _tables(persons_by_kod={**EXPORTED["persons_by_kod"][0], "cost": 1200})
    found = bench_ratio.differences(duck, _tables())
    assert len(found) == 2
    assert found[0].startswith("persons_by_kod: DuckDB") and "('cost', 1200)" in found[0]
    assert found[1].startswith("persons_by_kod: exporten") and "('cost', 1201)" in found[1]


def test_a_missing_row_is_reported():
    duck = _tables(debt_counselling={"cases": 8, "rent_debt_cases": 2})
    assert bench_ratio.differences(duck, _tables()) == [
        "debt_counselling: DuckDB (('cases', 8), ('rent_debt_cases', 2)) saknas i exporten",
        "debt_counselling: exporten (('cases', 7), ('rent_debt_cases', 2)) saknas i DuckDB",
    ]


def test_measured_step_reports_its_own_peak_memory_and_status():
    grow = "b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('klar')"
    result = bench_ratio.measured([sys.executable, "-c", grow])
    assert result["returncode"] == 0 and result["stdout"].strip() == "klar"
    assert result["peak_mb"] >= 300
    failed = bench_ratio.measured([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert failed["returncode"] == 3


def test_work_above_the_floor_is_each_side_less_its_tiny_year():
    year = {"duckdb": {"s": 2.2, "cpu_s": 3.2},
            "runs": {"sqlite": {"total_s": 11.0, "total_cpu_s": 12.0}}}
    floor = {"duckdb": {"s": 0.4, "cpu_s": 0.4},
             "runs": {"sqlite": {"total_s": 5.0, "total_cpu_s": 5.2}}}
    found = bench_ratio._floor(year, floor)["sqlite"]
    assert found["work_s"] == 6.0 and found["work_cpu_s"] == 6.8
    assert found["work_ratio"] == round(6.0 / 1.8, 2) and found["work_ratio_cpu"] == round(6.8 / 2.8, 2)
    # a year no larger than the floor leaves nothing to divide by
    assert bench_ratio._floor(floor, floor)["sqlite"]["work_ratio"] is None
