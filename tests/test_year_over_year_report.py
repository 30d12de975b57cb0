"""Year over year in the report (issue 11): the answers state the flows, the chapter "Utveckling
över tid" in every format, and recurring needs signals.

Hand-made tables with known flows (core, no database), hand-made imports of several years
(through the real pipeline), and the demo's three years."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from boendeinventering.core.report import development as dev
from boendeinventering.core.report.charts import TREND_CHART_ID, report_charts, trend_chart_data
from boendeinventering.core.report.document import TextTable, build_document
from boendeinventering.core.report.exporters import EXPORTERS
from boendeinventering.core.report.labels import history_text, recurring_since, value_label
from boendeinventering.core.signals import mark_recurring
from boendeinventering.core.tables import Signal, Table
from tests.test_answers_core import YEAR, check_numbers, complete, demo_forms, helper_tables, make_report


def flow_tables(a_previous=121, hidden_returning=False) -> dict[str, Table]:
    """helper_tables plus the year-over-year tables, consistent with them: A(2025) = 130 (the
    sex cells), the inflow partitions it, the outflow partitions A(2024) = 121."""
    t = helper_tables()
    t["acute_trend"] = Table("acute_trend", "Personer i akut hemlöshet, år för år", ["year"], ["persons"],
                             [{"year": 2023, "persons": 80}, {"year": 2024, "persons": a_previous},
                              {"year": 2025, "persons": 130}])
    t["trend_by_situation"] = Table(
        "trend_by_situation", "Personer per situation, år för år", ["year", "situation"], ["persons"],
        [{"year": y, "situation": s, "persons": v} for (y, s), v in {
            (2023, 1): 60, (2023, 2): 40, (2023, 3): 60, (2024, 1): 95, (2024, 2): 38, (2024, 3): 70,
            (2025, 1): 100, (2025, 2): 40, (2025, 3): 120}.items()])
    if hidden_returning:  # two returning: a small cell the protection must hide
        t["acute_inflow"].rows = [{"flow": "continuing", "persons": 50}, {"flow": "returning", "persons": 2},
                                  {"flow": "from_s2_s3", "persons": 20}, {"flow": "new", "persons": 58}]
    t["after_protected_housing"] = Table(
        "after_protected_housing", "Efter skyddat boende som avslutades 2024", ["flow"], ["persons"],
        [{"flow": "acute", "persons": 0}, {"flow": "situation_2", "persons": 0},
         {"flow": "situation_3", "persons": 8}, {"flow": "none", "persons": 6}])
    t["social_contract_exits"] = Table(
        "social_contract_exits", "Sociala kontrakt som avslutades 2024", ["flow"], ["persons"],
        [{"flow": "to_acute", "persons": 7}, {"flow": "to_situation_2", "persons": 0},
         {"flow": "other_situation_3", "persons": 0}, {"flow": "none", "persons": 12}])
    return t


def _report(**kwargs):
    _, safe = make_report(flow_tables(**kwargs), demo_forms())
    return complete(safe, demo_forms())


# --- 1. the answers use the flows -------------------------------------------------------------------


def test_answers_state_inflow_after_protected_housing_and_contract_exits():
    report = _report()
    check_numbers(report)  # every number in the new sentences is a published cell
    a = {x.id: x.text.replace("\u00a0", " ") for x in report.answers}
    assert ("var 50 personer i akut hemlöshet även 2024, 10 personer återkom efter ett år utan akut hemlöshet "
            "och 20 personer kom från situation 2 eller situation 3") in a["q1"]
    assert "50 personer syntes inte i de tidigare årens uppgifter och var alltså nya" in a["q1"]
    # last year's A(Y) with the verdict of the change-vs-chance test: 121 -> 130 is chance
    assert "År 2024 var motsvarande antal 121 personer." in a["q1"]
    assert "kan bero på slumpen (osäker förändring)" in a["q1"]
    assert ("Av de 14 personer vars skyddade boende avslutades 2024 fick 8 personer en långsiktig boendelösning "
            "i situation 3 inom ett år, ingen ett boende i situation 2 och ingen en akut boendelösning. För 6 "
            "personer finns ingen känd insats") in a["q9"]
    assert ("för 19 personer vars sociala kontrakt avslutades 2024: 12 personer fick ingen ny insats inom ett år"
            in a["q10"])
    assert "7 personer hamnade i akut hemlöshet" in a["q10"]
    by_id = {x.id: x for x in report.answers}
    assert "after_protected_housing" in by_id["q9"].tables and by_id["q9"].status == "answered"
    assert "social_contract_exits" in by_id["q10"].tables
    stated = {(f.table, tuple(f.key.values()), f.value) for f in by_id["q1"].figures}
    assert ("acute_inflow", ("returning",), 10) in stated and ("acute_trend", (2024,), 121) in stated


def test_a_significant_change_is_called_one():
    report = _report(a_previous=80)  # 80 -> 130: far more than chance
    q1 = report.answers[0].text.replace("\u00a0", " ")
    assert "År 2024 var motsvarande antal 80 personer. Ökningen är större än vad slumpen brukar ge." in q1
    check_numbers(report)


def test_a_hidden_flow_is_said_to_be_hidden_never_derived():
    report = _report(hidden_returning=True)
    check_numbers(report)
    inflow = report.tables["acute_inflow"]
    hidden = {r["flow"] for r in inflow.rows if "persons" in r.get("suppressed", ())}
    assert "returning" in hidden and len(hidden) >= 2  # the audit hides a second cell, or 2 = 130 − the rest
    q1 = report.answers[0]
    assert "dolt av röjandeskäl" in q1.text
    assert not any(f.table == "acute_inflow" and f.value == 2 for f in q1.figures)


# --- 2. "Utveckling över tid" ----------------------------------------------------------------------


def test_main_figures_with_last_year_change_and_verdict():
    report = _report(a_previous=80)
    changes = {c.label.split(" (")[0].split(",")[0]: c for c in dev.main_changes(report)}
    acute = changes["Personer i akut hemlöshet"]
    assert (acute.previous, acute.current, acute.difference, acute.verdict) == (80, 130, 50, "ökning")
    s2 = changes["Personer i situation 2"]
    assert (s2.previous, s2.current, s2.verdict) == (38, 40, "osäker förändring")
    s3 = changes["Personer i situation 3"]
    assert (s3.previous, s3.current, s3.verdict) == (70, 120, "ökning")
    headings, rows = dev.comparison_rows(report)
    assert headings == ["Uppgift", "2024", "2025", "Förändring", "Bedömning"]
    assert rows[0][1:] == ["80", "130", "+50", "ökning"]


def test_a_hidden_year_gives_no_change_and_no_verdict():
    report = _report()
    row = next(r for r in report.tables["trend_by_situation"].rows if (r["year"], r["situation"]) == (2024, 2))
    row["persons"], row["suppressed"] = None, ["persons"]
    s2 = next(c for c in dev.main_changes(report) if "situation 2" in c.label)
    assert s2.previous is None and s2.difference is None and s2.verdict == "osäker förändring"
    assert dev.change_text(s2) == "kan inte beräknas" and dev.value_text(s2.previous) == "dold"
    # the chart leaves the hidden year out (a gap), never a point
    data = trend_chart_data(report)
    assert data.categories == ["2023", "2024", "2025"]
    assert data.series["Personer i situation 2"] == [40, None, 40]
    assert ("2024", "Personer i situation 2") in data.suppressed


def test_document_has_the_chapter_with_table_chart_and_flows():
    report = _report(a_previous=80)
    doc = build_document(report)
    anchors = [b.anchor for b in doc.blocks if hasattr(b, "anchor")]
    assert "utveckling" in anchors and anchors.index("utveckling") < anchors.index("tabeller")
    table = next(b for b in doc.blocks if isinstance(b, TextTable))
    assert table.caption == "Huvudsiffror 2024 och 2025" and table.rows[0][-1] == "ökning"
    charts = [b.chart.id for b in doc.blocks if hasattr(b, "chart")]
    assert charts.count(TREND_CHART_ID) == 1  # in the chapter, not again under "Diagram"
    assert anchors.index("utveckling-floden") < anchors.index("tabeller")
    assert "utveckling-acute_inflow" in anchors
    assert value_label("flow", "new").startswith("Nya")


def test_a_single_year_says_there_is_nothing_to_compare_yet():
    t = helper_tables()
    t["acute_trend"] = Table("acute_trend", "Trend", ["year"], ["persons"], [{"year": 2025, "persons": 130}])
    del t["acute_inflow"], t["acute_outflow"]
    _, safe = make_report(t, demo_forms())
    report = complete(safe, demo_forms())
    doc = build_document(report)
    texts = [getattr(b, "text", "") for b in doc.blocks]
    assert "Utveckling över tid" in texts
    assert any("kan inte jämföras med tidigare år ännu" in x for x in texts)
    assert not any(isinstance(b, TextTable) for b in doc.blocks)
    assert all(c.id != TREND_CHART_ID for c in report_charts(report))
    check_numbers(report)


def test_every_format_shows_the_development():
    report = _report(a_previous=80)
    html = EXPORTERS["html"].render(report).decode("utf-8")
    assert 'id="utveckling"' in html and 'id="tabell-utveckling"' in html
    assert f'<figure id="{TREND_CHART_ID}">' in html and "<svg" in html.split(f'id="{TREND_CHART_ID}"')[1][:400]
    assert "Nya (inte i akut hemlöshet" in html  # flows with Swedish labels
    assert ">ökning<" in html

    docx_bytes = EXPORTERS["docx"].render(report)
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        body = z.read("word/document.xml").decode("utf-8")
        images = [n for n in z.namelist() if n.startswith("word/media/")]
    assert "Utveckling över tid" in body and "Huvudsiffror 2024 och 2025" in body and "ökning" in body
    assert len(images) >= 1

    xlsx_bytes = EXPORTERS["xlsx"].render(report)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx_bytes))
    ws = wb["Utveckling över tid"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert ["Personer i akut hemlöshet (situation 1, insatser och utbetalningar)", 80, 130, 50, "ökning"] in [
        v[:5] for v in values]
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert any("<c:lineChart>" in c and "Utveckling över tid" in c for c in charts)

    # JSON keeps SPEC's shape: the years side by side are its tables, the verdict is derived from them
    data = json.loads(EXPORTERS["json"].render(report))
    assert [r["persons"] for r in data["tables"]["acute_trend"]["rows"]] == [80, 80, 130]


def test_a_hidden_value_is_a_blank_in_the_excel_chart_data():
    report = _report()
    row = next(r for r in report.tables["acute_trend"].rows if r["year"] == 2023)
    row["persons"], row["suppressed"] = None, ["persons"]
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(report)))["Utveckling över tid"]
    acute_rows = [[c.value for c in r] for r in ws.iter_rows() if r[0].value == dev.MAIN_FIGURES[0][0]]
    by_year = acute_rows[-1]  # the year-by-year block: 2023, 2024, 2025
    assert by_year[1:4] == [None, 121, 130]
    assert any("Tom cell" in str(r[0].value) for r in ws.iter_rows())


# --- 3. recurring signals ---------------------------------------------------------------------------


def _signal(history):
    return Signal("elderly_acute", "Äldre i akut hemlöshet", "Text.", "Regel.", history=list(history))


@pytest.mark.parametrize("history, since, text", [
    ([2023, 2024], 2023, "Återkommande sedan 2023 (gav utslag även 2023 och 2024)"),
    ([2024], 2024, "Återkommande sedan 2024 (gav utslag även 2024)"),
    ([2022, 2024], 2024, "Återkommande sedan 2024 (gav utslag även 2022 och 2024)"),
    ([2023], None, "Gav utslag även 2023, men inte 2024"),
    ([], None, ""),
])
def test_recurring_since_needs_an_unbroken_run_up_to_last_year(history, since, text):
    signal = _signal(history)
    assert recurring_since(signal, 2025) == since
    assert history_text(signal, 2025) == text


def test_mark_recurring_takes_the_years_a_signal_fired():
    this_year = [_signal([]), Signal("rent_arrears", "Hyresskulder", "T.", "R.")]
    earlier = {2023: [_signal([])], 2024: [_signal([]), Signal("occupancy", "B", "T.", "R.")]}
    mark_recurring(this_year, 2025, earlier)
    assert this_year[0].history == [2023, 2024] and this_year[1].history == []


def test_outputs_show_a_recurring_signal():
    report = _report()
    signal = report.signals[0]
    signal.history = [2023, 2024]
    doc = build_document(report)
    facts = [row for b in doc.blocks if hasattr(b, "rows") and not isinstance(b, TextTable) for row in b.rows]
    assert ("Tidigare år", "Återkommande sedan 2023 (gav utslag även 2023 och 2024)") in facts
    assert "Återkommande sedan 2023" in EXPORTERS["html"].render(report).decode("utf-8")
    data = json.loads(EXPORTERS["json"].render(report))
    first = data["signals"][0]
    assert first["history"] == [2023, 2024] and first["recurring_since"] == 2023


# --- through the database: imports of several years ----------------------------------------------

HEADER = "person_id;enhet;insats;startdatum;slutdatum\n"


def _write(path, rows):
    path.write_text(HEADER + "".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _people():
    from boendeinventering.core.demo_data import load_test_numbers

    numbers = load_test_numbers()
    old = [n for n in numbers if "1930" <= n[:4] <= "1945"][:2]  # 65 or older: the elderly signal
    adults = [n for n in numbers if "1970" <= n[:4] <= "1995"][:12]
    return old, adults


def test_a_signal_firing_two_years_running_is_recurring(installed, tmp_path):
    from boendeinventering.services import figures, imports

    old, adults = _people()
    rows = {
        2023: [(p, "Mottagningen", "akutboende", "2023-02-01", "2023-03-01") for p in adults[:8]],
        2024: [(p, "Mottagningen", "akutboende", "2024-02-01", "2024-03-01") for p in adults[:8] + old],
        2025: [(p, "Mottagningen", "akutboende", "2025-02-01", "2025-03-01") for p in adults[4:] + old],
    }
    for year, year_rows in rows.items():
        imports.import_extract("insatser", _write(tmp_path / f"{year}.csv", year_rows), year=year)
    # 2024 not published: its signals come from its protected report built now
    report = figures.build_report(2025)
    elderly = next(s for s in report.signals if s.id == "elderly_acute")
    assert elderly.history == [2024]
    assert history_text(elderly, 2025) == "Återkommande sedan 2024 (gav utslag även 2024)"
    # 2023 had no one aged 65+: the signal did not fire that year
    assert 2023 not in elderly.history
    # once 2024 is published its snapshot is read instead, with the same result
    figures.publish_year(2024, "test")
    again = next(s for s in figures.build_report(2025).signals if s.id == "elderly_acute")
    assert again.history == [2024]
    # the report of 2024 itself: nothing earlier fired
    first = next(s for s in figures.build_report(2024).signals if s.id == "elderly_acute")
    assert first.history == [] and history_text(first, 2024) == ""
    html = figures.export(2025, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Återkommande sedan 2024" in html and 'id="utveckling"' in html


def test_the_demo_shows_three_years_with_trends_flows_and_recurring_signals(installed, tmp_path):
    from boendeinventering.services.demo import run_demo
    from boendeinventering.services.figures import build_report

    run_demo(tmp_path / "demo", persons=300, echo=lambda *_: None)
    report = build_report(YEAR)
    assert dev.trend_years(report) == [2023, 2024, 2025]
    assert dev.previous_year(report) == 2024
    changes = dev.main_changes(report)
    assert len(changes) == 4 and all(c.verdict in ("ökning", "minskning", "osäker förändring") for c in changes)
    recurring = [s for s in report.signals if recurring_since(s, YEAR) is not None]
    assert recurring, [(s.id, s.history) for s in report.signals]
    q1 = report.answers[0].text
    assert "syntes inte i de tidigare årens uppgifter" in q1 or "dolt av röjandeskäl" in q1
    check_numbers(report)
    html = (tmp_path / "demo" / "rapporter" / f"inventering-{YEAR}.html").read_text(encoding="utf-8")
    assert 'id="utveckling"' in html and TREND_CHART_ID in html and "Återkommande sedan" in html
    # evictions year by year: the units' forms of all three years, and the demo's Kronofogden file
    # (its other municipality's rows left out)
    from boendeinventering.services.demo_forms import DEMO_FORMS, EARLIER_EVICTIONS

    evictions = {r["year"]: r["evictions"] for r in report.tables["form_avhysning_by_year"].rows}
    assert evictions == {2023: EARLIER_EVICTIONS[2]["genomforda"], 2024: EARLIER_EVICTIONS[1]["genomforda"],
                         2025: DEMO_FORMS["Mottagningsenheten"]["avhysning"]["genomforda"]}
    assert [r["year"] for r in report.tables["kronofogden_by_year"].rows] == [2023, 2024, 2025]
    q7 = next(a for a in report.answers if a.id == "q7")
    assert "År 2024 var antalet genomförda avhysningar enligt enheterna" in q7.text
    assert "Enligt Kronofogdens statistik" in q7.text
