"""The units' submitted supplementary forms as tables of the report (issue 10, items 2 and 6).

The reporting app collects the answers; the core gets plain data (``FormsInput``), never models,
and turns it into ``form_*`` tables. These tables go through the same disclosure control as the
register tables (their counts are persons, households, contracts or cases), and the relations
between their cells are declared in ``protect/relations.py`` (``form_relations``).

Estimates are kept apart from the register: a rough sleeper estimated by a unit is never added to
the persons counted from ``insatser``; the answers show the two side by side.

Aggregation rule, so that the relations hold by construction: a part (women, taken-over
contracts, evictions with children, …) is counted only from the units that gave a figure for its
total. What a unit did not distribute is counted as "ej fördelat", so the parts add up to the total.
The field names below mirror ``reporting/kinds.py`` (a test checks that they agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..personnummer import _IN_TEXT as _PERSON_ID_LIKE
from ..tables import Table

MISSING = "saknas"
UNALLOCATED = "ej fördelat"

# The form's rough-sleeper age groups. Each is a union of the report's age bands (SPEC 6), so the
# estimate can be shown beside the register's persons_by_kod_age (same groups): see AGE_GROUP_BANDS.
AGE_GROUPS: tuple[str, ...] = ("0-17", "18-25", "26-64", "65-", "okänd")
AGE_GROUP_BANDS: dict[str, tuple[str, ...]] = {
    "0-17": ("0-17",),
    "18-25": ("18-20", "21-25"),
    "26-64": ("26-30", "31-40", "41-50", "51-64"),
    "65-": ("65-",),
    "okänd": ("okänd",),
}

UTAN_TAK_SEX = {"kvinna": "kvinnor", "man": "man", "okänt": "okant_kon"}
UTAN_TAK_AGE = {"0-17": "alder_0_17", "18-25": "alder_18_25", "26-64": "alder_26_64", "65-": "alder_65",
                "okänd": "alder_okand"}
# form field prefix -> standard code of SPEC 3
CONTRACT_CODES = {"socialt": "socialt_kontrakt", "forsok": "forsokslagenhet", "traning": "traningslagenhet",
                  "bostad_forst": "bostad_forst"}
PRIORITY_GROUPS = ("barnfamiljer", "vald", "beroende", "psykisk_ohalsa", "aldre", "unga", "utskrivna", "annan")
PRIORITY_GROUP_NAMES_SV = {
    "barnfamiljer": "Barnfamiljer",
    "vald": "Våldsutsatta",
    "beroende": "Skadligt bruk eller beroende",
    "psykisk_ohalsa": "Psykisk ohälsa eller funktionsnedsättning",
    "aldre": "Äldre",
    "unga": "Unga vuxna",
    "utskrivna": "Lämnar institution eller stödboende",
    "annan": "Annan grupp",
    UNALLOCATED: "Ej fördelat på grupp",
}
PARTNER_TYPES = ("brukarrad", "civilsamhalle", "religiost", "bostad", "vard", "annan")
PARTNER_TYPE_NAMES_SV = {
    "brukarrad": "Brukarråd",
    "civilsamhalle": "Civilsamhällesorganisation",
    "religiost": "Kyrka eller annat religiöst samfund",
    "bostad": "Bostadsbolag eller bostadsförmedling",
    "vard": "Hälso- och sjukvård",
    "annan": "Annan",
}

FORM_TITLES_SV = {
    "utan_tak": "Personer som sover utan tak över huvudet",
    "situation4": "Personer i osäkra boendeförhållanden (situation 4)",
    "sociala_kontrakt": "Sociala kontrakt, försöks- och träningslägenheter och Bostad först",
    "forturer": "Förturer till förstahandskontrakt",
    "avhysning": "Avhysningsförebyggande arbete",
    "uppsokande": "Uppsökande arbete",
    "medarbetarkunskap": "Kunskap från medarbetare",
    "samarbetspartner": "Samarbetspartner som tillfrågats",
}
FORM_SLUGS: tuple[str, ...] = tuple(FORM_TITLES_SV)
# Swedish names of the forms' dimension values, for every output (report/labels.value_label)
VALUE_NAMES_SV: dict[str, dict[str, str]] = {
    "group": PRIORITY_GROUP_NAMES_SV,
    "partner_type": PARTNER_TYPE_NAMES_SV,
    "form": FORM_TITLES_SV,
}

# Numbers each form's tables read (for the "saknas" caveats and the test against kinds.py).
FORM_NUMBERS: dict[str, tuple[str, ...]] = {
    "utan_tak": ("antal", *UTAN_TAK_SEX.values(), *UTAN_TAK_AGE.values()),
    "situation4": ("antal", "med_barn"),
    "sociala_kontrakt": tuple(f"{p}_{s}" for p in CONTRACT_CODES for s in ("kontrakt", "vuxna", "barn", "overtagna"))
    + ("bme_antal",),
    "forturer": ("antal", *(f"grupp_{g}" for g in PRIORITY_GROUPS)),
    "avhysning": ("underrattelser", "arenden", "avvarjda", "genomforda", "genomforda_barn"),
    "uppsokande": ("antal_personer",),
    "medarbetarkunskap": ("antal_medarbetare",),
    "samarbetspartner": (),
}
# Free texts that may be quoted in the answers (the units' own words), per form.
FORM_TEXTS: dict[str, tuple[str, ...]] = {
    "utan_tak": ("metod",),
    "situation4": ("kalla_beskrivning",),
    "sociala_kontrakt": ("grupper",),
    "forturer": (),
    "avhysning": ("malgrupper",),
    "uppsokande": ("malgrupper", "behov", "platser"),
    "medarbetarkunskap": ("grupper_utan_boende", "utveckling_beskrivning", "aldre", "skyddat_boende",
                          "utskrivning", "ovrigt"),
    "samarbetspartner": ("ser",),
}
ROWS_KEY = "rader"  # reporting.forms.ROWS_KEY: repeatable rows of the partner form

# Table ids
T_UTAN_TAK, T_UTAN_TAK_SEX, T_UTAN_TAK_AGE = "form_utan_tak", "form_utan_tak_by_sex", "form_utan_tak_by_age"
T_SITUATION4 = "form_situation4"
T_CONTRACTS, T_CONTRACTS_TYPE = "form_sociala_kontrakt", "form_sociala_kontrakt_by_kod"
T_PRIORITY, T_PRIORITY_GROUP = "form_forturer", "form_forturer_by_group"
T_EVICTIONS, T_EVICTIONS_BY_YEAR = "form_avhysning", "form_avhysning_by_year"
T_OUTREACH = "form_uppsokande"
T_PARTNERS = "form_samarbetspartner"
T_RESPONSE = "form_response"
FORM_TABLE_IDS = (T_RESPONSE, T_UTAN_TAK, T_UTAN_TAK_SEX, T_UTAN_TAK_AGE, T_SITUATION4, T_CONTRACTS,
                  T_CONTRACTS_TYPE, T_PRIORITY, T_PRIORITY_GROUP, T_EVICTIONS, T_OUTREACH, T_PARTNERS)

ESTIMATE_NOTE = ("Uppskattningar som enheterna lämnat i sina formulär, inte registeruppgifter. Samma person kan "
                 "ha räknats av flera enheter. Redovisas bredvid uttagens siffror och läggs aldrig ihop med dem.")


@dataclass(frozen=True)
class FormSubmission:
    """One unit's submitted answer to one form, as plain data (numbers are int or "saknas")."""

    unit: str
    kind: str
    data: dict[str, Any]
    not_applicable: bool = False


