"""core.demo_data.generate_demo_years: several years of one municipality, persons recurring."""

from __future__ import annotations

import polars as pl

from boendeinventering.core import demo_data


def _ids(path):
    frame = pl.read_csv(path, separator=";", encoding="cp1252", infer_schema=False)
    ids = frame.get_column("Person_ID")
    # 10-digit YYMMDD-NNNN back to 12 digits (the demo's persons are born 19xx or 20xx)
    return {i if len(i) == 12 or i.startswith("R-") else ("20" if i[:2] <= "09" else "19") + i[:6] + i[7:]
            for i in ids}


def test_three_years_with_recurring_persons(tmp_path):
    files = demo_data.generate_demo_years(tmp_path, persons=400, seed=3)
    assert sorted(files) == [2023, 2024, 2025]
    ids = {year: _ids(f.insatser) for year, f in files.items()}
    for earlier, later in ((2023, 2024), (2024, 2025)):
        shared = ids[earlier] & ids[later]
        assert len(shared) > 0.4 * len(ids[earlier])  # most recur ...
        assert len(ids[later] - ids[earlier]) > 0.1 * len(ids[later])  # ... and newcomers arrive
    # only Skatteverket's test numbers or generated samordningsnummer (day + 60), never other numbers
    test_numbers = set(demo_data.load_test_numbers())
    for year_ids in ids.values():
        for pid in year_ids:
            assert pid in test_numbers or int(pid[6:8]) > 60 or pid.startswith("R-"), pid
    again = demo_data.generate_demo_years(tmp_path / "again", persons=400, seed=3)
    assert again[2025].insatser.read_bytes() == files[2025].insatser.read_bytes()

