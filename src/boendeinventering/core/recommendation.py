"""Does the inventory suffice, or should it be complemented? (the method support's closing section)

The method support: regular inventories show whether there is enough knowledge about the target
groups and their needs, or whether the figures need to be complemented with a local homelessness
survey (lokal hemlöshetskartläggning) or a social report (social rapport). The rules:

* Gaps about HOW MANY (the survey counts persons, also those without contact with the social
  services): estimates weigh as much as the register (rough sleepers and situation 4 together at
  least ``estimate_share`` percent of A(Y)), many persons without personnummer, units that did not
  report the estimate forms, no estimate at all, a large situation 4  ->  ``lokal_kartlaggning``.
* Otherwise, gaps about WHAT THE NEEDS ARE (a social report describes groups' living conditions
  and needs in depth): at least ``signals_for_social_report`` needs signals not dismissed
  ->  ``social_rapport``.
* Otherwise ``inventering_racker``.

Comparisons use published cells only; no ratio is stated in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from .answers.cells import Cells, published
from .answers.forms import FormsInput
from .tables import Recommendation, Report, Signal

ADVICE_SV = {
    "inventering_racker": "Inventeringen räcker",
    "lokal_kartlaggning": "Komplettera med en lokal hemlöshetskartläggning",
    "social_rapport": "Komplettera med en social rapport",
}


@dataclass(frozen=True)
class RecommendationSettings:
    estimate_share: float = 50.0  # percent of A(Y): estimates "dominate" at or above this
    situation4_share: float = 50.0  # percent of A(Y): a "large" situation 4
    no_pnr_share: float = 10.0  # percent of A(Y) without personnummer
    signals_for_social_report: int = 4


def build_recommendation(report: Report, forms: FormsInput | None, signals: list[Signal],
                         settings: RecommendationSettings = RecommendationSettings()) -> Recommendation:
    c = Cells(report)
    count_gaps: list[str] = []
    acute = c.total("acute_persons_by_sex", "persons")
    a = acute.value if published(acute) else None

    rough = c.figure("form_utan_tak", "persons")
    s4 = c.figure("form_situation4", "persons")
    if rough is None and s4 is None:
        count_gaps.append("Det saknas uppskattningar av personer som sover utan tak över huvudet och av personer i "
                          "osäkra boendeförhållanden (situation 4); de grupperna syns inte i verksamhetssystemet.")
    elif a:
        estimates = sum(f.value for f in (rough, s4) if published(f))
        if estimates * 100 >= settings.estimate_share * a:
            count_gaps.append("Uppskattningarna (utan tak över huvudet och situation 4) väger tungt jämfört med "
                              "registeruppgifterna om akut hemlöshet; en kartläggning kan ge säkrare antal.")
        if published(s4) and s4.value * 100 >= settings.situation4_share * a:
            count_gaps.append("Många personer uppskattas bo i osäkra boendeförhållanden (situation 4), en grupp som "
                              "ofta saknar kontakt med socialtjänsten.")
    if forms is not None and forms.units:
        missing = sorted({u for kind in ("utan_tak", "situation4") for u in forms.not_reported(kind)})
        if missing:
            count_gaps.append("Alla enheter har inte lämnat uppskattningar: " + ", ".join(missing) + ".")
    no_pnr = _without_pnr(report)
    if no_pnr and a and no_pnr * 100 >= settings.no_pnr_share * a:
        count_gaps.append("Många personer saknar personnummer i uttagen och kan inte dubblettkontrolleras mellan "
                          "enheter.")

    open_signals = [s for s in signals if s.status != "dismissed"]
    if count_gaps:
        advice = "lokal_kartlaggning"
        text = ("Inventeringen ger inte en tillräckligt säker bild av hur många som är hemlösa eller riskerar att "
                "bli det. Kommunen bör överväga att komplettera den med en lokal hemlöshetskartläggning, där "
                "socialtjänsten och samarbetspartner under en mätperiod räknar alla personer i hemlöshet, även de "
                "som inte har någon insats.")
        reasons = count_gaps
    elif len(open_signals) >= settings.signals_for_social_report:
        advice = "social_rapport"
        text = ("Antalen är kända, men inventeringen visar flera behov samtidigt. Kommunen bör överväga en social "
                "rapport som beskriver gruppernas levnadsförhållanden och behov mer ingående, som underlag för "
                "samhällsplaneringen.")
        reasons = ["Behovssignaler: " + ", ".join(s.title.lower() for s in open_signals) + "."]
    else:
        advice = "inventering_racker"
        text = ("Inventeringen och enheternas underlag ger en tillräcklig bild av hemlösheten i kommunen för året. "
                "Den behöver inte kompletteras med en lokal hemlöshetskartläggning eller en social rapport, men "
                "bör upprepas årligen så att mönster över tid syns.")
        reasons = ["Uppskattningarna väger lätt jämfört med registeruppgifterna, enheterna har rapporterat och få "
                   "behovssignaler har slagit till."]
    return Recommendation(advice, text, reasons)


def _without_pnr(report: Report) -> int | None:
    if report.quality is None:
        return None
    for row in report.quality.rows:
        if "utan personnummer" in str(row.get("indicator", "")):
            value = row.get("value")
            return value if isinstance(value, int) else None
    return None