@dataclass
class FormsInput:
    """The year's units that take part, and their submitted forms (drafts are left out by the caller)."""

    units: list[str] = field(default_factory=list)
    submissions: list[FormSubmission] = field(default_factory=list)

    def answered(self, kind: str) -> list[FormSubmission]:
        """Submitted and applicable answers to ``kind``, in unit order."""
        return sorted((s for s in self.submissions if s.kind == kind and not s.not_applicable),
                      key=lambda s: s.unit)

    def submitted_units(self, kind: str) -> list[str]:
        return sorted({s.unit for s in self.submissions if s.kind == kind})

    def not_reported(self, kind: str) -> list[str]:
        """Participating units that have not submitted ``kind`` (not even as "ej aktuellt")."""
        done = set(self.submitted_units(kind))
        return sorted(u for u in self.units if u not in done)

    def missing(self, kind: str, name: str) -> list[str]:
        """Units that answered "uppgift saknas" for the number ``name``."""
        return [s.unit for s in self.answered(kind) if s.data.get(name) == MISSING]


@dataclass(frozen=True)
class Quote:
    """A unit's own words from a free-text field, fit to print (no personnummer, no figures)."""

    kind: str
    field: str
    unit: str
    text: str


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _sum_if(subs: list[FormSubmission], name: str, gate: str | None = None) -> tuple[int, int]:
    """(sum, number of units with a figure) of ``name``, over units whose ``gate`` has a figure."""
    total = n = 0
    for s in subs:
        if gate is not None and _int(s.data.get(gate)) is None:
            continue
        v = _int(s.data.get(name))
        if v is not None:
            total += v
            n += 1
    return total, n


