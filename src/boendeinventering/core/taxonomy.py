"""Socialstyrelsen's homelessness situations and the standard housing codes (SPEC section 3).

This is the vocabulary every other module shares; nothing here reads data.
"""

from __future__ import annotations

import datetime as dt

# kod -> situation (None = not a homelessness situation)
SITUATION_BY_CODE: dict[str, int | None] = {
    # 1 acute homelessness
    "harbarge": 1,
    "akutboende": 1,
    "hotell": 1,
    "vandrarhem": 1,
    "campingstuga": 1,
    "jourboende": 1,
    "skyddat_boende": 1,
    "kvinnojour": 1,
    "annan_akut": 1,
    "utan_tak": 1,
    # 2 institution / housing with support
    "stodboende": 2,
    "inackorderingshem": 2,
    "hvb": 2,
    "familjehem": 2,
    "annat_stodboende": 2,
    # 3 long-term solutions on the secondary housing market
    "socialt_kontrakt": 3,
    "forsokslagenhet": 3,
    "traningslagenhet": 3,
    "bostad_forst": 3,
    # 4 own short-term arrangement (from estimates)
    "eget_kortsiktigt": 4,
    # outside the inventory / payments only
    "exkluderad": None,
    "hyresskuld": None,
    "ovrigt": None,
}

STANDARD_CODES: tuple[str, ...] = tuple(SITUATION_BY_CODE)

# Codes whose rows are kept but never counted.
NOT_COUNTED_CODES = frozenset({"exkluderad", "ovrigt"})

SITUATION_NAMES_SV: dict[int, str] = {
    1: "Akut hemlöshet",
    2: "Institutionsvistelse och stödboende",
    3: "Långsiktiga boendelösningar",
    4: "Eget kortsiktigt boende",
}

CODE_NAMES_SV: dict[str, str] = {
    "harbarge": "Härbärge",
    "akutboende": "Akutboende",
    "hotell": "Hotell",
    "vandrarhem": "Vandrarhem",
    "campingstuga": "Campingstuga",
    "jourboende": "Jour-/korttidsboende",
    "skyddat_boende": "Skyddat boende",
    "kvinnojour": "Kvinnojour",
    "annan_akut": "Annan akut lösning",
    "utan_tak": "Utan tak över huvudet",
    "stodboende": "Stödboende",
    "inackorderingshem": "Inackorderingshem",
    "hvb": "HVB",
    "familjehem": "Familjehem",
    "annat_stodboende": "Annat biståndsbedömt stödboende",
    "socialt_kontrakt": "Socialt kontrakt",
    "forsokslagenhet": "Försökslägenhet",
    "traningslagenhet": "Träningslägenhet",
    "bostad_forst": "Bostad först",
    "eget_kortsiktigt": "Eget kortsiktigt boende",
    "exkluderad": "Exkluderad (ingår inte)",
    "hyresskuld": "Hyresskuld",
    "ovrigt": "Övrigt (räknas inte)",
}

SEXES: tuple[str, ...] = ("kvinna", "man", "okänt")

# SPEC 6. "okänd" is our addition for persons whose birth year is unknown (reserve numbers
# without fodelsear); without it the age parts would not add up to the persons of a group.
AGE_BANDS: tuple[str, ...] = ("0-17", "18-20", "21-25", "26-30", "31-40", "41-50", "51-64", "65-")
AGE_BAND_UNKNOWN = "okänd"
_AGE_BAND_LOWER = (0, 18, 21, 26, 31, 41, 51, 65)
# Coarse age groups (q5 target group tables, persons_by_kod_age): unions of the age bands, so they
# nest in them and in the units' forms, the audit can tie them to persons_by_situation_sex_age
# (protect/relations.py R20), and disclosure leaves something to read in a small municipality.
AGE_GROUP_OF_BAND: dict[str, str] = {
    "0-17": "0-17", "18-20": "18-25", "21-25": "18-25", "26-30": "26-64", "31-40": "26-64",
    "41-50": "26-64", "51-64": "26-64", "65-": "65-", AGE_BAND_UNKNOWN: AGE_BAND_UNKNOWN,
}
AGE_GROUPS: tuple[str, ...] = ("0-17", "18-25", "26-64", "65-", AGE_BAND_UNKNOWN)

EXTRACT_KINDS: tuple[str, ...] = ("insatser", "utbetalningar", "skuldradgivning", "platser")
# The text encodings an extract may be read in (docs/format.md): the reader, the CLI and the web
# upload offer these.
FILE_ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
# Swedish names of the extract kinds, for choice lists and messages (one definition for the
# CLI, the web upload and the docs).
EXTRACT_TITLES_SV: dict[str, str] = {
    "insatser": "Insatser",
    "utbetalningar": "Utbetalningar",
    "skuldradgivning": "Skuldrådgivning",
    "platser": "Platser (boenden och antal platser)",
}

