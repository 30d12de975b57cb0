"""Needs signals: transparent rules over the published report that point at a possible need.

A signal is not a decision. Each rule is written out in the report with its threshold (as set in
``BOINV_SIGNAL_*``) and the cells it rests on (its evidence); the coordinator comments on it or
dismisses it in the web app, and the comment is printed with it.

The rules read the *protected* report, like the answers: a hidden count is known to be at least 1
(zero is always published), so a rule "at least 1" fires on it, while a rule with a higher
threshold does not (the hidden value is unknown). Ratios are compared, never stated: the text
names the threshold and the evidence lists the published cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from . import taxonomy
from .answers.cells import Cells, code_name, join_sv, positive, published
from .report.labels import format_number_sv, history_text, recurring_since  # noqa: F401 (re-exported)
from .tables import Figure, Report, Signal


@dataclass(frozen=True)
class SignalSettings:
    """Thresholds of the rules (settings.py: BOINV_SIGNAL_*)."""

    children_codes: tuple[str, ...] = ("hotell", "vandrarhem", "campingstuga")
    children_min: int = 1  # households with children in those codes
    long_stay_nights: int = 90  # average nights per person in an acute code above this
    elderly_min: int = 1  # persons 65+ in acute homelessness
    occupancy_high: float = 95.0  # percent
    occupancy_low: float = 60.0
    discharge_min: int = 5  # persons at risk of discharge without a home (incl. overdue)
    eviction_children_min: int = 1  # evictions of households with children (forms)
    rent_arrears_min: int = 10  # persons with rent-arrears payments
    bme_gap_percent: float = 20.0  # contracts per BME vs situation-3 households
    rough_sleepers_min: int = 1


def at_least(fig: Figure | None, minimum: int) -> TypeGuard[Figure]:
    """Whether a protected cell is known to be at least ``minimum``: a hidden count is at least 1
    (zero is always published), but a higher minimum needs the published value."""
    return positive(fig) if minimum <= 1 else (published(fig) and fig.value >= minimum)


def _pct(value: float) -> str:
    return format_number_sv(value) + " procent"


def build_signals(report: Report, settings: SignalSettings = SignalSettings()) -> list[Signal]:
    cells = Cells(report)
    out: list[Signal] = []
    for rule in (_children_in_hotels, _long_stays, _elderly, _occupancy, _discharge, _evictions_children,
                 _rent_arrears, _bme_gap, _rough_sleepers):
        signal = rule(cells, settings)
        cells.take()
        if signal is not None:
            out.append(signal)
    return out


def mark_recurring(signals: list[Signal], year: int, earlier: dict[int, list[Signal]]) -> None:
    """Set each signal's history: the earlier years (keys of ``earlier``, each year's signals
    computed by the same rules from that year's published report) in which it fired. A signal is
    recurring when it fired the year before too (``recurring_since``)."""
    for signal in signals:
        signal.history = sorted(x for x, fired in earlier.items() if x < year
                                and any(s.id == signal.id for s in fired))


def _code_name(kod: str) -> str:
    return code_name(kod)


def _children_in_hotels(cells: Cells, s: SignalSettings) -> Signal | None:
    evidence, found = [], []
    for kod in s.children_codes:
        situation = taxonomy.situation_of(kod)
        if cells.has("households_with_children_by_kod", "households_with_children"):
            fig = cells.figure("households_with_children_by_kod", "households_with_children",
                               situation=situation, kod=kod)
        else:
            # Before the households table existed: children counted in the code (SPEC 2).
            fig = cells.figure("persons_by_kod", "children", situation=situation, kod=kod)
        if fig is None:
            continue
        if at_least(fig, s.children_min):
            evidence.append(fig)
            found.append(_code_name(kod))
    if not evidence:
        return None
    what = "hushåll med barn" if evidence[0].measure == "households_with_children" else "barn"
    return Signal(
        "children_in_hotels", "Barnfamiljer i hotell, vandrarhem eller campingstuga",
        f"Det finns {what} i akuta lösningar som inte är anpassade för barn: {join_sv(found)}.",
        f"Signalen visas när minst {s.children_min} hushåll med barn bor i "
        f"{join_sv([_code_name(k) for k in s.children_codes], 'eller')} under året.",
        evidence)


def _long_stays(cells: Cells, s: SignalSettings) -> Signal | None:
    evidence, found = [], []
    for row in cells.rows("persons_by_kod", situation=1):
        kod = row["kod"]
        persons = cells.figure("persons_by_kod", "persons", situation=1, kod=kod)
        nights = cells.figure("persons_by_kod", "nights", situation=1, kod=kod)
        if published(persons) and published(nights) and persons.value > 0 \
                and nights.value > s.long_stay_nights * persons.value:
            evidence += [nights, persons]
            found.append(_code_name(kod))
    if not evidence:
        return None
    return Signal(
        "long_stays", "Långa vistelser i akuta boendelösningar",
        f"I {join_sv(found)} var vistelserna i genomsnitt längre än {s.long_stay_nights} nätter per person "
        "under året. Akuta lösningar är avsedda att vara tillfälliga.",
        f"Signalen visas när boendedygn delat med antal personer i en akut boendeform är större än "
        f"{s.long_stay_nights} (bara där båda uppgifterna redovisas).",
        evidence)


def _elderly(cells: Cells, s: SignalSettings) -> Signal | None:
    candidates: list[Figure | None] = []
    if cells.has("acute_persons_by_sex_age", "persons"):
        rows = [r for r in cells.rows("acute_persons_by_sex_age") if r.get("age_band") == "65-"]
        candidates = [cells.figure("acute_persons_by_sex_age", "persons", sex=r["sex"], age_band="65-")
                      for r in rows]
    elif cells.has("persons_by_situation_sex_age", "persons"):
        rows = cells.rows("persons_by_situation_sex_age", situation=1, age_band="65-")
        candidates = [cells.figure("persons_by_situation_sex_age", "persons", situation=1, sex=r["sex"],
                                   age_band="65-") for r in rows]
    evidence = [f for f in candidates if positive(f)]
    if not evidence:
        return None
    if s.elderly_min > 1:
        known = sum(f.value for f in evidence if f.value is not None)
        if known < s.elderly_min:
            return None
    return Signal(
        "elderly_acute", "Äldre i akut hemlöshet",
        "Personer som är 65 år eller äldre har fått akuta boendelösningar under året.",
        f"Signalen visas när minst {s.elderly_min} person som är 65 år eller äldre finns i akut hemlöshet "
        "(situation 1).",
        evidence)


def _occupancy(cells: Cells, s: SignalSettings) -> Signal | None:
    high, low, evidence = [], [], []
    for row in cells.rows("occupancy_by_kod"):
        fig = cells.figure("occupancy_by_kod", "occupancy", kod=row["kod"])
        if not published(fig):
            continue
        if fig.value > s.occupancy_high:
            high.append(_code_name(row["kod"]))
            evidence.append(fig)
        elif fig.value < s.occupancy_low:
            low.append(_code_name(row["kod"]))
            evidence.append(fig)
    if not evidence:
        return None
    parts = []
    if high:
        parts.append(f"hög beläggning (över {_pct(s.occupancy_high)}) i {join_sv(high)}")
    if low:
        parts.append(f"låg beläggning (under {_pct(s.occupancy_low)}) i {join_sv(low)}")
    return Signal(
        "occupancy", "Beläggning i egna boenden",
        "Platsregistret och vistelserna visar " + " och ".join(parts) + ". Hög beläggning kan betyda att "
        "platserna inte räcker, låg att boendeformen inte passar behoven.",
        f"Signalen visas när beläggningen för en boendeform är över {_pct(s.occupancy_high)} eller under "
        f"{_pct(s.occupancy_low)}.",
        evidence)


def _discharge(cells: Cells, s: SignalSettings) -> Signal | None:
    if cells.has("discharge_risk_total", "persons"):
        figs = [cells.figure("discharge_risk_total", m) for m in ("persons", "persons_overdue")
                if cells.has("discharge_risk_total", m)]
    else:
        figs = [cells.figure("discharge_risk_by_kod", m, kod=r["kod"]) for r in cells.rows("discharge_risk_by_kod")
                for m in ("persons", "persons_overdue") if cells.has("discharge_risk_by_kod", m)]
    figs = [f for f in figs if f is not None]
    # One figure at or over the threshold is enough; cells are not added (a person may be in two).
    hits = [f for f in figs if published(f) and f.value >= s.discharge_min]
    if not hits:
        if s.discharge_min <= 1 and any(positive(f) for f in figs):
            hits = [f for f in figs if positive(f)]
        else:
            return None
    return Signal(
        "discharge_risk", "Risk för utskrivning utan ordnat boende",
        "Flera personer på stödboende eller institution riskerar att skrivas ut utan ordnat boende, eller bor "
        "kvar trots att det planerade slutdatumet har passerat.",
        f"Signalen visas när minst {s.discharge_min} personer riskerar utskrivning utan ordnat boende inom tre "
        "månader efter referensdatumet, eller bor kvar efter planerat slutdatum.",
        hits)


def _form_count(cells: Cells, table: str, measure: str, minimum: int, signal_id: str, title: str, text: str,
                rule: str) -> Signal | None:
    """A signal on one count from the units' forms, fired when it is known to be at least ``minimum``."""
    fig = cells.figure(table, measure)
    if not at_least(fig, minimum):
        return None
    return Signal(signal_id, title, text, rule, [fig])


