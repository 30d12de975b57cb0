"""Swedish labels and cell values shared by the exporters (xlsx, html, charts).

Every exporter decides "is this cell suppressed?" and "what number is shown?" here, so the
three outputs cannot disagree with each other or with the JSON export.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from boendeinventering.core.tables import Report, Table
from boendeinventering.core.taxonomy import (
    AGE_BAND_UNKNOWN,
    CODE_NAMES_SV,
    DIMENSION_NAMES_SV,
    MEASURE_NAMES_SV,
    SITUATION_NAMES_SV,
)

# Swedish typography groups thousands with a space; a no-break space keeps "1 234" on one line
# in HTML and in chart labels. Used everywhere a number is shown as text.
THOUSANDS_SEP = "\u00a0"
DECIMAL_SEP = ","
MINUS = "\u2212"

SUPPRESSED_MARK = "–"  # en dash, as in Statistics Sweden's tables
SUPPRESSED_FOOTNOTE = "– Uppgiften har tagits bort för att skydda enskilda personers integritet."
UNPROTECTED_WARNING = "EJ RÖJANDESKYDDAD – endast för intern kvalitetssäkring"
NO_ROWS_TEXT = "Inga uppgifter."
TOTAL_LABEL = "Totalt"

SEX_NAMES_SV: dict[str, str] = {"kvinna": "Kvinnor", "man": "Män", "okänt": "Okänt kön"}

# What a unit's form left undistributed over sex or age (core/answers/forms.UNALLOCATED, repeated
# here to keep labels free of the forms module): read as an age band it became "ej fördelat år och äldre".
UNALLOCATED = "ej fördelat"
UNALLOCATED_LABELS: dict[str, str] = {
    "sex": "Ej fördelat på kön",
    "age_band": "Ej fördelat på ålder",
    "age_group": "Ej fördelat på ålder",
}

# Short names for the known tables, used where space is scarce (xlsx sheet names <= 31 chars).
SHEET_NAMES_SV: dict[str, str] = {
    "persons_by_situation": "Personer per situation",
    "persons_by_kod": "Personer per boendeform",
    "persons_by_kod_sex": "Boendeform och kön",
    "persons_by_situation_sex_age": "Situation, kön och ålder",
    "acute_persons_by_sex": "Akut hemlöshet per kön",
    "payments_by_purpose": "Utbetalningar per ändamål",
    "debt_counselling": "Budget- och skuldrådgivning",
    "discharge_risk_by_kod": "Utskrivning utan bostad",
    "occupancy_by_kod": "Beläggning",
    "discharge_risk_total": "Utskrivning utan bostad totalt",
    "households_with_children_by_kod": "Barnhushåll per boendeform",
    "persons_by_kod_age": "Boendeform och åldersgrupp",
    "acute_persons_by_sex_age": "Akut hemlöshet kön och ålder",
    "acute_households": "Akut hemlöshet hushåll",
    "payments_by_purpose_sex": "Utbetalningar ändamål och kön",
    "payments_by_purpose_age": "Utbetalningar ändamål och ålder",
    # year over year and the units' forms: cut at 31 characters their titles left sheets such as
    # "Vart tog personerna i akut heml" and "Personer utan tak över huvu (2)"
    "trend_by_situation": "Situation år för år",
    "acute_trend": "Akut hemlöshet år för år",
    "acute_inflow": "Inflöde till akut hemlöshet",
    "acute_outflow": "Utflöde från akut hemlöshet",
    "acute_length_of_stay": "Tid i akut hemlöshet",
    "acute_length_of_stay_by_sex": "Tid i akut hemlöshet per kön",
    "acute_length_of_stay_by_age": "Tid i akut hemlöshet per ålder",
    "after_protected_housing": "Efter skyddat boende",
    "social_contract_exits": "Efter socialt kontrakt",
    "form_avhysning_by_year": "Avhysningar år för år",
    "kronofogden_by_year": "Avhysningar Kronofogden",
    "form_response": "Enheternas underlag",
    "form_utan_tak": "Utan tak över huvudet",
    "form_utan_tak_by_sex": "Utan tak per kön",
    "form_utan_tak_by_age": "Utan tak per ålder",
    "form_situation4": "Osäkra boendeförhållanden",
    "form_sociala_kontrakt": "Sociala kontrakt och BME",
    "form_sociala_kontrakt_by_kod": "Sociala kontrakt per typ",
    "form_forturer": "Förturer",
    "form_forturer_by_group": "Förturer per grupp",
    "form_avhysning": "Avhysningsförebyggande arbete",
    "form_uppsokande": "Uppsökande arbete",
    "form_samarbetspartner": "Samarbetspartner",
}

# Measures that are percentages (87.5 = 87,5 %), published with one decimal (SPEC 9).
PERCENT_MEASURES = frozenset({"occupancy"})


def report_title(report: Report) -> str:
    return f"Inventering av socialtjänstens insatser för boende – {kommun_label(report)} {report.year}"


def kommun_label(report: Report) -> str:
    """The municipality code, with its name when the caller put one in the settings."""
    name = report.settings.get("kommun_namn") if report.settings else None
    return f"{name} ({report.kommun})" if name else str(report.kommun)


def yes_no(flag: bool) -> str:
    return "Ja" if flag else "Nej"


# The payment tables' "kod" is what the money was paid for, and one purpose (hyresskuld) is no
# housing form at all: their column reads "Ändamål", as their titles do.
PURPOSE_TABLES = frozenset({"payments_by_purpose", "payments_by_purpose_sex", "payments_by_purpose_age"})


def dimension_label(dimension: str, table_id: str | None = None) -> str:
    if dimension == "kod" and table_id in PURPOSE_TABLES:
        return "Ändamål"
    return DIMENSION_NAMES_SV.get(dimension, dimension)


def measure_label(measure: str) -> str:
    return MEASURE_NAMES_SV.get(measure, measure)


def column_labels(table: Table) -> list[str]:
    return [dimension_label(d, table.id) for d in table.dimensions] + [measure_label(m) for m in table.measures]


def age_band_label(band: str) -> str:
    if band == AGE_BAND_UNKNOWN:
        return "Okänd ålder"
    low, _, high = band.partition("-")
    if not high:
        return f"{low} år och äldre"
    return f"{low}–{high} år"


def value_label(dimension: str, value: Any) -> str:
    """A dimension value as a Swedish reader expects it ("hotell" -> "Hotell"); None, or "*" for a
    figure summed over the dimension (core/answers/cells.TOTAL_KEY), is the total."""
    if value is None or value == "*":
        return TOTAL_LABEL
    if value == UNALLOCATED and dimension in UNALLOCATED_LABELS:
        return UNALLOCATED_LABELS[dimension]
    if dimension == "situation":
        try:
            number = int(value)
        except (TypeError, ValueError):
            return str(value)
        name = SITUATION_NAMES_SV.get(number)
        return f"{number} {name}" if name else str(value)
    if dimension == "kod":
        return CODE_NAMES_SV.get(str(value), str(value))
    if dimension == "sex":
        return SEX_NAMES_SV.get(str(value), str(value))
    if dimension in ("age_band", "age_group"):
        return age_band_label(str(value))
    if dimension == "flow":
        # year over year (core/flows.py): "new" reads "Nya (inte i akut hemlöshet …)"
        from boendeinventering.core.flows import FLOW_NAMES_SV

        return FLOW_NAMES_SV.get(str(value), str(value))
    if dimension in ("group", "partner_type", "form"):
        # the units' forms' own vocabulary (core/answers/forms.py); imported here to keep labels light
        from boendeinventering.core.answers.forms import VALUE_NAMES_SV

        return VALUE_NAMES_SV[dimension].get(str(value), str(value))
    return str(value)


def is_suppressed(row: dict[str, Any], measure: str) -> bool:
    # A value listed as suppressed is never shown, even if a number slipped through: the
    # list is the protection's decision, the value may be a leftover.
    return measure in (row.get("suppressed") or ()) or row.get(measure) is None


def whole_number(value: Any) -> int:
    """Round half up to an int (kronor); counts pass unchanged. Python's round() would round
    0.5 to even, which is not how anyone rounds money by hand."""
    if isinstance(value, bool):
        raise TypeError("Ett sanningsvärde är inget tal.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"Ogiltigt tal i rapporten: {value!r}.")
    try:
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except Exception as exc:  # noqa: BLE001 - re-raised with a Swedish message
        raise TypeError(f"Värdet {value!r} är inget tal.") from exc


def cell_value(row: dict[str, Any], measure: str) -> int | float | None:
    """The number a table cell publishes: None when suppressed, a percentage with one decimal for
    PERCENT_MEASURES (SPEC 9: occupancy = 100 × nights / place-nights), else a whole number."""
    if is_suppressed(row, measure):
        return None
    if measure in PERCENT_MEASURES:
        percent = float(row[measure])
        if not math.isfinite(percent):
            raise ValueError(f"Ogiltigt tal i rapporten: {percent!r}.")
        return float(Decimal(str(percent)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return whole_number(row[measure])


def format_cell(row: dict[str, Any], measure: str) -> str:
    """A table cell as text: "1 206", "87,5 %" or "–"."""
    value = cell_value(row, measure)
    if value is not None and measure in PERCENT_MEASURES:
        return format_percentage_sv(value)
    return format_number_sv(value)


def quality_value(value: Any) -> int | float | str | None:
    """Data-quality figures are not protected and may be shares; keep decimals, drop NaN."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def format_number_sv(value: int | float | None, decimals: int | None = None) -> str:
    """1234567 -> "1 234 567" (no-break spaces), 12.5 -> "12,5", None -> "–"."""
    if value is None:
        return SUPPRESSED_MARK
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{abs(value):,}"
    else:
        number = float(value)
        if decimals is None:
            decimals = 0 if number.is_integer() else 1
        text = f"{abs(number):,.{decimals}f}"
        if number < 0 and float(text.replace(",", "")) == 0:
            number = 0.0  # no "−0"
        value = number
    text = text.replace(",", "\0").replace(".", DECIMAL_SEP).replace("\0", THOUSANDS_SEP)
    return (MINUS + text) if value < 0 else text


