"""Evictions year by year (issue 11 item 5): the units' eviction forms summed per year, Kronofogden's
statistics beside them, in q7's answer and the report's tables, under disclosure control."""

from __future__ import annotations

import datetime as dt

import pytest

from boendeinventering.core.answers import build_answers
from boendeinventering.core.answers.forms import FormsInput, FormSubmission, eviction_trend_table, form_tables
from boendeinventering.core.ingest.issues import IngestError
from boendeinventering.core.kronofogden import KronofogdenYear, kronofogden_table, parse_kronofogden
from boendeinventering.core.tables import Report

HEADER = "år;kommunkod;ansokningar;verkstallda;barn\n"


def _forms(*units: dict) -> FormsInput:
    names = [f"Enhet {i}" for i in range(len(units))]
    return FormsInput(units=names, submissions=[FormSubmission(n, "avhysning", data) for n, data in zip(names, units)])


def _eviction(arenden, avvarjda, genomforda, barn, underrattelser=0) -> dict:
    return {"underrattelser": underrattelser, "arenden": arenden, "avvarjda": avvarjda, "genomforda": genomforda,
            "genomforda_barn": barn}


def _report(forms_by_year: dict[int, FormsInput], kronofogden: list[KronofogdenYear] = ()) -> Report:
    year = max(forms_by_year)
    tables = form_tables(forms_by_year[year])
    trend = eviction_trend_table(forms_by_year)
    if trend is not None:
        tables[trend.id] = trend
    kfm = kronofogden_table(list(kronofogden))
    if kfm is not None:
        tables[kfm.id] = kfm
    return Report("0180", year, dt.date(year, 12, 31), tables, protected=False)


def _q7(report: Report, forms: FormsInput):
    return next(a for a in build_answers(report, forms, []) if a.id == "q7")


def test_the_forms_are_summed_per_year_with_the_years_own_rule():
    by_year = {
        2023: _forms(_eviction(10, 4, 3, 1), _eviction(5, 5, 2, 0)),
        2024: _forms(_eviction(8, 2, 6, 2), {"arenden": "saknas", "avvarjda": 3, "genomforda": 1,
                                              "genomforda_barn": 1}),
        2025: _forms(_eviction(20, 9, 12, 4)),
    }
    table = eviction_trend_table(by_year)
    rows = {r["year"]: r for r in table.rows}
    assert (rows[2023]["cases"], rows[2023]["averted"], rows[2023]["evictions"]) == (15, 9, 5)
    # a unit without a figure for its cases gives no averted ones (the parts rule of forms.py)
    assert (rows[2024]["cases"], rows[2024]["averted"], rows[2024]["evictions"], rows[2024]["evictions_with_children"]
            ) == (8, 2, 7, 3)
    # the year's row is the year's own form table, cell for cell
    own = form_tables(by_year[2025])["form_avhysning"].rows[0]
    assert {m: rows[2025][m] for m in own} == own


def test_one_year_of_forms_gives_no_trend_table():
    assert eviction_trend_table({2025: _forms(_eviction(3, 1, 2, 0))}) is None
    assert eviction_trend_table({2024: FormsInput(["A"], []), 2025: _forms(_eviction(3, 1, 2, 0))}) is None


def test_q7_says_a_small_change_is_uncertain_and_a_large_one_is_an_increase():
    small = {2024: _forms(_eviction(30, 10, 6, 0)), 2025: _forms(_eviction(30, 10, 9, 0))}
    answer = _q7(_report(small), small[2025])
    assert "År 2024 var antalet genomförda avhysningar enligt enheterna 6 avhysningar." in answer.text
    assert "(osäker förändring)" in answer.text
    large = {2024: _forms(_eviction(80, 10, 12, 0)), 2025: _forms(_eviction(80, 10, 40, 0))}
    answer = _q7(_report(large), large[2025])
    assert "12 avhysningar. Ökningen är större än vad slumpen brukar ge." in answer.text
    assert "osäker förändring" not in answer.text
    # every figure the answer states is a cell of the report
    assert any(f.table == "form_avhysning_by_year" and f.key == {"year": 2024} and f.value == 12
               for f in answer.figures)


