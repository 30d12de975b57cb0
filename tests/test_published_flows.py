"""Published outputs of a multi-year municipality: the year-over-year tables pass the same checks
as the year's own tables (no small count, unsuppressed cells true, LP audit at width 5)."""

from __future__ import annotations

import json

import pytest

from boendeinventering.core.demo_data import generate_demo_years
from boendeinventering.services import figures, imports, mapping

try:  # tests/ is a package when run from the project root
    from tests.test_published_outputs import _check_all
except ImportError:  # pragma: no cover
    from test_published_outputs import _check_all

YEARS = (2023, 2024, 2025)
FLOW_TABLES = ("trend_by_situation", "acute_trend", "acute_inflow", "acute_outflow", "acute_length_of_stay",
               "acute_length_of_stay_by_sex", "acute_length_of_stay_by_age")


def _publish_years(tmp_path, persons, seed):
    generated = generate_demo_years(tmp_path / "uttag", years=YEARS, persons=persons, seed=seed)
    mapping.import_mapping(generated[YEARS[-1]].mapping)
    for year, files in generated.items():
        for kind in ("insatser", "utbetalningar", "skuldradgivning"):
            imports.import_extract(kind, getattr(files, kind), year=year)
    year = YEARS[-1]
    out = {fmt: figures.export(year, fmt, tmp_path / f"rapport.{fmt}") for fmt in ("json", "xlsx", "html", "docx", "pdf")}
    out["truth"] = figures.export(year, "json", tmp_path / "internt.json", unprotected=True)
    return out


@pytest.mark.parametrize("persons, seed", [(40, 31), (150, 32), (1500, 1)])
def test_multi_year_outputs_are_protected(installed, tmp_path, persons, seed):
    out = _publish_years(tmp_path, persons, seed)
    _check_all(out)
    published = json.loads(out["json"].read_text(encoding="utf-8"))["tables"]
    truth = json.loads(out["truth"].read_text(encoding="utf-8"))["tables"]
    assert set(FLOW_TABLES) <= set(published)
    # the truth's flows partition A(Y) and A(Y-1) (SPEC 8)
    acute = {r["year"]: r["persons"] for r in truth["acute_trend"]["rows"]}
    assert sum(r["persons"] for r in truth["acute_inflow"]["rows"]) == acute[2025]
    assert sum(r["persons"] for r in truth["acute_outflow"]["rows"]) == acute[2024]
    assert acute[2025] == sum(r["persons"] for r in truth["acute_persons_by_sex"]["rows"])
    if persons >= 1500:  # the demo's size: every flow is there and the trend is published
        assert all(r["persons"] for r in truth["acute_inflow"]["rows"])
        assert all(r["persons"] for r in truth["acute_outflow"]["rows"])
        assert [r["persons"] for r in published["acute_trend"]["rows"]] == [acute[y] for y in YEARS]