def display_cell(row: dict[str, Any], measure: str) -> str:
    return format_cell(row, measure)


def table_has_suppression(table: Table) -> bool:
    return any(is_suppressed(row, m) for row in table.rows for m in table.measures)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(candidate: str, taken: set[str]) -> str:
    """An Excel sheet name: no []:*?/\\, at most 31 characters, unique ignoring case
    (Excel refuses two sheets differing only in case). Adds " (2)" etc. when taken."""
    base = _SHEET_FORBIDDEN.sub(" ", candidate).strip().strip("'") or "Tabell"
    base = " ".join(base.split())[:31].rstrip()
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


def table_sheet_candidate(table: Table) -> str:
    return SHEET_NAMES_SV.get(table.id) or table.title or table.id


# --- the report document: texts every format shares ----------------------------------------

DOCUMENT_TITLE = "Inventering av socialtjänstens insatser för boende"
NOT_PUBLISHED = "EJ PUBLICERAD – förhandsversion"
NOT_PUBLISHED_FILE_TAG = "ej-publicerad"
NOT_PUBLISHED_NOTE = (
    "Förhandsversion med aktuella siffror. Rapporten är inte publicerad och siffrorna kan ändras "
    "innan samordnaren publicerar den."
)

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
             "oktober", "november", "december")