def test_q7_compares_with_the_latest_earlier_year_not_a_missing_one():
    by_year = {2022: _forms(_eviction(50, 10, 40, 0)), 2025: _forms(_eviction(50, 10, 10, 0))}
    answer = _q7(_report(by_year), by_year[2025])
    assert "År 2022 var antalet genomförda avhysningar enligt enheterna 40 avhysningar. Minskningen" in answer.text


def test_q7_without_earlier_forms_says_the_trend_cannot_be_shown():
    by_year = {2025: _forms(_eviction(5, 1, 3, 0))}
    answer = _q7(_report(by_year), by_year[2025])
    assert any("finns inte för något tidigare år" in c for c in answer.caveats)
    assert any("Kronofogdens statistik" in c and "har inte importerats" in c for c in answer.caveats)


def test_q7_states_kronofogden_beside_the_units():
    by_year = {2024: _forms(_eviction(5, 1, 3, 0)), 2025: _forms(_eviction(5, 1, 4, 0))}
    kfm = [KronofogdenYear(2024, 70, 20, 8), KronofogdenYear(2025, 90, 45, 12)]
    answer = _q7(_report(by_year, kfm), by_year[2025])
    assert ("Enligt Kronofogdens statistik kom 90 ansökningar om avhysning in under 2025 och 45 avhysningar "
            "verkställdes, som berörde 12 barn.") in answer.text
    assert "antalet verkställda avhysningar enligt Kronofogden 20 avhysningar. Ökningen" in answer.text
    assert "kronofogden" in answer.sources and "kronofogden_by_year" in answer.tables


def test_q7_hidden_figure_gives_no_verdict():
    by_year = {2024: _forms(_eviction(30, 10, 3, 0)), 2025: _forms(_eviction(30, 10, 9, 0))}
    report = _report(by_year)
    report.tables["form_avhysning_by_year"].rows[0]["suppressed"] = ["evictions"]
    report.tables["form_avhysning_by_year"].rows[0]["evictions"] = None
    answer = _q7(report, by_year[2025])
    assert "dolt av röjandeskäl" in answer.text
    assert "kan inte bedömas eftersom en av uppgifterna inte redovisas" in answer.text
    assert "3 avhysningar" not in answer.text


# --- Kronofogden's file ---------------------------------------------------------------------------

def test_kronofogden_file_in_cp1252_with_commas_keeps_only_the_own_municipality():
    text = ("År,Kommunkod,Ansökningar,Verkställda,Barn\r\n2024,0180,1 234,40,12\r\n2024,0380,5,1,0\r\n"
            "2025,180,99,41,7\r\n")
    parsed = parse_kronofogden(text.encode("cp1252"), "0180")
    assert parsed.other_rows == 1
    assert [(y.year, y.kfm_applications, y.kfm_evictions, y.kfm_children) for y in parsed.years] == [
        (2024, 1234, 40, 12), (2025, 99, 41, 7)]


@pytest.mark.parametrize("text, expected", [
    ("år;kommun;ansökningar\n2024;0180;3\n", "Rubrikraden saknar verkstallda, barn"),
    (HEADER + "2024;0180;tio;4;1\n", "Rad 2, kolumn ansokningar, värde 'tio': ska vara ett heltal"),
    (HEADER + "2024;0180;3;-4;1\n", "Rad 2, kolumn verkstallda, värde '-4': ska vara ett heltal"),
    (HEADER + "2024;0180;3;4;\n", "Rad 2, kolumn barn: värde saknas"),
    (HEADER + "2024;Solna;3;4;1\n", "Rad 2, kolumn kommunkod, värde 'Solna': kommunkoden ska vara fyra siffror"),
    (HEADER + "2024;0180;3;4;1\n2024;0180;3;4;1\n", "Rad 3, kolumn år, värde '2024': året finns redan på rad 2"),
    (HEADER + "2024;0380;3;4;1\n", "inga rader för kommunkod 0180"),
])
def test_kronofogden_file_errors_name_row_column_and_reason(text, expected):
    with pytest.raises(IngestError) as caught:
        parse_kronofogden(text.encode("utf-8"), "0180")
    assert expected in str(caught.value)