def _parts_table(subs: list[FormSubmission], total_field: str, parts: dict[str, str], table_id: str,
                 dimension: str, title: str, measure: str = "persons") -> Table:
    """Parts of a total that add up to it: per unit that gave the total, what it did not
    distribute is counted as ej fördelat (never negative: the form refuses parts above the total)."""
    sums = {key: 0 for key in parts}
    unallocated = 0
    for s in subs:
        total = _int(s.data.get(total_field))
        if total is None:
            continue
        given = 0
        for key, name in parts.items():
            v = _int(s.data.get(name)) or 0
            sums[key] += v
            given += v
        unallocated += max(total - given, 0)
    rows = [{dimension: key, measure: v} for key, v in sums.items()]
    rows.append({dimension: UNALLOCATED, measure: unallocated})
    return Table(table_id, title, [dimension], [measure], rows, ESTIMATE_NOTE)


def form_tables(forms: FormsInput) -> dict[str, Table]:
    """The ``form_*`` tables of the year, from submitted answers only. A form that no unit has
    answered gives no table (an absent table publishes nothing; the answers say data is missing)."""
    out: dict[str, Table] = {}
    out[T_RESPONSE] = Table(
        T_RESPONSE, "Enheternas kompletterande underlag", ["form"],
        ["units", "units_submitted", "units_not_applicable"],
        [{"form": slug, "units": len(forms.units), "units_submitted": len(forms.submitted_units(slug)),
          "units_not_applicable": sum(1 for s in forms.submissions if s.kind == slug and s.not_applicable)}
         for slug in FORM_SLUGS],
        "Antal deltagande enheter och hur många av dem som skickat in respektive formulär.",
    )

    subs = forms.answered("utan_tak")
    total, n = _sum_if(subs, "antal")
    if n:
        out[T_UTAN_TAK] = Table(T_UTAN_TAK, "Personer som sover utan tak över huvudet (uppskattning)", [],
                                ["persons"], [{"persons": total}], ESTIMATE_NOTE)
        out[T_UTAN_TAK_SEX] = _parts_table(subs, "antal", UTAN_TAK_SEX, T_UTAN_TAK_SEX, "sex",
                                           "Personer utan tak över huvudet efter kön (uppskattning)")
        out[T_UTAN_TAK_AGE] = _parts_table(subs, "antal", UTAN_TAK_AGE, T_UTAN_TAK_AGE, "age_group",
                                           "Personer utan tak över huvudet efter ålder (uppskattning)")

    subs = forms.answered("situation4")
    total, n = _sum_if(subs, "antal")
    if n:
        with_children, _ = _sum_if(subs, "med_barn", gate="antal")
        out[T_SITUATION4] = Table(
            T_SITUATION4, "Personer i osäkra boendeförhållanden, situation 4 (uppskattning)", [],
            ["persons", "persons_with_children"], [{"persons": total, "persons_with_children": with_children}],
            ESTIMATE_NOTE)

    subs = forms.answered("sociala_kontrakt")
    if subs:
        rows: list[dict[str, Any]] = []
        for prefix, kod in CONTRACT_CODES.items():
            contracts, n_c = _sum_if(subs, f"{prefix}_kontrakt")
            taken, _ = _sum_if(subs, f"{prefix}_overtagna", gate=f"{prefix}_kontrakt")
            adults, n_a = _sum_if(subs, f"{prefix}_vuxna")
            children, n_b = _sum_if(subs, f"{prefix}_barn")
            if n_c or n_a or n_b:
                rows.append({"kod": kod, "contracts": contracts, "taken_over": taken, "adults": adults,
                             "children": children})
        bme, n_bme = _sum_if(subs, "bme_antal")
        if rows or n_bme:
            totals = {m: sum(r[m] for r in rows) for m in ("contracts", "taken_over", "adults", "children")}
            out[T_CONTRACTS] = Table(
                T_CONTRACTS, "Kontrakt på andrahandsmarknaden enligt enheterna och enligt BME", [],
                ["contracts", "taken_over", "adults", "children", "bme_contracts"],
                [{**totals, "bme_contracts": bme}],
                "Enheternas uppgifter (kontrakt som kommunen administrerat under året, varav övertagna som "
                "förstahandskontrakt) och antalet kontrakt som kommunen uppgav i Boverkets bostadsmarknadsenkät.")
            out[T_CONTRACTS_TYPE] = Table(
                T_CONTRACTS_TYPE, "Kontrakt på andrahandsmarknaden efter typ", ["kod"],
                ["contracts", "taken_over", "adults", "children"], rows,
                "Enheternas uppgifter. Övertagna kontrakt räknas bara där antalet kontrakt är angivet.")

    subs = forms.answered("forturer")
    total, n = _sum_if(subs, "antal")
    if n:
        out[T_PRIORITY] = Table(T_PRIORITY, "Förturer till förstahandskontrakt", [], ["priorities"],
                                [{"priorities": total}], "Enheternas uppgifter.")
        out[T_PRIORITY_GROUP] = _parts_table(
            subs, "antal", {g: f"grupp_{g}" for g in PRIORITY_GROUPS}, T_PRIORITY_GROUP, "group",
            "Förturer efter grupp", measure="priorities")
        out[T_PRIORITY_GROUP].note = "Enheternas uppgifter. Varje förtur räknas under en grupp."

    evictions_row = eviction_row(forms)
    if evictions_row is not None:
        out[T_EVICTIONS] = Table(T_EVICTIONS, "Avhysningsförebyggande arbete och avhysningar", [],
                                 list(EVICTION_MEASURES), [evictions_row], EVICTION_NOTE)

    subs = forms.answered("uppsokande")
    total, n = _sum_if(subs, "antal_personer")
    if n:
        out[T_OUTREACH] = Table(T_OUTREACH, "Personer som uppsökarna haft kontakt med (uppskattning)", [],
                                ["persons"], [{"persons": total}], ESTIMATE_NOTE)

    subs = forms.answered("samarbetspartner")
    partner_rows = [row for s in subs for row in (s.data.get(ROWS_KEY) or []) if isinstance(row, dict)]
    if partner_rows:
        rows = []
        for typ in PARTNER_TYPES:
            mine = [r for r in partner_rows if r.get("typ") == typ]
            if mine:
                rows.append({"partner_type": typ, "organisations": len(mine),
                             "persons": sum(_int(r.get("antal")) or 0 for r in mine)})
        untyped = [r for r in partner_rows if r.get("typ") not in PARTNER_TYPES]
        if untyped:
            rows.append({"partner_type": "annan", "organisations": len(untyped),
                         "persons": sum(_int(r.get("antal")) or 0 for r in untyped)})
            rows = _merge_rows(rows, "partner_type")
        out[T_PARTNERS] = Table(T_PARTNERS, "Samarbetspartner som tillfrågats", ["partner_type"],
                                ["organisations", "persons"], rows,
                                "Uppskattat antal personer i hemlöshet eller risk för hemlöshet som "
                                "organisationerna känner till. Samma person kan vara känd av flera.")
    return out


