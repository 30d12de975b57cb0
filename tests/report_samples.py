"""A protected report with everything a committee's report holds: answers that state figures,
needs signals (one dismissed), a recommendation, the coordinator's texts and suppressed cells.

Built by hand so the exporters can be checked before (and independently of) the answers that
the pipeline builds: every stated figure below is a cell of the tables, as the model requires.
"""

from __future__ import annotations

import datetime as dt

from boendeinventering.core.tables import Answer, Figure, Recommendation, Report, Signal, Table

# Values chosen to be recognisable in extracted text and never to appear by accident.
ACUTE_TOTAL = 1206
ACUTE_WOMEN = 418
ACUTE_MEN = 781
HOTEL_PERSONS = 233
HOTEL_COST = 4_512_345
SITUATION_2 = 356
DISCHARGE = 27
OCCUPANCY = 87.5  # per cent, as SPEC 9 publishes it


def sample_tables() -> dict[str, Table]:
    situation = Table(
        "persons_by_situation", "Personer per situation", ["situation"],
        ["persons", "households", "children", "nights", "cost"],
        [
            {"situation": 1, "persons": ACUTE_TOTAL, "households": 1010, "children": 143, "nights": 98765,
             "cost": 12_345_678},
            {"situation": 2, "persons": SITUATION_2, "households": 340, "children": None, "nights": 45210,
             "cost": 6_543_210, "suppressed": ["children"]},
            {"situation": 3, "persons": 781, "households": 702, "children": 310, "nights": 210000,
             "cost": 9_876_543},
            {"situation": 4, "persons": None, "households": None, "children": 0, "nights": None, "cost": None,
             "suppressed": ["persons", "households", "nights", "cost"]},
        ],
    )
    by_kod = Table(
        "persons_by_kod", "Personer per situation och boendeform", ["situation", "kod"],
        ["persons", "households", "children", "nights", "cost"],
        [
            {"situation": 1, "kod": "hotell", "persons": HOTEL_PERSONS, "households": 201, "children": 61,
             "nights": 20111, "cost": HOTEL_COST},
            {"situation": 1, "kod": "harbarge", "persons": None, "households": None, "children": 0,
             "nights": None, "cost": None, "suppressed": ["persons", "households", "nights", "cost"]},
            {"situation": 2, "kod": "stodboende", "persons": 76, "households": 70, "children": None,
             "nights": 15000, "cost": 2_100_000, "suppressed": ["children"]},
        ],
        note="En person räknas en gång per boendeform.",
    )
    acute = Table(
        "acute_persons_by_sex", "Personer i akut hemlöshet per kön", ["sex"], ["persons"],
        [{"sex": "kvinna", "persons": ACUTE_WOMEN}, {"sex": "man", "persons": ACUTE_MEN},
         {"sex": "okänt", "persons": None, "suppressed": ["persons"]}],
    )
    sex_age = Table(
        "persons_by_situation_sex_age", "Personer per situation, kön och ålder", ["situation", "sex", "age_band"],
        ["persons"],
        [
            {"situation": 1, "sex": "kvinna", "age_band": "18-20", "persons": 45},
            {"situation": 1, "sex": "man", "age_band": "18-20", "persons": None, "suppressed": ["persons"]},
            {"situation": 1, "sex": "kvinna", "age_band": "65-", "persons": 12},
            {"situation": 1, "sex": "man", "age_band": "65-", "persons": 19},
        ],
    )
    occupancy = Table(
        "occupancy_by_kod", "Beläggning per boendeform", ["kod"], ["place_nights", "nights", "occupancy"],
        [{"kod": "hotell", "place_nights": 22995, "nights": 20111, "occupancy": OCCUPANCY}],
    )
    discharge = Table(
        "discharge_risk_total", "Risk för utskrivning utan ordnat boende", [],
        ["persons", "persons_unknown", "persons_overdue"],
        [{"persons": DISCHARGE, "persons_unknown": 9, "persons_overdue": None, "suppressed": ["persons_overdue"]}],
    )
    return {t.id: t for t in (situation, by_kod, acute, sex_age, occupancy, discharge)}


def _cell(tables: dict[str, Table], table: str, measure: str, **key) -> Figure:
    t = tables[table]
    row = next(r for r in t.rows if all(r.get(k) == v for k, v in key.items()))
    return Figure(table, key, measure, row.get(measure))


