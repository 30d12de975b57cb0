"""The report's purpose in the core (no database): the units' forms as protected tables, the answers
q1–q10, the needs signals and the recommendation, on hand-made small municipalities.

The central promise (SPEC 10): every number an answer's text states is a cell of the report as
published; a hidden cell is never stated, nor derived from its neighbours."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from boendeinventering.core import taxonomy
from boendeinventering.core.answers import FormsInput, FormSubmission, build_answers, form_tables
from boendeinventering.core.answers import forms as F
from boendeinventering.core.answers.build import QUESTIONS
from boendeinventering.core.demo_data import load_test_numbers
from boendeinventering.core.protect import ProtectionSettings, audit_report, protect_report
from boendeinventering.core.protect.relations import build_relations
from boendeinventering.core.recommendation import build_recommendation
from boendeinventering.core.signals import SignalSettings, build_signals
from boendeinventering.core.tables import Report, Table

YEAR = 2025

# --- hand-made municipalities --------------------------------------------------------------------


def register_tables(acute=(60, 70, 0), s1=(100, 90, 12), s2=(40, 40, 3), s3=(120, 110, 30),
                    hotel_children=4, elderly=(3, 6), rent_arrears=12, discharge=(6, 2, 1)) -> dict[str, Table]:
    """A consistent small set of the register tables (values chosen by hand, relations hold)."""
    persons_by_situation = Table("persons_by_situation", "Personer per situation", ["situation"],
                                 ["persons", "households", "children", "nights", "cost"], [
                                     {"situation": 1, "persons": s1[0], "households": s1[1], "children": s1[2],
                                      "nights": 9000, "cost": 500000},
                                     {"situation": 2, "persons": s2[0], "households": s2[1], "children": s2[2],
                                      "nights": 9000, "cost": 900000},
                                     {"situation": 3, "persons": s3[0], "households": s3[1], "children": s3[2],
                                      "nights": 30000, "cost": 0}])
    persons_by_kod = Table("persons_by_kod", "Personer per boendeform", ["situation", "kod"],
                           ["persons", "households", "children", "nights", "cost"], [
                               {"situation": 1, "kod": "hotell", "persons": 30, "households": 25,
                                "children": hotel_children, "nights": 4000, "cost": 300000},
                               {"situation": 1, "kod": "akutboende", "persons": 70, "households": 65,
                                "children": s1[2] - hotel_children, "nights": 5000, "cost": 200000},
                               {"situation": 2, "kod": "stodboende", "persons": s2[0], "households": s2[1],
                                "children": s2[2], "nights": 9000, "cost": 900000},
                               {"situation": 3, "kod": "socialt_kontrakt", "persons": 80, "households": 75,
                                "children": 20, "nights": 20000, "cost": 0},
                               {"situation": 3, "kod": "bostad_forst", "persons": 45, "households": 40,
                                "children": 10, "nights": 10000, "cost": 0}])
    ages = []
    for situation, total in ((1, s1[0]), (2, s2[0]), (3, s3[0])):
        women_old, men_old = elderly if situation == 1 else (5, 5)
        rest = total - women_old - men_old
        ages += [{"situation": situation, "sex": "kvinna", "age_band": "65-", "persons": women_old},
                 {"situation": situation, "sex": "man", "age_band": "65-", "persons": men_old},
                 {"situation": situation, "sex": "kvinna", "age_band": "31-40", "persons": rest // 2},
                 {"situation": situation, "sex": "man", "age_band": "31-40", "persons": rest - rest // 2}]
    by_age = Table("persons_by_situation_sex_age", "Situation, kön och ålder", ["situation", "sex", "age_band"],
                   ["persons"], ages)
    acute_t = Table("acute_persons_by_sex", "Akut hemlöshet per kön", ["sex"], ["persons"],
                    [{"sex": x, "persons": v} for x, v in zip(taxonomy.SEXES, acute)])
    payments = Table("payments_by_purpose", "Utbetalningar", ["kod"], ["persons", "households", "amount", "nights"],
                     [{"kod": "hyresskuld", "persons": rent_arrears, "households": rent_arrears, "amount": 90000,
                       "nights": 0},
                      {"kod": "hotell", "persons": 40, "households": 38, "amount": 200000, "nights": 800}])
    debt = Table("debt_counselling", "Skuldrådgivning", [], ["cases", "rent_debt_cases"],
                 [{"cases": 50, "rent_debt_cases": 20}])
    discharge_t = Table("discharge_risk_by_kod", "Utskrivning", ["kod"], ["persons", "persons_unknown",
                                                                          "persons_overdue"],
                        [{"kod": "stodboende", "persons": discharge[0], "persons_unknown": discharge[1],
                          "persons_overdue": discharge[2]}])
    return {t.id: t for t in (persons_by_situation, persons_by_kod, by_age, acute_t, payments, debt, discharge_t)}


def demo_forms(units=("Enhet A", "Enhet B", "Enhet C")) -> FormsInput:
    subs = [
        FormSubmission("Enhet A", "utan_tak", {"antal": 14, "kvinnor": 3, "man": 10, "okant_kon": 0,
                                               "alder_0_17": 0, "alder_18_25": 4, "alder_26_64": 9, "alder_65": 1,
                                               "alder_okand": 0, "metod": "Arbetsplatsträff i mars."}),
        FormSubmission("Enhet B", "utan_tak", {"antal": 20, "kvinnor": 6, "man": 12, "okant_kon": F.MISSING,
                                               "alder_0_17": 0, "alder_18_25": 5, "alder_26_64": 15, "alder_65": 0,
                                               "alder_okand": 0}),
        FormSubmission("Enhet A", "situation4", {"antal": 30, "med_barn": 8,
                                                 "kalla_beskrivning": "Egna ärenden, 12 av dem i januari."}),
        FormSubmission("Enhet B", "situation4", {"antal": F.MISSING, "med_barn": 3}),
        FormSubmission("Enhet A", "sociala_kontrakt", {
            "socialt_kontrakt": 100, "socialt_vuxna": 110, "socialt_barn": 40, "socialt_overtagna": 9,
            "forsok_kontrakt": 10, "forsok_vuxna": 10, "forsok_barn": 0, "forsok_overtagna": 2,
            "traning_kontrakt": F.MISSING, "traning_vuxna": 7, "traning_barn": 0, "traning_overtagna": 3,
            "bostad_forst_kontrakt": 40, "bostad_forst_vuxna": 40, "bostad_forst_barn": 0,
            "bostad_forst_overtagna": 0, "bme_antal": 150, "grupper": "Barnfamiljer och unga vuxna."}),
        FormSubmission("Enhet A", "forturer", {"antal": 20, "grupp_barnfamiljer": 8, "grupp_vald": 6,
                                               "grupp_aldre": 2}),
        FormSubmission("Enhet A", "avhysning", {"underrattelser": 40, "arenden": 30, "avvarjda": 20,
                                                "genomforda": 8, "genomforda_barn": 2}),
        FormSubmission("Enhet C", "avhysning", {"underrattelser": 5, "arenden": F.MISSING, "avvarjda": 4,
                                                "genomforda": F.MISSING, "genomforda_barn": 1}),
        FormSubmission("Enhet C", "uppsokande", {"antal_personer": 25, "malgrupper": "Unga i centrum.",
                                                 "behov": "Boende med stöd.", "platser": ""}),
        FormSubmission("Enhet A", "medarbetarkunskap", {
            "grupper_utan_boende": "Unga vuxna med missbruk saknar boende.",
            "aldre": "Samarbete med äldreomsorgen.", "skyddat_boende": "Förtur efter skyddat boende.",
            "utskrivning": "Ring 19121212-1212 om detta.",  # a personnummer that slipped through: never printed
            "ovrigt": ""}),
        FormSubmission("Enhet C", "medarbetarkunskap", {}, not_applicable=True),
        FormSubmission("Enhet B", "samarbetspartner", {"rader": [
            {"organisation": "Kyrkan", "typ": "religiost", "ser": "Äldre med skulder.", "antal": 7},
            {"organisation": "Föreningen", "typ": "civilsamhalle", "ser": "Unga som sover i bil.", "antal": 9}]}),
    ]
    return FormsInput(units=list(units), submissions=subs)


def make_report(tables: dict[str, Table], forms: FormsInput | None = None, *, protect: bool = True,
                quality_no_pnr: int = 3) -> tuple[Report, Report]:
    """(unprotected, protected) with the forms' tables added, as services.figures does."""
    all_tables = dict(tables)
    if forms is not None:
        all_tables.update(form_tables(forms))
    quality = Table("data_quality", "Datakvalitet", ["indicator"], ["value"],
                    [{"indicator": "Personer utan personnummer (kan inte dubblettkontrolleras)",
                      "value": quality_no_pnr}])
    raw = Report("0180", YEAR, dt.date(YEAR, 12, 31), all_tables, quality=quality)
    if not protect:
        return raw, raw
    safe = protect_report(raw, ProtectionSettings())
    result = audit_report(safe, ProtectionSettings(), unprotected=raw)
    assert result.ok, result.as_text()
    return raw, safe