EVICTION_MEASURES = ("notices", "cases", "averted", "evictions", "evictions_with_children")
EVICTION_NOTE = ("Enheternas uppgifter. Avvärjda räknas bara där antalet ärenden är angivet, hushåll med barn "
                 "bara där antalet genomförda avhysningar är angivet.")


def eviction_row(forms: FormsInput) -> dict[str, int] | None:
    """The eviction form summed over the units (EVICTION_MEASURES), or None when no unit gave
    any of its counts. One rule for the year's table and the year-by-year one, so that a year's
    row is the same in both (relation F6)."""
    subs = forms.answered("avhysning")
    notices, n1 = _sum_if(subs, "underrattelser")
    cases, n2 = _sum_if(subs, "arenden")
    averted, _ = _sum_if(subs, "avvarjda", gate="arenden")
    evictions, n3 = _sum_if(subs, "genomforda")
    with_children, _ = _sum_if(subs, "genomforda_barn", gate="genomforda")
    if not (n1 or n2 or n3):
        return None
    return {"notices": notices, "cases": cases, "averted": averted, "evictions": evictions,
            "evictions_with_children": with_children}


def eviction_trend_table(forms_by_year: dict[int, FormsInput]) -> Table | None:
    """``form_avhysning_by_year``: the eviction form summed per year, for the years whose units
    submitted it (each year's row is that year's ``form_avhysning``). None with fewer than two
    such years: one year is already the year's own table."""
    rows = []
    for year in sorted(forms_by_year):
        row = eviction_row(forms_by_year[year])
        if row is not None:
            rows.append({"year": year, **row})
    if len(rows) < 2:
        return None
    return Table(T_EVICTIONS_BY_YEAR, "Avhysningsförebyggande arbete och avhysningar år för år", ["year"],
                 list(EVICTION_MEASURES), rows,
                 EVICTION_NOTE + " Varje år är summan av de formulär som enheterna skickade in det året.")