ANSWER_STATUS_SV = {"answered": "Besvarad", "partly": "Delvis besvarad", "no_data": "Underlag saknas"}
SIGNAL_STATUS_SV = {"open": "Ej kommenterad", "commented": "Kommenterad", "dismissed": "Avfärdad"}
ADVICE_SV = {
    "inventering_racker": "Inventeringen räcker som underlag",
    "lokal_kartlaggning": "Komplettera med en lokal hemlöshetskartläggning",
    "social_rapport": "Komplettera med en social rapport",
}
SOURCE_NAMES_SV = {
    "insatser": "Insatser (uttag ur verksamhetssystemet)",
    "utbetalningar": "Utbetalningar av ekonomiskt bistånd",
    "skuldradgivning": "Budget- och skuldrådgivning",
    "platser": "Platser (boenden och antal platser)",
    "kronofogden": "Kronofogdens statistik över avhysningar (importerad av samordnaren)",
}

DISCLOSURE_TEXT = (
    # "från 1 till tröskeln minus ett" named a setting the reader never sees; the number is in Metod.
    "Alla tabeller har röjandeskyddats innan de publiceras: små antal personer, hushåll och barn (se "
    "Metod ovan) tas bort (primär röjandekontroll), och fler celler tas bort där en "
    "borttagen uppgift annars skulle kunna räknas fram ur summor (sekundär röjandekontroll). Belopp "
    "och boendedygn visas inte bredvid ett borttaget antal personer eller hushåll. Texterna i "
    "rapporten anger bara siffror ur de skyddade tabellerna. En borttagen uppgift markeras med –."
)