def test_import_is_atomic_idempotent_and_ignores_other_municipalities(installed):
    from boendeinventering.reporting.models import KronofogdenYear as Stored
    from boendeinventering.reporting.services import import_kronofogden

    data = (HEADER + "2024;0180;70;20;8\n2025;0180;90;45;12\n2025;0380;9;9;9\n").encode()
    assert import_kronofogden(data, "samordnare") == {"new": 2, "changed": 0, "unchanged": 0, "other_rows": 1}
    before = list(Stored.objects.order_by("year").values())
    assert import_kronofogden(data, "samordnare") == {"new": 0, "changed": 0, "unchanged": 2, "other_rows": 1}
    assert list(Stored.objects.order_by("year").values()) == before  # same file twice: nothing changed
    with pytest.raises(IngestError):  # a good row and a bad one: nothing of the file is stored
        import_kronofogden((HEADER + "2025;0180;91;46;13\n2026;0180;x;1;1\n").encode(), "samordnare")
    assert list(Stored.objects.order_by("year").values()) == before
    assert import_kronofogden((HEADER + "2025;0180;91;46;13\n").encode(), "samordnare")["changed"] == 1
    assert Stored.objects.get(year=2025).evictions == 46


# --- through the database and disclosure control ----------------------------------------------

def _submit(year: int, unit_data: dict[str, dict]) -> None:
    from boendeinventering.organisation.models import InventoryYear, Unit
    from boendeinventering.reporting.models import UnitReport

    inventory_year, _ = InventoryYear.objects.get_or_create(year=year)
    for name, data in unit_data.items():
        unit, _ = Unit.objects.get_or_create(name=name)
        UnitReport.objects.create(inventory_year=inventory_year, unit=unit, kind="avhysning", data=data,
                                  status=UnitReport.Status.SUBMITTED)


def _import_year(tmp_path, year: int, persons: list[str]) -> None:
    from boendeinventering.services import imports

    path = tmp_path / f"{year}.csv"
    path.write_text("person_id;enhet;insats;startdatum;slutdatum\n" + "".join(
        f"{p};Mottagningen;akutboende;{year}-02-01;{year}-03-01\n" for p in persons), encoding="utf-8")
    imports.import_extract("insatser", path, year=year)


