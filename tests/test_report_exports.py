"""Report exporters: JSON (SPEC 6), xlsx, self-contained HTML, charts, atomic writes."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from boendeinventering.core.report.files import atomic_write
from boendeinventering.core.report.html_export import report_to_html, write_html
from boendeinventering.core.report.json_export import report_to_json, write_json
from boendeinventering.core.report.xlsx_export import write_xlsx
from boendeinventering.core.report import charts as charts_mod
from boendeinventering.core.report import xlsx_export
from boendeinventering.core.report.labels import (
    SUPPRESSED_FOOTNOTE,
    UNPROTECTED_WARNING,
    format_number_sv,
    sheet_name,
    value_label,
)
from boendeinventering.core.tables import Report, Table

NBSP = "\u00a0"
# A value left in a suppressed cell by mistake: it must never appear in any output.
LEAKED = 4321


def _tables(protected: bool) -> dict[str, Table]:
    def sup(row: dict, *measures: str) -> dict:
        if not protected:
            return row
        return {**row, **{m: None for m in measures}, "suppressed": list(measures)}

    by_situation = Table(
        "persons_by_situation",
        "Personer per situation",
        ["situation"],
        ["persons", "households", "children", "nights", "cost"],
        [
            sup({"situation": 1, "persons": 1234, "households": 1000, "children": 3, "nights": 45678,
                 "cost": 1234567.5}, "children"),
            {"situation": 2, "persons": 56, "households": 50, "children": 12, "nights": 9000, "cost": 2.5},
            sup({"situation": 3, "persons": 2, "households": 2, "children": 0, "nights": 30, "cost": 900},
                "persons", "households", "nights", "cost"),
        ],
    )
    by_kod = Table(
        "persons_by_kod",
        "Personer per situation och boendeform",
        ["situation", "kod"],
        ["persons"],
        [{"situation": 1, "kod": "hotell", "persons": 33}, {"situation": 2, "kod": "hvb", "persons": 20}],
        note="En person räknas en gång per boendeform.",
    )
    leak_row = {"situation": 1, "sex": "man", "age_band": "65-", "persons": LEAKED}
    if protected:
        leak_row["suppressed"] = ["persons"]  # value deliberately left in place
    sex_age = Table(
        "persons_by_situation_sex_age",
        "Personer per situation, kön och ålder",
        ["situation", "sex", "age_band"],
        ["persons"],
        [
            {"situation": 1, "sex": "kvinna", "age_band": "18-20", "persons": 10},
            sup({"situation": 1, "sex": "man", "age_band": "18-20", "persons": 3}, "persons"),
            {"situation": 1, "sex": "kvinna", "age_band": "65-", "persons": 7},
            leak_row,
            {"situation": 2, "sex": "okänt", "age_band": "okänd", "persons": 22},
        ],
    )
    debt = Table("debt_counselling", "Budget- och skuldrådgivning", [], ["cases", "rent_debt_cases"],
                 [{"cases": 40, "rent_debt_cases": 12}])
    return {t.id: t for t in (by_situation, by_kod, sex_age, debt)}


def make_report(protected: bool = True) -> Report:
    quality = Table(
        "data_quality",
        "Datakvalitet",
        ["indicator"],
        ["value"],
        [{"indicator": "Personer utan personnummer", "value": 17}, {"indicator": "Andel med känt kön", "value": 0.975}],
    )
    return Report(
        kommun="0180",
        year=2025,
        reference_date=dt.date(2025, 12, 31),
        tables=_tables(protected),
        protected=protected,
        method_notes=["Tal från 1 till 4 har tagits bort.", "Intervallbredden är minst 5."],
        quality=quality,
    )


# --- JSON ----------------------------------------------------------------------------------


def test_json_matches_spec_shape_exactly():
    out = report_to_json(make_report())
    assert list(out) == ["format", "kommun", "year", "protected", "reference_date", "tables", "quality", "method_notes",
                         "published", "publication_status", "introduction", "answers", "signals", "recommendation",
                         "conclusions"]
    assert out["published"] is None and out["publication_status"] == "ej publicerad"
    assert out["answers"] == [] and out["signals"] == [] and out["recommendation"] is None
    assert out["format"] == "boinv/1" and out["kommun"] == "0180" and out["year"] == 2025
    assert out["protected"] is True
    assert out["reference_date"] == "2025-12-31"
    assert out["method_notes"] == ["Tal från 1 till 4 har tagits bort.", "Intervallbredden är minst 5."]
    assert list(out["tables"]) == ["persons_by_situation", "persons_by_kod", "persons_by_situation_sex_age",
                                   "debt_counselling"]
    for table in out["tables"].values():
        assert list(table) == ["dimensions", "measures", "rows"]

    assert out["tables"]["persons_by_situation"] == {
        "dimensions": ["situation"],
        "measures": ["persons", "households", "children", "nights", "cost"],
        "rows": [
            {"situation": 1, "persons": 1234, "households": 1000, "children": None, "nights": 45678,
             "cost": 1234568, "suppressed": ["children"]},
            {"situation": 2, "persons": 56, "households": 50, "children": 12, "nights": 9000, "cost": 3},
            {"situation": 3, "persons": None, "households": None, "children": 0, "nights": None, "cost": None,
             "suppressed": ["persons", "households", "nights", "cost"]},
        ],
    }
    assert out["tables"]["debt_counselling"] == {
        "dimensions": [], "measures": ["cases", "rent_debt_cases"], "rows": [{"cases": 40, "rent_debt_cases": 12}]
    }
    # the quality table sits beside the tables, in the same shape, and is not protected
    assert "data_quality" not in out["tables"]
    assert out["quality"] == {
        "dimensions": ["indicator"],
        "measures": ["value"],
        "rows": [{"indicator": "Personer utan personnummer", "value": 17},
                 {"indicator": "Andel med känt kön", "value": 0.975}],
    }


def test_json_money_is_whole_kronor_and_every_number_an_int():
    out = report_to_json(make_report(protected=False))
    for table in out["tables"].values():
        for row in table["rows"]:
            for m in table["measures"]:
                assert type(row[m]) is int, (m, row)
    rows = out["tables"]["persons_by_situation"]["rows"]
    assert rows[0]["cost"] == 1234568  # 1 234 567,5 rounds half up, not to even
    assert rows[1]["cost"] == 3  # 2,5 -> 3 (Python's round would give 2)


def test_json_suppressed_value_never_leaks_even_if_left_in_row():
    out = report_to_json(make_report())
    row = out["tables"]["persons_by_situation_sex_age"]["rows"][3]
    assert row == {"situation": 1, "sex": "man", "age_band": "65-", "persons": None, "suppressed": ["persons"]}
    assert str(LEAKED) not in json.dumps(out)


def test_json_unprotected_has_no_suppression():
    out = report_to_json(make_report(protected=False))
    assert out["protected"] is False
    text = json.dumps(out["tables"])
    assert "suppressed" not in text and "null" not in text
    assert out["tables"]["persons_by_situation"]["rows"][2]["persons"] == 2


def test_json_deterministic_and_written_as_utf8(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json(make_report(), a)
    write_json(make_report(), b)
    assert a.read_bytes() == b.read_bytes()
    raw = a.read_bytes().decode("utf-8")
    assert "Intervallbredden är minst 5." in raw and "\\u00e4" not in raw  # ensure_ascii=False
    assert raw.startswith('{\n  "format": "boinv/1"')  # indent=2
    assert json.loads(raw) == report_to_json(make_report())


# --- xlsx ----------------------------------------------------------------------------------


def _cells(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _header_row(ws, first: str) -> int:
    for row in ws.iter_rows():
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header {first!r} in {ws.title}")


@pytest.fixture(scope="module")
def xlsx_books(tmp_path_factory):
    base = tmp_path_factory.mktemp("xlsx")
    books = {}
    for protected in (True, False):
        path = write_xlsx(make_report(protected), base / f"rapport-{protected}.xlsx")
        books[protected] = openpyxl.load_workbook(path)
    return books


def test_xlsx_sheets(xlsx_books):
    wb = xlsx_books[True]
    assert wb.sheetnames == [
        "Om rapporten",
        "Svar",
        "Behov",
        "Diagram",
        "Personer per situation",
        "Personer per boendeform",
        "Situation, kön och ålder",
        "Budget- och skuldrådgivning",
        "Datakvalitet",
    ]
    assert all(len(n) <= 31 for n in wb.sheetnames)
    about = [v for row in _cells(wb["Om rapporten"]) for v in row if v is not None]
    assert "0180" in about and 2025 in about and "Ja" in about
    assert "Tal från 1 till 4 har tagits bort." in about and SUPPRESSED_FOOTNOTE in about
    assert "Nej" in [v for row in _cells(xlsx_books[False]["Om rapporten"]) for v in row]


def test_xlsx_headings_labels_numbers_and_suppression(xlsx_books):
    ws = xlsx_books[True]["Personer per situation"]
    h = _header_row(ws, "Situation")
    header = [c.value for c in ws[h]]
    assert header == ["Situation", "Personer", "Hushåll", "Barn", "Boendedygn", "Kostnad (kr)"]
    assert all(c.font.bold for c in ws[h])
    assert ws.freeze_panes == f"A{h + 1}"

    first = ws[h + 1]
    assert first[0].value == "1 Akut hemlöshet"
    assert first[1].value == 1234 and first[1].data_type == "n" and first[1].number_format == "#,##0"
    assert first[3].value == "–"
    assert first[5].value == 1234568
    third = [c.value for c in ws[h + 3]]
    assert third == ["3 Långsiktiga boendelösningar", "–", "–", 0, "–", "–"]
    assert SUPPRESSED_FOOTNOTE in [row[0] for row in _cells(ws)]

    kod = xlsx_books[True]["Personer per boendeform"]
    h = _header_row(kod, "Situation")
    assert [c.value for c in kod[h]] == ["Situation", "Boendeform", "Personer"]
    assert [c.value for c in kod[h + 1]] == ["1 Akut hemlöshet", "Hotell", 33]
    # no suppressed cell in this table: no footnote
    assert SUPPRESSED_FOOTNOTE not in [row[0] for row in _cells(kod)]

    age = xlsx_books[True]["Situation, kön och ålder"]
    values = [v for row in _cells(age) for v in row]
    assert "Kvinnor" in values and "65 år och äldre" in values and "Okänd ålder" in values
    assert LEAKED not in values


def test_xlsx_column_widths_fit(xlsx_books):
    ws = xlsx_books[True]["Personer per situation"]
    assert ws.column_dimensions["A"].width >= len("2 Institutionsvistelse och stödboende")
    assert ws.column_dimensions["F"].width >= len("Kostnad (kr)")
    assert ws.column_dimensions["A"].width <= 62


def test_xlsx_quality_sheet(xlsx_books):
    ws = xlsx_books[True]["Datakvalitet"]
    h = _header_row(ws, "Indikator")
    assert [c.value for c in ws[h]] == ["Indikator", "Värde"]
    assert [c.value for c in ws[h + 1]] == ["Personer utan personnummer", 17]
    assert ws.cell(h + 2, 2).value == pytest.approx(0.975)


def test_xlsx_warning_on_every_sheet_only_when_unprotected(xlsx_books):
    for ws in xlsx_books[False]:
        assert ws["A1"].value == UNPROTECTED_WARNING, ws.title
    for ws in xlsx_books[True]:
        assert UNPROTECTED_WARNING not in [v for row in _cells(ws) for v in row], ws.title
    ws = xlsx_books[False]["Personer per situation"]
    h = _header_row(ws, "Situation")
    assert [c.value for c in ws[h + 3]] == ["3 Långsiktiga boendelösningar", 2, 2, 0, 30, 900]
    assert SUPPRESSED_FOOTNOTE not in [row[0] for row in _cells(ws)]


def test_sheet_names_are_valid_and_unique():
    taken = {"om rapporten"}
    long = "Personer i situation 2 per boendeform, kön och åldersgrupp"
    a = sheet_name(long, taken)
    b = sheet_name(long, taken)
    c = sheet_name("Om rapporten", taken)
    d = sheet_name("Kön/ålder [alla]: *?", taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b and b.endswith("(2)")
    assert c.casefold() != "om rapporten"
    assert not set("[]:*?/\\") & set(d)


# --- HTML ----------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.captions: list[str] = []
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_caption = tag == "caption"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_caption:
            self.captions.append(data)


def _parse(html: str) -> _Collector:
    p = _Collector()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def html_pages():
    return {protected: report_to_html(make_report(protected)) for protected in (True, False)}


def test_html_is_self_contained(html_pages):
    for html in html_pages.values():
        p = _parse(html)
        names = [t for t, _ in p.tags]
        assert "script" not in names and "link" not in names and "iframe" not in names
        for tag, attrs in p.tags:
            for key in ("src", "href", "xlink:href", "action", "data"):
                value = attrs.get(key)
                if value is not None:
                    assert value.startswith("#"), (tag, key, value)
        assert "http://" not in html and "https://" not in html
        assert "@import" not in html and "url(http" not in html


def test_html_structure_and_language(html_pages):
    html = html_pages[True]
    p = _parse(html)
    assert ("html", {"lang": "sv"}) in p.tags
    title = "Inventering av socialtjänstens insatser för boende – 0180 2025"
    assert title in "".join(p.text)
    headings = [int(t[1]) for t, _ in p.tags if t in ("h1", "h2", "h3", "h4")]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:]))  # no skipped level
    n_tables = sum(1 for t, _ in p.tags if t == "table")
    assert n_tables == 5  # four tables + data quality
    assert sum(1 for t, _ in p.tags if t == "caption") == n_tables
    assert "Personer per situation" in p.captions and "Datakvalitet" in p.captions
    assert all(a.get("scope") in ("col", "row") for t, a in p.tags if t == "th")


def test_html_content_swedish_numbers_and_suppression(html_pages):
    html = html_pages[True]
    assert f"<td class=\"num\">1{NBSP}234</td>" in html
    assert f"1{NBSP}234{NBSP}568" in html  # cost, whole kronor
    assert '<td class="num suppressed">–</td>' in html
    assert SUPPRESSED_FOOTNOTE in html
    assert "Hotell" in html and "1 Akut hemlöshet" in html and "Kvinnor" in html
    assert "Tal från 1 till 4 har tagits bort." in html and "Personer utan personnummer" in html
    assert format_number_sv(LEAKED) not in html and str(LEAKED) not in html
    assert UNPROTECTED_WARNING not in html


def test_html_unprotected_carries_warning(html_pages):
    html = html_pages[False]
    assert UNPROTECTED_WARNING in html
    assert "Röjandeskyddad</dt><dd>Nej" in html
    assert 'class="num suppressed"' not in html


def test_html_has_two_inline_charts_and_says_what_is_left_out(html_pages):
    p = _parse(html_pages[True])
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) >= 2 and all(a.get("role") == "img" for a in svgs)
    ids = [a["id"] for _, a in p.tags if "id" in a]
    assert len(ids) == len(set(ids))  # two SVGs in one page must not share ids
    text = "".join(p.text)
    assert "1 uppgift har tagits bort" in text  # situation chart
    assert "2 uppgifter har tagits bort" in text  # sex and age chart
    assert "uppgifter har tagits bort" not in "".join(_parse(html_pages[False]).text)


def test_write_html_deterministic(tmp_path):
    a = write_html(make_report(), tmp_path / "a.html")
    b = write_html(make_report(), tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- charts --------------------------------------------------------------------------------


def test_situation_chart_data_skips_suppressed():
    table = make_report().tables["persons_by_situation"]
    data = charts_mod.situation_chart_data(table)
    assert data.categories == ["1 Akut hemlöshet", "2 Institutionsvistelse och stödboende",
                               "3 Långsiktiga boendelösningar"]
    assert data.series == {"Personer": [1234, 56, None]}
    assert data.suppressed == [("3 Långsiktiga boendelösningar", "Personer")]
    table.rows[2]["persons"] = LEAKED  # listed as suppressed, number left behind: still not drawn
    assert charts_mod.situation_chart_data(table).series == {"Personer": [1234, 56, None]}

    unprotected = charts_mod.situation_chart_data(make_report(False).tables["persons_by_situation"])
    assert unprotected.series == {"Personer": [1234, 56, 2]} and unprotected.omitted == 0


def test_sex_age_chart_data_skips_suppressed_and_leaked_values():
    panels = charts_mod.sex_age_chart_data(make_report().tables["persons_by_situation_sex_age"])
    assert [p.title for p in panels] == ["1 Akut hemlöshet", "2 Institutionsvistelse och stödboende"]
    acute = panels[0]
    assert acute.categories == ["18–20 år", "65 år och äldre"]
    assert acute.series == {"Kvinnor": [10, 7], "Män": [None, None]}
    assert acute.omitted == 2
    all_values = [v for p in panels for vs in p.series.values() for v in vs]
    assert LEAKED not in all_values and 3 not in all_values
    assert panels[1].series == {"Okänt kön": [22]} and panels[1].omitted == 0


def test_chart_with_only_suppressed_values_is_not_drawn():
    report = make_report()
    for row in report.tables["persons_by_situation"].rows:
        row["persons"], row["suppressed"] = None, ["persons"]
    chart = charts_mod.report_charts(report)[0]
    assert chart.svg is None and chart.omitted == 3


def test_chart_svg_fits_a_page_and_its_csp():
    """Written directly: no prolog or URL, ids prefixed with the chart's, a <title> for assistive
    technology, real text, and no style attribute (the web pages' CSP forbids inline styles)."""
    charts = charts_mod.report_charts(make_report())
    svg = charts[0].svg
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="diagram-situation-title"')
    assert '<title id="diagram-situation-title">Antal personer per situation</title>' in svg
    assert "http" not in svg and "<?xml" not in svg and "style=" not in svg
    assert f">{format_number_sv(1234)}</text>" in svg and ">1 Akut hemlöshet</text>" in svg
    ids = re.findall(r'\bid="([^"]+)"', " ".join(c.svg for c in charts if c.svg))
    assert len(ids) == len(set(ids)) and all(i.startswith("diagram-") for i in ids)


def test_png_charts_are_drawn_once_per_report(monkeypatch):
    from boendeinventering.core.report import chart_png

    drawn = []
    real = chart_png.draw
    monkeypatch.setattr(chart_png, "draw", lambda spec: drawn.append(spec.id) or real(spec))
    report = make_report()
    first = charts_mod.report_charts(report, image="png")
    again = charts_mod.report_charts(report, image="png")
    assert [c.png for c in first] == [c.png for c in again] and first[0].png.startswith(b"\x89PNG")
    assert len(drawn) == len(set(drawn)) == sum(1 for c in first if c.png)
    report.tables["persons_by_situation"].rows[0]["persons"] = 4321  # changed: drawn anew, never stale
    charts_mod.report_charts(report, image="png")
    assert drawn.count("diagram-situation") == 2


def test_trend_labels_are_pushed_apart():
    from boendeinventering.core.report import chart_model

    placed = chart_model.spread_labels([50.0, 49.0, 51.0, 300.0], 10)
    ordered = sorted(placed)
    assert all(b - a >= 10 - 1e-9 for a, b in zip(ordered, ordered[1:]))
    assert placed.index(min(placed)) == 1 and placed.index(max(placed)) == 3  # order kept
    assert abs(sum(placed[:3]) / 3 - 50.0) < 10  # the close labels stay around where they were wanted
    assert chart_model.spread_labels([5.0, 80.0], 10) == [5.0, 80.0]  # apart already: untouched


# --- labels --------------------------------------------------------------------------------


def test_labels():
    assert format_number_sv(1234567) == f"1{NBSP}234{NBSP}567"
    assert format_number_sv(0) == "0" and format_number_sv(999) == "999"
    assert format_number_sv(None) == "–"
    assert format_number_sv(12.5) == "12,5"
    assert format_number_sv(-1500) == f"\u22121{NBSP}500"
    assert value_label("kod", "hotell") == "Hotell"
    assert value_label("situation", 1) == "1 Akut hemlöshet"
    assert value_label("sex", "okänt") == "Okänt kön"
    assert value_label("age_band", "0-17") == "0–17 år"
    assert value_label("kod", "lokalt_namn") == "lokalt_namn"


# --- atomic writes -------------------------------------------------------------------------


def test_atomic_write_failure_leaves_nothing(tmp_path):
    target = tmp_path / "ut.bin"

    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"halv")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_failing_exports_keep_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "rapport"
    target.write_bytes(b"previous")

    def boom(*args, **kwargs):
        raise RuntimeError("avbrutet")

    monkeypatch.setattr(xlsx_export, "_write_table", boom)
    with pytest.raises(RuntimeError):
        write_xlsx(make_report(), target)
    monkeypatch.setattr(charts_mod, "draw_svg", boom)
    with pytest.raises(RuntimeError):
        write_html(make_report(), target)
    bad = make_report()
    bad.tables["persons_by_kod"].rows[0]["persons"] = "många"
    with pytest.raises(TypeError):
        write_json(bad, target)

    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport"]