def format_date_sv(date) -> str:
    """2026-03-05 -> "5 mars 2026", as a Swedish reader writes a date in prose."""
    return f"{date.day} {MONTHS_SV[date.month - 1]} {date.year}"


def format_percent_sv(share: float | None, decimals: int = 1) -> str:
    """0.125 -> "12,5 %" (a share, not a percentage; space before the sign as in Swedish)."""
    if share is None:
        return SUPPRESSED_MARK
    return f"{format_number_sv(share * 100, decimals=decimals)}\u00a0%"


def format_percentage_sv(percent: float | None, decimals: int = 1) -> str:
    """87.5 -> "87,5 %" (a value already in per cent)."""
    if percent is None:
        return SUPPRESSED_MARK
    return f"{format_number_sv(percent, decimals=decimals)}\u00a0%"


def publication_line(report: Report) -> str:
    """What the title page says about the report's status: published when, or a preview."""
    if report.published is not None:
        return f"Publicerad {format_date_sv(report.published)}"
    return NOT_PUBLISHED


def is_preview(report: Report) -> bool:
    return report.published is None


def document_subtitle(report: Report) -> str:
    name = report.settings.get("kommun_namn") if report.settings else None
    return f"{name or 'Kommun ' + str(report.kommun)} {report.year}"


def source_label(source: str) -> str:
    """A source as the reader knows it: the form's own title, not its code ("utan_tak")."""
    if source.startswith("form:"):
        from boendeinventering.core.answers.forms import FORM_TITLES_SV

        slug = source[5:]
        return f"Enheternas formulär ”{FORM_TITLES_SV.get(slug, slug)}”"
    return SOURCE_NAMES_SV.get(source, source)


def figure_label(report: Report, figure) -> str:
    """A stated figure as a reader finds it in the tables: table title, row and column."""
    table = report.tables.get(figure.table)
    title = table.title if table is not None and table.title else figure.table
    parts = [value_label(d, v) for d, v in figure.key.items()]
    where = ", ".join(p for p in parts if p)
    return f"{title}{' – ' + where if where else ''}: {measure_label(figure.measure)}"


def figure_value(figure) -> str:
    """A stated figure's value, exactly as the report holds it ('–' if suppressed)."""
    value = figure.value
    if value is None:
        return SUPPRESSED_MARK
    if figure.measure in PERCENT_MEASURES:
        return format_percentage_sv(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return format_number_sv(value, decimals=1)
    return format_number_sv(whole_number(value))


def download_name(report: Report, extension: str) -> str:
    """The file name of a download: says when the content is not published or not protected."""
    tags = []
    if not report.protected:
        tags.append("ej-rojandeskyddad")
    elif is_preview(report):
        tags.append(NOT_PUBLISHED_FILE_TAG)
    return f"inventering-{report.year}{''.join('-' + t for t in tags)}.{extension}"


# --- recurring needs signals (year over year) ----------------------------------------------------


def recurring_since(signal, year: int) -> int | None:
    """The first year of the unbroken run of years, ending with ``year``, in which the signal
    fired; None when it did not fire the year before (then it is not recurring)."""
    fired = set(signal.history)
    if year - 1 not in fired:
        return None
    first = year - 1
    while first - 1 in fired:
        first -= 1
    return first


def history_text(signal, year: int) -> str:
    """"Återkommande sedan 2023 (gav utslag även 2023 och 2024)" or "Gav utslag även 2022"."""
    earlier = sorted(y for y in signal.history if y < year)
    if not earlier:
        return ""
    listed = ", ".join(str(y) for y in earlier[:-1]) + (" och " if len(earlier) > 1 else "") + str(earlier[-1])
    since = recurring_since(signal, year)
    if since is not None:
        return f"Återkommande sedan {since} (gav utslag även {listed})"
    return f"Gav utslag även {listed}, men inte {year - 1}"