def sample_report(*, published: dt.date | None = dt.date(2026, 3, 5), protected: bool = True) -> Report:
    tables = sample_tables()
    answers = [
        Answer(
            "q1", "Hur många har beviljats akuta boendelösningar under året?", "answered",
            "Under 2025 beviljades 1 206 personer en akut boendelösning: 418 kvinnor och 781 män.",
            tables=["persons_by_situation", "acute_persons_by_sex"], sources=["insatser", "utbetalningar"],
            caveats=["Personer med reservnummer kan inte dubblettkontrolleras."],
            figures=[_cell(tables, "persons_by_situation", "persons", situation=1),
                     _cell(tables, "acute_persons_by_sex", "persons", sex="kvinna"),
                     _cell(tables, "acute_persons_by_sex", "persons", sex="man"),
                     _cell(tables, "acute_persons_by_sex", "persons", sex="okänt")],
            comment="Antalet har ökat sedan förra året, främst bland unga män.",
        ),
        Answer(
            "q2", "Hur många bor på stödboenden/institution men riskerar att skrivas ut utan ordnat boende?",
            "partly", "27 personer riskerar att skrivas ut utan ordnat boende.",
            tables=["discharge_risk_total"], sources=["insatser"],
            caveats=["Planerat slutdatum saknas för en del insatser."],
            figures=[_cell(tables, "discharge_risk_total", "persons"),
                     _cell(tables, "discharge_risk_total", "persons_overdue")],
        ),
        Answer(
            "q4", "Vilka boendeformer använder vi för personer i akut hemlöshet? Hur ser beläggningen ut?",
            "answered", "Hotell användes för 233 personer till en kostnad av 4 512 345 kronor; beläggningen "
            "var 87,5 %.", tables=["persons_by_kod", "occupancy_by_kod"], sources=["insatser", "platser"],
            figures=[_cell(tables, "persons_by_kod", "persons", situation=1, kod="hotell"),
                     _cell(tables, "persons_by_kod", "cost", situation=1, kod="hotell"),
                     _cell(tables, "occupancy_by_kod", "occupancy", kod="hotell")],
        ),
        Answer("q8", "Motverkar vi hemlöshet bland äldre? På vilket sätt?", "no_data",
               "Enheterna har inte lämnat uppgifter om arbetet med äldre.", sources=["form:aldre"]),
    ]
    signals = [
        Signal("children_in_hotels", "Barn i hotell och vandrarhem",
               "61 barn bodde i hotell under året.", "Signal när minst ett barn bott i hotell.",
               evidence=[_cell(tables, "persons_by_kod", "children", situation=1, kod="hotell")],
               status="commented", comment="Vi behöver fler lägenheter för barnfamiljer.", history=[2023, 2024]),
        Signal("long_stays", "Långa vistelser i akuta boenden", "Medelvistelsen var lång.",
               "Signal när medelvistelsen överstiger 90 dygn.", status="dismissed",
               comment="Beror på två enskilda ärenden; inget mönster."),
    ]
    recommendation = Recommendation(
        "lokal_kartlaggning", "Inventeringen bör kompletteras med en lokal hemlöshetskartläggning.",
        ["Många personer i akut hemlöshet saknar känd boendesituation.", "Barn bor i hotell."],
    )
    quality = Table("data_quality", "Datakvalitet", ["indicator"], ["value"],
                    [{"indicator": "Personer utan personnummer", "value": 17},
                     {"indicator": "Andel med känt kön", "value": 0.975}])
    return Report(
        kommun="0380", year=2025, reference_date=dt.date(2025, 12, 31), tables=tables, protected=protected,
        method_notes=["Referensdatum för ålder och utskrivningsrisk: 2025-12-31."], quality=quality,
        settings={"kommun_namn": "Exempelkommun"}, answers=answers, signals=signals,
        recommendation=recommendation,
        introduction="Inventeringen har gjorts av socialtjänsten i samarbete med enheterna.\n\n"
                     "Rapporten lämnas till socialnämnden för kännedom.",
        conclusions="Behovet av bostäder för barnfamiljer är tydligt.", published=published,
    )