def test_report_of_the_year_holds_evictions_by_year_protected(installed, tmp_path):
    from boendeinventering.core.demo_data import load_test_numbers
    from boendeinventering.reporting.services import import_kronofogden
    from boendeinventering.services import figures

    people = [n for n in load_test_numbers() if "1950" <= n[:4] <= "1999"][:30]
    for year in (2023, 2024, 2025):
        _import_year(tmp_path, year, people)
    _submit(2023, {"A": _eviction(20, 8, 6, 0), "B": _eviction(10, 2, 5, 1)})
    _submit(2024, {"A": _eviction(25, 9, 14, 2)})
    _submit(2025, {"A": _eviction(30, 11, 12, 3), "B": _eviction(4, 1, 5, 0)})
    import_kronofogden((HEADER + "2024;0180;70;20;8\n2025;0180;90;45;2\n2019;0180;1;1;1\n").encode(), "s")

    truth = figures.build_report(2025, protected=False)
    rows = {r["year"]: r for r in truth.tables["form_avhysning_by_year"].rows}
    assert {y: r["evictions"] for y, r in rows.items()} == {2023: 11, 2024: 14, 2025: 17}
    assert {y: r["evictions_with_children"] for y, r in rows.items()} == {2023: 1, 2024: 2, 2025: 3}
    # only the report's five years of Kronofogden's file
    assert [r["year"] for r in truth.tables["kronofogden_by_year"].rows] == [2024, 2025]

    published = figures.build_report(2025)  # protected: passes disclosure control and its audit, or raises
    by_year = {r["year"]: r for r in published.tables["form_avhysning_by_year"].rows}
    own = published.tables["form_avhysning"].rows[0]
    # the year's row and the year's own table hide the same cells (relation F6)
    assert set(by_year[2025].get("suppressed", [])) == set(own.get("suppressed", []))
    assert "evictions_with_children" in by_year[2025]["suppressed"]
    assert by_year[2025]["evictions"] == 17 and by_year[2024]["evictions"] == 14
    kfm = {r["year"]: r for r in published.tables["kronofogden_by_year"].rows}
    assert "kfm_children" in kfm[2025]["suppressed"] and kfm[2025]["kfm_evictions"] == 45
    q7 = next(a for a in published.answers if a.id == "q7")
    assert "År 2024 var antalet genomförda avhysningar enligt enheterna 14 avhysningar." in q7.text
    assert "(osäker förändring)" in q7.text  # 14 -> 17: within chance
    stated = {(f.table, tuple(sorted(f.key.items())), f.measure) for f in q7.figures}
    for table_id, key, measure in stated:
        table = published.tables[table_id]
        row = next(r for r in table.rows if tuple(sorted((d, r[d]) for d in table.dimensions)) == key)
        assert measure in table.measures and (row[measure] is None) == (measure in row.get("suppressed", ()))


def test_the_audit_knows_the_years_row_is_the_years_own_table():
    from boendeinventering.core.protect.relations import build_relations

    by_year = {2024: _forms(_eviction(5, 1, 3, 0)), 2025: _forms(_eviction(9, 2, 4, 1))}
    relations = build_relations(_report(by_year).tables)
    same = [r for r in relations if r.name.startswith("F6") and r.sense == "="]
    cells = {frozenset(c for c, _ in r.terms) for r in same}
    assert frozenset({("form_avhysning_by_year", (2025,), "evictions"), ("form_avhysning", (), "evictions")}) in cells
    assert not any(("form_avhysning_by_year", (2024,), "evictions") in c for c in cells)
    assert any(r.name.startswith("F6 med barn") and (("form_avhysning_by_year", (2024,), "evictions"), -1.0) in r.terms
               for r in relations)


# --- recurring signals: earlier years computed once ----------------------------------------------

def test_earlier_years_signals_are_kept_and_recomputed_only_when_their_inputs_change(installed, tmp_path,
                                                                                      monkeypatch):
    from boendeinventering.core.demo_data import load_test_numbers
    from boendeinventering.reporting.models import SignalHistory
    from boendeinventering.services import figures, history

    people = [n for n in load_test_numbers() if "1950" <= n[:4] <= "1999"][:20]
    for year in (2023, 2024, 2025):
        _import_year(tmp_path, year, people)
    _submit(2024, {"A": _eviction(20, 8, 6, 2)})  # evictions of families: the signal fires in 2024

    def earlier():
        return {x: [s.id for s in history.signals_of_year(x)] for x in (2023, 2024)}

    assert earlier() == {2023: [], 2024: ["evictions_children"]}
    assert set(SignalHistory.objects.values_list("year", flat=True)) == {2023, 2024}

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged earlier year must not be built again")

    real_build = figures.build_report
    monkeypatch.setattr(figures, "build_report", refuse)
    assert earlier() == {2023: [], 2024: ["evictions_children"]}

    # the signal also fires in 2025's own report, which marks it recurring from the kept history
    _submit(2025, {"A": _eviction(20, 8, 6, 1)})
    monkeypatch.setattr(figures, "build_report", real_build)
    report = figures.build_report(2025)
    assert next(s for s in report.signals if s.id == "evictions_children").history == [2024]

    # a changed input (2023's form) recomputes that year only
    _submit(2023, {"A": _eviction(20, 8, 6, 3)})
    built = []
    monkeypatch.setattr(figures, "build_report", lambda year, **kw: built.append(year) or real_build(year, **kw))
    assert earlier() == {2023: ["evictions_children"], 2024: ["evictions_children"]}
    assert built == [2023]