def _merge_rows(rows: list[dict], dim: str) -> list[dict]:
    merged: dict[Any, dict] = {}
    for r in rows:
        if r[dim] in merged:
            for k, v in r.items():
                if k != dim:
                    merged[r[dim]][k] += v
        else:
            merged[r[dim]] = dict(r)
    return list(merged.values())


# --- the units' own words ---------------------------------------------------------------------

_DIGITS = re.compile(r"\d+(?:[ \u00a0.,]\d+)*")
DIGITS_REMOVED = "[tal borttaget]"


def printable_text(text: str) -> str | None:
    """A free text fit for the published report, or None.

    A text that looks like it holds a personnummer is left out whole (the form refuses them on
    entry; this is the second lock). Figures are replaced: a number in a unit's text has not been
    through disclosure control, so it must not reach a published report ("3 familjer")."""
    text = " ".join(str(text or "").split())
    if not text or _PERSON_ID_LIKE.search(text):
        return None
    return _DIGITS.sub(DIGITS_REMOVED, text)


def quotes(forms: FormsInput, kind: str, names: tuple[str, ...] | None = None) -> list[Quote]:
    """The units' own words from ``kind``'s texts (``names``: which fields), in unit and field order."""
    out = []
    names = FORM_TEXTS.get(kind, ()) if names is None else names
    for s in forms.answered(kind):
        sources = [s.data] if kind != "samarbetspartner" else [r for r in s.data.get(ROWS_KEY) or []
                                                                if isinstance(r, dict)]
        for data in sources:
            for name in names:
                text = printable_text(data.get(name, "")) if isinstance(data.get(name), str) else None
                if text:
                    out.append(Quote(kind, name, s.unit, text))
    return out