def _evictions_children(cells: Cells, s: SignalSettings) -> Signal | None:
    return _form_count(
        cells, "form_avhysning", "evictions_with_children", s.eviction_children_min,
        "evictions_children", "Avhysningar som berör barn",
        "Enheterna rapporterar genomförda avhysningar av hushåll med barn under året.",
        f"Signalen visas när minst {s.eviction_children_min} genomförd avhysning av ett hushåll med barn "
        "rapporteras i formuläret om avhysningsförebyggande arbete.")


def _rent_arrears(cells: Cells, s: SignalSettings) -> Signal | None:
    fig = cells.figure("payments_by_purpose", "persons", kod="hyresskuld")
    if not published(fig) or fig.value < s.rent_arrears_min:
        return None
    evidence = [fig]
    debt = cells.figure("debt_counselling", "rent_debt_cases")
    if positive(debt):
        evidence.append(debt)
    return Signal(
        "rent_arrears", "Ekonomiskt bistånd till hyresskulder",
        "Många personer har fått ekonomiskt bistånd till hyresskuld under året. Hyresskulder är en vanlig "
        "väg till avhysning; det avhysningsförebyggande arbetet kan behöva förstärkas.",
        f"Signalen visas när minst {s.rent_arrears_min} personer har fått ekonomiskt bistånd till hyresskuld.",
        evidence)