def test_published_outputs_with_evictions_by_year_pass_the_disclosure_checks(installed, tmp_path):
    """Every format of a three-year report with the new tables: no small count, unsuppressed cells
    true, and the LP audit (with F6) passes on the published JSON (tests/test_published_outputs)."""
    import json

    from boendeinventering.core.demo_data import generate_demo_years
    from boendeinventering.reporting.services import import_kronofogden
    from boendeinventering.services import figures, imports, mapping
    from tests.test_published_outputs import _check_all

    years = (2023, 2024, 2025)
    generated = generate_demo_years(tmp_path / "uttag", years=years, persons=150, seed=41)
    mapping.import_mapping(generated[2025].mapping)
    for year, files in generated.items():
        for kind in ("insatser", "utbetalningar", "skuldradgivning", "platser"):
            imports.import_extract(kind, getattr(files, kind), year=year)
    _submit(2023, {"A": _eviction(12, 5, 6, 0), "B": _eviction(3, 1, 2, 1)})
    _submit(2024, {"A": _eviction(14, 6, 9, 2)})
    _submit(2025, {"A": _eviction(16, 7, 11, 3), "B": _eviction(2, 0, 1, 0)})
    import_kronofogden((HEADER + "2023;0180;40;8;3\n2024;0180;44;12;6\n2025;0180;51;3;0\n").encode(), "s")
    out = {fmt: figures.export(2025, fmt, tmp_path / f"rapport.{fmt}") for fmt in ("json", "xlsx", "html", "docx",
                                                                                 "pdf")}
    out["truth"] = figures.export(2025, "json", tmp_path / "internt.json", unprotected=True)
    _check_all(out)
    tables = json.loads(out["json"].read_text(encoding="utf-8"))["tables"]
    by_year = {r["year"]: r for r in tables["form_avhysning_by_year"]["rows"]}
    assert by_year[2023]["evictions"] == 8 and by_year[2025]["evictions"] == 12
    assert "evictions_with_children" in by_year[2025]["suppressed"]  # 3 households: hidden in every format
    kfm = {r["year"]: r for r in tables["kronofogden_by_year"]["rows"]}
    assert "kfm_children" in kfm[2023]["suppressed"] and "kfm_evictions" in kfm[2025]["suppressed"]
    assert kfm[2025]["kfm_children"] == 0  # zero is published


def test_coordinator_uploads_kronofogden_on_the_year_page_and_a_reporter_cannot(users):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from boendeinventering.organisation.models import Role
    from boendeinventering.reporting.models import KronofogdenYear as Stored
    from tests.test_web_access import YEAR
    from tests.test_web_views import as_role

    url = reverse("reporting:kronofogden", kwargs={"year": YEAR})
    coordinator = as_role(users, Role.COORDINATOR)
    assert url in coordinator.get(reverse("web:year", kwargs={"year": YEAR})).content.decode()

    def post(client, text):
        return client.post(url, {"file": SimpleUploadedFile("kfm.csv", text.encode("cp1252"), "text/csv")})

    bad = post(coordinator, HEADER + "2025;0180;tolv;4;1\n")
    assert bad.status_code == 400 and "Rad 2, kolumn ansokningar" in bad.content.decode()
    assert not Stored.objects.exists()
    good = post(coordinator, HEADER + "2025;0180;12;4;1\n2025;0380;1;1;1\n")
    assert good.status_code == 302
    page = coordinator.get(url).content.decode()
    assert "1 nya år" in page and "1 rader för andra kommuner" in page
    assert list(Stored.objects.values_list("year", "applications", "evictions", "children")) == [(2025, 12, 4, 1)]
    reporter = as_role(users, Role.REPORTER)
    assert post(reporter, HEADER + "2025;0180;99;9;9\n").status_code == 403
    assert Stored.objects.get().applications == 12