def complete(report: Report, forms: FormsInput | None, settings: SignalSettings | None = None) -> Report:
    settings = settings or SignalSettings()
    report.signals = build_signals(report, settings)
    report.answers = build_answers(report, forms, report.signals)
    report.recommendation = build_recommendation(report, forms, report.signals)
    return report


# --- the number check ------------------------------------------------------------------------------

NUMBER = re.compile(r"\d+(?:[\u00a0 ]\d{3})*(?:,\d+)?")
# Numbers that templates write which are not figures: question context, never data.
CONSTANT_PATTERNS = [
    re.compile(r"\b\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
               r"december) \d{4}"),  # the reference date
    re.compile(r"situation \d"),
    re.compile(r"\d+–\d+ år"),  # an age band's name
    re.compile(r"\d+ år (?:och äldre|eller äldre)"),
    re.compile(r"\b(?:19|20)\d{2}\b"),  # a year
]


def parse_sv(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def stated_numbers(text: str) -> list[float]:
    for pattern in CONSTANT_PATTERNS:
        text = pattern.sub(" ", text)
    return [parse_sv(m.group(0)) for m in NUMBER.finditer(text)]


def cell_value(report: Report, figure) -> tuple[bool, object]:
    """(is the figure a true statement about the published report, the published value)."""
    table = report.tables[figure.table]
    if all(v == "*" for v in figure.key.values()) and figure.key:
        values = [r.get(figure.measure) for r in table.rows]
        assert None not in values, f"a total over {figure.table} with a hidden part was stated"
        return figure.value == sum(values), sum(values)
    for row in table.rows:
        if all(row.get(d) == figure.key.get(d) for d in table.dimensions):
            published = None if figure.measure in row.get("suppressed", ()) else row.get(figure.measure)
            return figure.value == published, published
    return figure.value == 0, 0  # an absent row is a published zero


def check_numbers(report: Report) -> None:
    """Every figure is a published cell; every number in a text is one of its stated figures."""
    for item in report.answers + report.signals:
        figures = item.figures if hasattr(item, "figures") else item.evidence
        for fig in figures:
            ok, published = cell_value(report, fig)
            assert ok, (item.id, fig, published)
        allowed = {float(f.value) for f in figures if f.value is not None}
        if hasattr(item, "rule"):
            continue  # a signal's text names no figure; its rule names its settings
        for number in stated_numbers(item.text):
            assert number in allowed, (item.id, number, item.text)


# --- forms as tables --------------------------------------------------------------------------------


def test_form_tables_sum_units_and_count_undistributed_parts():
    tables = form_tables(demo_forms())
    assert tables["form_utan_tak"].rows == [{"persons": 34}]
    by_sex = {r["sex"]: r["persons"] for r in tables["form_utan_tak_by_sex"].rows}
    # Enhet B answered "saknas" for unknown sex: its 2 undistributed persons are "ej fördelat"
    assert by_sex == {"kvinna": 9, "man": 22, "okänt": 0, F.UNALLOCATED: 3}
    assert sum(by_sex.values()) == 34
    by_age = {r["age_group"]: r["persons"] for r in tables["form_utan_tak_by_age"].rows}
    assert by_age == {"0-17": 0, "18-25": 9, "26-64": 24, "65-": 1, "okänd": 0, F.UNALLOCATED: 0}
    # a part whose unit gave no total is left out (B's 3 with children: B's total is "saknas")
    assert tables["form_situation4"].rows == [{"persons": 30, "persons_with_children": 8}]
    contracts = {r["kod"]: r for r in tables["form_sociala_kontrakt_by_kod"].rows}
    assert contracts["traningslagenhet"]["contracts"] == 0 and contracts["traningslagenhet"]["taken_over"] == 0
    assert contracts["traningslagenhet"]["adults"] == 7
    total = tables["form_sociala_kontrakt"].rows[0]
    assert total == {"contracts": 150, "taken_over": 11, "adults": 167, "children": 40, "bme_contracts": 150}
    evictions = tables["form_avhysning"].rows[0]
    assert evictions == {"notices": 45, "cases": 30, "averted": 20, "evictions": 8, "evictions_with_children": 2}
    groups = {r["group"]: r["priorities"] for r in tables["form_forturer_by_group"].rows}
    assert groups["barnfamiljer"] == 8 and groups[F.UNALLOCATED] == 4 and sum(groups.values()) == 20
    response = {r["form"]: r for r in tables["form_response"].rows}
    assert response["medarbetarkunskap"]["units_submitted"] == 2
    assert response["medarbetarkunskap"]["units_not_applicable"] == 1
    partners = {r["partner_type"]: r for r in tables["form_samarbetspartner"].rows}
    assert partners["religiost"] == {"partner_type": "religiost", "organisations": 1, "persons": 7}


def test_no_forms_gives_no_form_tables_but_the_response_table():
    tables = form_tables(FormsInput(units=["Enhet A"], submissions=[]))
    assert set(tables) == {"form_response"}
    assert all(r["units_submitted"] == 0 for r in tables["form_response"].rows)


def test_drafts_are_the_callers_business_but_not_applicable_forms_count_nothing():
    forms = FormsInput(["A"], [FormSubmission("A", "utan_tak", {}, not_applicable=True)])
    assert "form_utan_tak" not in form_tables(forms)
    assert forms.not_reported("utan_tak") == []


def test_form_relations_hold_and_are_declared():
    tables = form_tables(demo_forms())
    relations = [r for r in build_relations(tables) if r.name.startswith("F")]
    names = {r.name.split()[0] for r in relations}
    assert names == {"F1", "F2", "F3", "F4", "F5"}
    values = {(tid, t.key(r), m): r[m] for tid, t in tables.items() for r in t.rows for m in t.measures}
    assert all(r.holds(lambda c: values.get(c, 0.0)) for r in relations)


def test_a_hidden_form_part_cannot_be_derived_from_the_total():
    """Women 3 of 14 rough sleepers: hidden, and the audit proves the rest of the table cannot give it away."""
    forms = FormsInput(["A"], [FormSubmission("A", "utan_tak", {
        "antal": 14, "kvinnor": 3, "man": 11, "okant_kon": 0, "alder_0_17": 0, "alder_18_25": 0,
        "alder_26_64": 14, "alder_65": 0, "alder_okand": 0})])
    raw, safe = make_report({}, forms)
    by_sex = {r["sex"]: r for r in safe.tables["form_utan_tak_by_sex"].rows}
    assert by_sex["kvinna"]["persons"] is None
    assert by_sex["man"]["persons"] is None  # secondary: else 14 - 11 - 0 - 0 gives the women away
    assert safe.tables["form_utan_tak"].rows[0]["persons"] == 14


def test_form_names_agree_with_the_form_definitions():
    from boendeinventering.reporting.forms import ROWS_KEY
    from boendeinventering.reporting.kinds import KINDS, Number, Text

    assert set(F.FORM_SLUGS) == set(KINDS)
    assert F.ROWS_KEY == ROWS_KEY
    for slug, names in F.FORM_NUMBERS.items():
        numbers = {n.name for n in KINDS[slug].numbers()}
        if KINDS[slug].rows is not None:
            numbers |= {f.name for f in KINDS[slug].rows.fields if isinstance(f, Number)}
        assert set(names) <= numbers, (slug, set(names) - numbers)
    for slug, names in F.FORM_TEXTS.items():
        fields = list(KINDS[slug].fields()) + list(KINDS[slug].rows.fields if KINDS[slug].rows else ())
        texts = {f.name for f in fields if isinstance(f, Text)}
        assert set(names) <= texts, (slug, set(names) - texts)
    assert set(F.PRIORITY_GROUPS) == {f.name[len("grupp_"):] for f in KINDS["forturer"].numbers()
                                      if f.name.startswith("grupp_")}


def test_rough_sleeper_age_groups_nest_in_the_report_bands():
    """Each form age group is a union of SPEC 6 bands, and together they cover every band once,
    so the estimate can be shown beside the register's ages (issue 10, item 6)."""
    covered = [band for group in F.AGE_GROUPS for band in F.AGE_GROUP_BANDS[group]]
    assert sorted(covered) == sorted(taxonomy.AGE_BANDS + (taxonomy.AGE_BAND_UNKNOWN,))
    for group, bands in F.AGE_GROUP_BANDS.items():
        ages = [a for a in range(0, 110) if taxonomy.age_band(a) in bands]
        if group == "okänd":
            assert taxonomy.age_band(None) in bands
            continue
        low, high = group.split("-")
        assert min(ages) == int(low) and (max(ages) == int(high) if high else max(ages) == 109)
    assert set(F.UTAN_TAK_AGE) == set(F.AGE_GROUPS)


def test_units_own_words_never_carry_a_personnummer_or_a_figure():
    pnr = load_test_numbers()[0]
    assert F.printable_text(f"Gäller {pnr} som bor i bil") is None
    assert F.printable_text("3 familjer och 12 unga") == f"{F.DIGITS_REMOVED} familjer och {F.DIGITS_REMOVED} unga"
    quotes = F.quotes(demo_forms(), "medarbetarkunskap")
    assert [q.field for q in quotes] == ["grupper_utan_boende", "aldre", "skyddat_boende"]  # utskrivning left out
    assert all(q.unit == "Enhet A" for q in quotes)


# --- answers -----------------------------------------------------------------------------------------


def test_ten_answers_in_order_with_numbers_from_the_published_cells():
    raw, safe = make_report(register_tables(), demo_forms())
    report = complete(safe, demo_forms())
    assert [a.id for a in report.answers] == list(QUESTIONS) == [f"q{i}" for i in range(1, 11)]
    assert [a.question for a in report.answers] == list(QUESTIONS.values())
    check_numbers(report)
    a = {x.id: x for x in report.answers}
    # q1 states A(Y) = the sum of acute_persons_by_sex (130), and the rough-sleeper estimate apart
    assert "beviljades 130 personer" in a["q1"].text
    assert a["q1"].status == "answered" and "form:utan_tak" in a["q1"].sources
    assert "34 personer har sovit utan tak" in a["q1"].text
    assert a["q1"].text.index("130") < a["q1"].text.index("34 personer")
    # q10: the register's de-duplicated situation-3 households (110), the forms' contracts (150), BME (150)
    assert "110 hushåll" in a["q10"].text and "150 kontrakt" in a["q10"].text
    assert {"insatser", "form:sociala_kontrakt", "form:forturer"} <= set(a["q10"].sources)
    assert a["q10"].status == "answered"
    # q7: evictions with children from the forms
    assert "varav 2 av hushåll med barn" not in a["q7"].text  # 2 is hidden (1..4)
    assert "dolt av röjandeskäl" in a["q7"].text
    # units' own words are quoted and marked, personnummer never
    assert "Enheternas egna ord" in a["q6"].text and "Unga vuxna med missbruk saknar boende." in a["q6"].text
    assert "19121212" not in " ".join(x.text for x in report.answers)
    # caveats: units that did not report, "saknas"
    assert any("Enhet C" in c and "inte skickats in" in c for c in a["q1"].caveats)
    assert any("Enhet B" in c and "uppgift saknas" in c for c in a["q3"].caveats)
    for answer in report.answers:
        assert answer.status in ("answered", "partly", "no_data")
        assert all(s in ("insatser", "utbetalningar", "skuldradgivning", "platser") or s.startswith("form:")
                   for s in answer.sources)
        assert all(t in report.tables for t in answer.tables)


def test_a_suppressed_cell_is_never_stated_nor_derivable_in_prose():
    """Two acute women: hidden. q1 cannot state A(Y) (it would give the women away with the men),
    and no text states the true hidden value."""
    tables = register_tables(acute=(2, 128, 0), elderly=(0, 9))
    raw, safe = make_report(tables, demo_forms())
    report = complete(safe, demo_forms())
    check_numbers(report)
    q1 = report.answers[0]
    assert q1.status == "partly"
    assert not any(f.table == "acute_persons_by_sex" and f.key == {"sex": "*"} for f in q1.figures)
    hidden = {(tid, t.key(r), m) for tid, t in safe.tables.items() for r in t.rows for m in r.get("suppressed", ())}
    assert ("acute_persons_by_sex", ("kvinna",), "persons") in hidden
    for answer in report.answers:
        for fig in answer.figures:
            key = tuple(fig.key.get(d) for d in safe.tables[fig.table].dimensions)
            if (fig.table, key, fig.measure) in hidden:
                assert fig.value is None


def test_every_stated_figure_on_random_small_municipalities():
    import random

    for seed in range(6):
        rng = random.Random(seed)
        tables = register_tables(acute=(rng.randint(0, 9), rng.randint(5, 40), rng.randint(0, 3)),
                                 s1=(60, 55, rng.randint(0, 9)), hotel_children=rng.randint(0, 4),
                                 elderly=(rng.randint(0, 4), rng.randint(0, 6)), rent_arrears=rng.randint(0, 15),
                                 discharge=(rng.randint(0, 8), rng.randint(0, 3), rng.randint(0, 2)))
        forms = FormsInput(["A", "B"], [
            FormSubmission("A", "utan_tak", {"antal": rng.randint(0, 12), "kvinnor": 0, "man": 0, "okant_kon": 0}),
            FormSubmission("B", "avhysning", {"underrattelser": rng.randint(0, 9), "arenden": 5, "avvarjda": 3,
                                              "genomforda": rng.randint(1, 6), "genomforda_barn": 1}),
        ])
        raw, safe = make_report(tables, forms)
        check_numbers(complete(safe, forms))


def test_the_number_check_catches_a_stated_number_that_is_no_cell():
    raw, safe = make_report(register_tables(), demo_forms())
    report = complete(safe, demo_forms())
    assert stated_numbers(report.answers[0].text)  # it does read the numbers
    report.answers[0].text += " Dessutom 131 personer."
    with pytest.raises(AssertionError):
        check_numbers(report)


def test_without_forms_and_tables_the_answers_say_what_is_missing():
    report = Report("0180", YEAR, dt.date(YEAR, 12, 31), {}, protected=True)
    answers = build_answers(report, None, [])
    assert len(answers) == 10
    assert answers[0].status == "no_data" and answers[4].status == "no_data"
    assert all(a.status in ("partly", "no_data") for a in answers)
    assert any("ingår inte" in c for c in answers[2].caveats)


def test_unprotected_report_states_true_values():
    raw, _ = make_report(register_tables(acute=(2, 128, 0)), demo_forms(), protect=False)
    report = complete(raw, demo_forms())
    assert "130 personer" in report.answers[0].text.replace("\u00a0", " ")
    assert "2 kvinnor" in report.answers[0].text


# --- signals ------------------------------------------------------------------------------------------


def fired(tables, forms=None, **settings) -> dict:
    raw, safe = make_report(tables, forms, protect=False)
    return {s.id: s for s in build_signals(safe, SignalSettings(**settings))}


def test_signal_children_in_hotels_fires_at_threshold():
    assert "children_in_hotels" in fired(register_tables(hotel_children=4), children_min=4)
    assert "children_in_hotels" not in fired(register_tables(hotel_children=3), children_min=4)
    assert "children_in_hotels" not in fired(register_tables(hotel_children=0))


def test_signal_texts_join_their_lists_in_swedish():
    signal = fired(register_tables(hotel_children=4), children_min=4)["children_in_hotels"]
    # the rule's list of housing forms reads "a, b eller c", not "a, b, c"
    assert "hotell, vandrarhem eller campingstuga under året" in signal.rule.lower(), signal.rule


def test_signal_long_stays_over_90_nights_per_person():
    t = register_tables()
    # hotell: 4000 nights / 30 persons = 133 > 90; akutboende: 5000 / 70 = 71
    s = fired(t)["long_stays"]
    assert [f.key["kod"] for f in s.evidence] == ["hotell", "hotell"]
    assert "long_stays" not in fired(t, long_stay_nights=134)
    assert "long_stays" in fired(t, long_stay_nights=133)  # 4000 > 133 * 30 = 3990


def test_signal_elderly_and_hidden_cells():
    assert "elderly_acute" in fired(register_tables(elderly=(0, 1)))
    assert "elderly_acute" not in fired(register_tables(elderly=(0, 0)))
    # a hidden count is at least 1: it fires a "at least 1" rule
    raw, safe = make_report(register_tables(elderly=(2, 0)), None)
    assert "elderly_acute" in {s.id for s in build_signals(safe)}


def test_signal_occupancy_over_95_or_under_60():
    t = register_tables()
    t["occupancy_by_kod"] = Table("occupancy_by_kod", "Beläggning", ["kod"], ["place_nights", "nights", "occupancy"],
                                  [{"kod": "harbarge", "place_nights": 1000, "nights": 951, "occupancy": 95.1},
                                   {"kod": "akutboende", "place_nights": 1000, "nights": 950, "occupancy": 95.0},
                                   {"kod": "jourboende", "place_nights": 1000, "nights": 599, "occupancy": 59.9}])
    s = fired(t)["occupancy"]
    assert sorted(f.key["kod"] for f in s.evidence) == ["harbarge", "jourboende"]
    assert "occupancy" not in fired(t, occupancy_high=96, occupancy_low=59)


def test_signal_discharge_bme_evictions_rent_rough():
    assert "discharge_risk" in fired(register_tables(discharge=(5, 0, 0)))
    assert "discharge_risk" not in fired(register_tables(discharge=(4, 0, 0)))
    assert "discharge_risk" in fired(register_tables(discharge=(0, 0, 5)))  # overdue counts too
    assert "rent_arrears" in fired(register_tables(rent_arrears=10))
    assert "rent_arrears" not in fired(register_tables(rent_arrears=9))
    forms = demo_forms()
    got = fired(register_tables(s3=(120, 110, 30)), forms)  # BME 150 vs 110 households: 27 % apart
    assert "bme_gap" in got and "evictions_children" in got and "rough_sleepers" in got
    assert "bme_gap" not in fired(register_tables(s3=(130, 125, 30)), forms)  # 150 vs 125: 16,7 %
    assert "bme_gap" in fired(register_tables(s3=(130, 125, 30)), forms, bme_gap_percent=16)
    assert "rough_sleepers" not in fired(register_tables(), None)


def test_signal_texts_state_no_figures_and_rules_name_their_setting():
    s = fired(register_tables(), demo_forms(), long_stay_nights=77)["long_stays"]
    assert "77" in s.rule and "77" in s.text
    for signal in fired(register_tables(), demo_forms()).values():
        assert signal.evidence and signal.status == "open"


# --- recommendation -------------------------------------------------------------------------------------


def test_recommendation_local_survey_when_estimates_are_missing_or_dominate():
    raw, safe = make_report(register_tables(), None)
    rec = build_recommendation(safe, None, [])
    assert rec.advice == "lokal_kartlaggning" and any("saknas uppskattningar" in r for r in rec.reasons)
    forms = FormsInput(["A"], [FormSubmission("A", "utan_tak", {"antal": 30}),
                               FormSubmission("A", "situation4", {"antal": 40, "med_barn": 5})])
    raw, safe = make_report(register_tables(), forms)  # 70 estimated vs A(Y) 130: 54 %
    rec = build_recommendation(safe, forms, [])
    assert rec.advice == "lokal_kartlaggning" and any("väger tungt" in r for r in rec.reasons)


def test_recommendation_social_report_or_enough():
    forms = FormsInput(["A"], [FormSubmission("A", "utan_tak", {"antal": 10}),
                               FormSubmission("A", "situation4", {"antal": 20, "med_barn": 5})])
    raw, safe = make_report(register_tables(), forms, quality_no_pnr=0)
    few = build_recommendation(safe, forms, [])
    assert few.advice == "inventering_racker"
    signals = build_signals(safe)
    assert len(signals) >= 4
    assert build_recommendation(safe, forms, signals).advice == "social_rapport"
    for s in signals:
        s.status = "dismissed"
    assert build_recommendation(safe, forms, signals).advice == "inventering_racker"
    # many without personnummer: a count gap
    raw, safe = make_report(register_tables(), forms, quality_no_pnr=20)
    assert build_recommendation(safe, forms, []).advice == "lokal_kartlaggning"


def test_snapshot_keeps_answers_signals_and_texts():
    from boendeinventering.core.report.snapshot import report_from_snapshot, report_to_snapshot
    import json

    raw, safe = make_report(register_tables(), demo_forms())
    report = complete(safe, demo_forms())
    report.answers[0].comment = "Samordnarens kommentar."
    report.signals[0].status, report.signals[0].comment = "dismissed", "Känt sedan tidigare."
    report.introduction, report.conclusions = "Inledning.", "Slutsatser."
    back = report_from_snapshot(json.loads(json.dumps(report_to_snapshot(report))))
    assert back.answers == report.answers and back.signals == report.signals
    assert back.recommendation == report.recommendation
    assert (back.introduction, back.conclusions) == ("Inledning.", "Slutsatser.")


def helper_tables() -> dict[str, Table]:
    """The tables the tables and flows helpers add (ids and shapes as agreed), by hand."""
    t = register_tables()
    t["discharge_risk_total"] = Table("discharge_risk_total", "Utskrivning totalt", [],
                                      ["persons", "persons_unknown", "persons_overdue"],
                                      [{"persons": 7, "persons_unknown": 0, "persons_overdue": 6}])
    t["occupancy_by_kod"] = Table("occupancy_by_kod", "Beläggning", ["kod"], ["place_nights", "nights", "occupancy"],
                                  [{"kod": "akutboende", "place_nights": 5475, "nights": 5000, "occupancy": 91.3}])
    t["households_with_children_by_kod"] = Table(
        "households_with_children_by_kod", "Barnfamiljer", ["situation", "kod"],
        ["households_with_children", "children"],
        [{"situation": 1, "kod": "hotell", "households_with_children": 6, "children": 11},
         {"situation": 3, "kod": "socialt_kontrakt", "households_with_children": 0, "children": 0}])
    t["persons_by_kod_age"] = Table(
        "persons_by_kod_age", "Ålder per boendeform", ["situation", "kod", "age_group"], ["persons"],
        [{"situation": 1, "kod": "akutboende", "age_group": "18-25", "persons": 17},
         {"situation": 1, "kod": "hotell", "age_group": "18-25", "persons": 0}])
    t["acute_households"] = Table("acute_households", "Hushåll i akut hemlöshet", [],
                                  ["persons", "households", "households_with_children", "children"],
                                  [{"persons": 130, "households": 118, "households_with_children": 9, "children": 16}])
    t["acute_inflow"] = Table("acute_inflow", "Inflöde", ["flow"], ["persons"],
                              [{"flow": "continuing", "persons": 50}, {"flow": "returning", "persons": 10},
                               {"flow": "from_s2_s3", "persons": 20}, {"flow": "new", "persons": 50}])
    t["acute_outflow"] = Table("acute_outflow", "Utflöde", ["flow"], ["persons"],
                               [{"flow": "still_acute", "persons": 50}, {"flow": "to_s3", "persons": 22},
                                {"flow": "to_s2", "persons": 8}, {"flow": "not_seen", "persons": 41}])
    return t


def test_answers_use_the_helpers_tables_when_present():
    raw, safe = make_report(helper_tables(), demo_forms())
    report = complete(safe, demo_forms())
    check_numbers(report)
    a = {x.id: x.text.replace("\u00a0", " ") for x in report.answers}
    status = {x.id: x.status for x in report.answers}
    assert "118 hushåll, varav 9 hushåll med barn med sammanlagt 16 barn" in a["q1"]
    assert "50 personer syntes inte i de tidigare årens" in a["q1"]
    assert "riskerade 7 personer att skrivas ut" in a["q2"] and status["q2"] == "answered"
    assert "6 personer bodde kvar" in a["q2"]
    assert "akutboende 91,3 procent" in a["q4"] and status["q4"] == "answered"
    assert "platser" in report.answers[3].sources
    assert "Barnfamiljer fanns i: hotell (6 hushåll)" in a["q5"] and status["q5"] == "answered"
    assert "Unga vuxna 18–25 år fanns i: akutboende (17 personer)" in a["q5"]
    assert "22 personer en långsiktig boendelösning i år" in a["q9"]
    signals = {s.id: s for s in report.signals}
    assert [f.table for f in signals["children_in_hotels"].evidence] == ["households_with_children_by_kod"]
    assert [f.measure for f in signals["discharge_risk"].evidence] == ["persons", "persons_overdue"]
    assert "occupancy" not in signals  # 91,3 % is within 60–95


def test_form_dimension_values_have_swedish_labels_in_outputs():
    from boendeinventering.core.report.labels import value_label

    assert value_label("group", "vald") == "Våldsutsatta"
    assert value_label("group", F.UNALLOCATED) == "Ej fördelat på grupp"
    assert value_label("partner_type", "religiost") == "Kyrka eller annat religiöst samfund"
    assert value_label("form", "utan_tak") == "Personer som sover utan tak över huvudet"
    assert value_label("kod", "bostad_forst") == "Bostad först"