def _bme_gap(cells: Cells, s: SignalSettings) -> Signal | None:
    bme = cells.figure("form_sociala_kontrakt", "bme_contracts")
    households = cells.figure("persons_by_situation", "households", situation=3)
    if not (published(bme) and published(households)) or bme.value <= 0:
        return None
    if abs(households.value - bme.value) * 100 <= s.bme_gap_percent * bme.value:
        return None
    more = "fler" if households.value > bme.value else "färre"
    return Signal(
        "bme_gap", "Sociala kontrakt skiljer sig från BME",
        f"Uttagen visar {more} hushåll med långsiktiga boendelösningar (situation 3) än det antal kontrakt "
        "som kommunen uppgav i Boverkets bostadsmarknadsenkät. Skillnaden kan bero på olika definitioner, "
        "på kontrakt som saknas i verksamhetssystemet eller på brister i uttaget.",
        f"Signalen visas när antalet hushåll i situation 3 skiljer sig mer än {_pct(s.bme_gap_percent)} "
        "från antalet kontrakt enligt BME.",
        [households, bme])


def _rough_sleepers(cells: Cells, s: SignalSettings) -> Signal | None:
    return _form_count(
        cells, "form_utan_tak", "persons", s.rough_sleepers_min,
        "rough_sleepers", "Personer som sover utan tak över huvudet",
        "Enheterna känner till personer som under året har sovit utan tak över huvudet. De syns inte i "
        "uttagen ur verksamhetssystemet.",
        f"Signalen visas när enheterna uppskattar att minst {s.rough_sleepers_min} person har sovit utan tak "
        "över huvudet.")