def test_absent_sex_age_rows_are_zero_not_hidden_in_charts():
    from boendeinventering.core.report.charts import sex_age_chart_data
    from boendeinventering.core.tables import Table

    table = Table("persons_by_situation_sex_age", "t", ["situation", "sex", "age_band"], ["persons"], [
        {"situation": 1, "sex": "man", "age_band": "18-20", "persons": 7, "suppressed": []},
        {"situation": 1, "sex": "kvinna", "age_band": "21-25", "persons": None, "suppressed": ["persons"]},
        {"situation": 1, "sex": "man", "age_band": "21-25", "persons": 9, "suppressed": []},
    ])
    (panel,) = sex_age_chart_data(table)
    women = panel.series[next(k for k in panel.series if k.lower().startswith("kvinn"))]
    assert women == [0, None]  # 18-20: no row, so zero; 21-25: suppressed
    assert len(panel.suppressed) == 1


def test_occupancy_over_full_is_drawn_past_the_100_percent_tick():
    """A facility at 102,3 % must not be drawn as exactly full: the axis goes on to 120 % and the
    bars and ticks share one scale."""
    from boendeinventering.core.report.chart_model import ChartData
    from boendeinventering.core.report.chart_svg import bars_svg

    svg = bars_svg([ChartData("Beläggning", ["Akutboende", "HVB"], {"Beläggning": [102.3, 50.0]})],
                   "diagram-belaggning", "Beläggning", percent=True, axis_label="Beläggning")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    ticks = {t: float(x) for x, t in re.findall(r'<text x="([0-9.]+)"[^>]*>(\d+)\u00a0%</text>', svg)}
    assert "120" in ticks and "100" in ticks
    full, half = widths[0], widths[1]
    assert abs(full / half - 102.3 / 50.0) < 0.01  # one scale for every bar
    left = ticks["0"]
    assert abs((left + full) - (ticks["100"] + (ticks["120"] - ticks["100"]) * 2.3 / 20)) < 0.5