MEASURE_NAMES_SV: dict[str, str] = {
    "persons": "Personer",
    "households": "Hushåll",
    "children": "Barn",
    "nights": "Boendedygn",
    "cost": "Kostnad (kr)",
    "amount": "Belopp (kr)",
    "cases": "Ärenden",
    "rent_debt_cases": "Varav hyresskuld",
    "persons_unknown": "Personer, okänt om ordnat boende",
    "persons_overdue": "Personer kvar efter planerat slutdatum",
    "place_nights": "Platsdygn",
    "occupancy": "Beläggning (%)",
    "households_with_children": "Hushåll med barn",
    "value": "Värde",
    # the units' forms (core/answers/forms.py)
    "persons_with_children": "Varav personer med barn",
    "contracts": "Kontrakt",
    "taken_over": "Varav övertagna",
    "adults": "Vuxna",
    "bme_contracts": "Kontrakt enligt BME",
    "priorities": "Förturer",
    "notices": "Underrättelser",
    "averted": "Varav avvärjda",
    "evictions": "Genomförda avhysningar",
    "evictions_with_children": "Varav hushåll med barn",
    "organisations": "Organisationer",
    "units": "Deltagande enheter",
    "units_submitted": "Enheter som skickat in",
    "units_not_applicable": "Varav ej aktuellt",
    # year over year (core/flows.py)
    "persons_over_90": "Personer med mer än 90 dygn",
    "persons_over_180": "Personer med mer än 180 dygn",
    "median_nights": "Median, dygn per person",
    # Kronofogden's eviction statistics (core/kronofogden.py)
    "kfm_applications": "Ansökningar om avhysning (Kronofogden)",
    "kfm_evictions": "Verkställda avhysningar (Kronofogden)",
    "kfm_children": "Berörda barn (Kronofogden)",
}

DIMENSION_NAMES_SV: dict[str, str] = {
    "situation": "Situation",
    "kod": "Boendeform",
    "sex": "Kön",
    "age_band": "Ålder",
    "age_group": "Åldersgrupp",
    "indicator": "Indikator",
    # the units' forms (core/answers/forms.py)
    "form": "Formulär",
    "group": "Grupp",
    "partner_type": "Typ av samarbetspartner",
    # year over year (core/flows.py)
    "year": "År",
    "flow": "Flöde",
}

# Measures that count persons, households, children or cases: primary suppression applies.
COUNT_MEASURES = frozenset(
    {"persons", "households", "children", "cases", "rent_debt_cases", "persons_unknown", "persons_overdue",
     "households_with_children"}
    # the units' forms: estimated persons, contracts (households), förturer, evictions (households)
    | {"persons_with_children", "contracts", "taken_over", "adults", "bme_contracts", "priorities", "notices",
       "averted", "evictions", "evictions_with_children"}
)
# Measures that sum money or nights over the persons of a cell (occupancy is nights over
# place-nights: it tells the nights as closely as they are, so it is protected like them).
MAGNITUDE_MEASURES = frozenset({"nights", "cost", "amount", "occupancy"})
# Kronor: rounded to whole kronor when published, so sums of them agree only within rounding.
MONEY_MEASURES = frozenset({"cost", "amount"})
# The counts that say how many a row's nights and money are about: where one of them is
# suppressed, so are the row's magnitudes. Children are not the population a sum describes
# (a row of 41 persons with 3 children says nothing about a few persons' nights or costs).
POPULATION_MEASURES = frozenset({"persons", "households"})
# Year over year (core/flows.py): counts of persons by length of stay are counts; a median of
# nights is a figure about individuals, so it follows the magnitudes' rule (published only
# beside a published count of persons; docs/disclosure.md).
COUNT_MEASURES = COUNT_MEASURES | {"persons_over_90", "persons_over_180"}
MAGNITUDE_MEASURES = MAGNITUDE_MEASURES | {"median_nights"}
# Kronofogden's statistics (core/kronofogden.py): public, but a small municipality's few evictions
# are protected like the units' own counts.
COUNT_MEASURES = COUNT_MEASURES | {"kfm_applications", "kfm_evictions", "kfm_children"}


def situation_of(code: str) -> int | None:
    return SITUATION_BY_CODE.get(code)


def normalise_name(name: str) -> str:
    """Key for matching local names: case-insensitive, surrounding and repeated spaces ignored."""
    return " ".join(str(name).split()).casefold()


def age_band(age: int | None) -> str:
    if age is None:
        return AGE_BAND_UNKNOWN
    band = AGE_BANDS[0]
    for lower, name in zip(_AGE_BAND_LOWER, AGE_BANDS):
        if age >= lower:
            band = name
    return band


def age_at(birth: dt.date | None, ref: dt.date) -> int | None:
    """Whole years at ref. A birth date of 1 January stands for 'only the year is known',
    for which SPEC 1 counts the birthday as passed — 1 January always has passed."""
    if birth is None:
        return None
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (31 Dec + 3 months = 31 Mar)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))