def test_cell_key_method_gives_a_years_row_the_noise_of_that_years_own_form_table(installed, tmp_path, settings):
    from boendeinventering.core.demo_data import load_test_numbers
    from boendeinventering.reporting.services import import_kronofogden
    from boendeinventering.services import figures

    settings.BOINV_DISCLOSURE_METHOD = "cellkey"
    people = [n for n in load_test_numbers() if "1950" <= n[:4] <= "1999"][:30]
    for year in (2024, 2025):
        _import_year(tmp_path, year, people)
    _submit(2024, {"A": _eviction(40, 17, 23, 9)})
    _submit(2025, {"A": _eviction(37, 13, 29, 11)})
    import_kronofogden((HEADER + "2024;0180;70;20;8\n2025;0180;90;45;12\n").encode(), "s")
    d = settings.BOINV_CELLKEY_D
    noisy_2025 = figures.build_report(2025)  # passes the cell-key check, or raises
    truth = figures.build_report(2025, protected=False)
    by_year = {r["year"]: r for r in noisy_2025.tables["form_avhysning_by_year"].rows}
    own = noisy_2025.tables["form_avhysning"].rows[0]
    assert all(by_year[2025][m] == own[m] for m in ("cases", "averted", "evictions", "evictions_with_children"))
    true_by_year = {r["year"]: r for r in truth.tables["form_avhysning_by_year"].rows}
    kfm = {r["year"]: r for r in noisy_2025.tables["kronofogden_by_year"].rows}
    true_kfm = {r["year"]: r for r in truth.tables["kronofogden_by_year"].rows}
    for tid, rows, true_rows in (("form_avhysning_by_year", by_year, true_by_year),
                                 ("kronofogden_by_year", kfm, true_kfm)):
        for year, row in rows.items():
            for m in noisy_2025.tables[tid].measures:
                assert abs(row[m] - true_rows[year][m]) <= d, (tid, year, m)
    # 2024's row carries the noise 2024's own report gives its form cell: the same count, the same noise
    own_2024 = figures.build_report(2024).tables["form_avhysning"].rows[0]
    assert all(by_year[2024][m] == own_2024[m] for m in ("cases", "averted", "evictions", "evictions_with_children"))


def test_cli_command_imports_and_reports_errors_in_swedish(installed, tmp_path, capsys):
    from boendeinventering.cli import _parser
    from boendeinventering.cli_commands import run
    from boendeinventering.reporting.models import KronofogdenYear as Stored

    good = tmp_path / "kfm.csv"
    good.write_bytes((HEADER + "2025;0180;12;4;1\n2025;0380;1;1;1\n").encode("cp1252"))
    # `boinv import kronofogden FIL`, parsed and dispatched as the command line does
    assert run(_parser().parse_args(["import", "kronofogden", str(good)])) == 0
    assert "1 nya år" in capsys.readouterr().out
    bad = tmp_path / "fel.csv"
    bad.write_bytes((HEADER + "2025;0180;12;fyra;1\n").encode("utf-8"))
    assert run(_parser().parse_args(["import", "kronofogden", str(bad)])) != 0
    assert "Rad 2, kolumn verkstallda, värde 'fyra'" in capsys.readouterr().err
    assert list(Stored.objects.values_list("year", "evictions")) == [(2025, 4)]


def test_kronofogden_page_in_english(users):
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from boendeinventering.organisation.models import Role
    from tests.test_web_access import YEAR
    from tests.test_web_views import as_role

    client = as_role(users, Role.COORDINATOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        page = client.get(reverse("reporting:kronofogden", kwargs={"year": YEAR})).content.decode()
    finally:
        translation.deactivate()
    assert "The Enforcement Authority (Kronofogden) publishes" in page and "The file has the header row" in page
    assert "Kronofogden publicerar" not in page
