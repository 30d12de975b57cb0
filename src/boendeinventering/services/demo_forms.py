"""The demo's supplementary forms: a few units' submitted answers, so that all ten answers of the
demo report have content. Entirely fictional, like the rest of the demo; some forms are left out
on purpose, so the report shows how missing forms become caveats."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from boendeinventering.organisation.models import InventoryYear, Unit
from boendeinventering.reporting import services as reporting
from boendeinventering.reporting.forms import SUBMIT
from boendeinventering.reporting.models import UnitReport, UnitReportEvent

S = "saknas"

DEMO_FORMS: dict[str, dict[str, dict]] = {
    "Mottagningsenheten": {
        "utan_tak": {"antal": 14, "kvinnor": 3, "man": 10, "okant_kon": 1, "alder_0_17": 0, "alder_18_25": 4,
                     "alder_26_64": 9, "alder_65": 1, "alder_okand": 0,
                     "platser": ["trappuppgangar", "talt", "bil"], "platser_annat": "",
                     "metod": "Handläggarna på mottagningen gick igenom årets nybesök vid en arbetsplatsträff."},
        "situation4": {"antal": 38, "med_barn": 9, "former": ["familj_vanner", "kort_andrahand"],
                       "kalla": ["egna_arenden"],
                       "kalla_beskrivning": "Ärenden där den sökande uppger att hen bor tillfälligt hos "
                                            "släktingar eller på korta andrahandskontrakt."},
        "avhysning": {"underrattelser": 61, "arenden": 44, "avvarjda": 31, "genomforda": 9, "genomforda_barn": 3,
                      "malgrupper": "Fler ensamstående föräldrar med hyresskulder än tidigare år; flera hade "
                                    "skulder hos Kronofogden sedan tidigare."},
        "forturer": {"antal": 34, "kalla": "underlag", "grupp_barnfamiljer": 12, "grupp_vald": 7, "grupp_beroende": 5,
                     "grupp_psykisk_ohalsa": 3, "grupp_aldre": 2, "grupp_unga": 3, "grupp_utskrivna": 2,
                     "grupp_annan": 0, "grupp_annan_beskrivning": ""},
        "medarbetarkunskap": {
            "antal_medarbetare": 12, "satt": ["mote"],
            "grupper_utan_boende": "Det saknas boende för unga vuxna med missbruk och för barnfamiljer som "
                                   "behöver något annat än hotell i väntan på lägenhet.",
            "utveckling": "okat",
            "utveckling_beskrivning": "Fler barnfamiljer söker akut boende efter avhysning.",
            "aldre": "Äldreomsorgen och socialtjänsten har gemensamma ärendedragningar för äldre med "
                     "hyresskulder; fler äldre har fått förtur till seniorbostäder.",
            "skyddat_boende": "Efter skyddat boende ansöker vi om förtur hos bostadsförmedlingen och erbjuder "
                              "träningslägenhet med stöd i väntan på eget kontrakt.",
            "utskrivning": "Några personer på HVB har planerad utskrivning utan att ha någon bostad ordnad.",
            "ovrigt": "",
        },
    },
    "Ekonomiskt bistånd": {
        "sociala_kontrakt": {
            "socialt_kontrakt": 640, "socialt_vuxna": 702, "socialt_barn": 311, "socialt_overtagna": 38,
            "forsok_kontrakt": 55, "forsok_vuxna": 55, "forsok_barn": 0, "forsok_overtagna": 6,
            "traning_kontrakt": 70, "traning_vuxna": 71, "traning_barn": 8, "traning_overtagna": S,
            "bostad_forst_kontrakt": 12, "bostad_forst_vuxna": 12, "bostad_forst_barn": 0, "bostad_forst_overtagna": 0,
            "bme_antal": 760,
            "grupper": "Kontrakten går främst till barnfamiljer och till personer med missbruk eller psykisk "
                       "ohälsa. Många har bott länge på kontrakt och behöver en egen förstahandsbostad.",
        },
        "situation4": {"antal": S, "med_barn": S, "former": [], "kalla": [], "kalla_beskrivning": ""},
    },
    "Beroendeenheten": {
        "utan_tak": {"antal": 21, "kvinnor": 5, "man": 16, "okant_kon": 0, "alder_0_17": 0, "alder_18_25": 3,
                     "alder_26_64": 15, "alder_65": 2, "alder_okand": 1,
                     "platser": ["offentliga_lokaler", "garage_kallare_vind"], "platser_annat": "",
                     "metod": "Uppskattning från behandlarna och uppsökarna."},
        "uppsokande": {"malgrupper": "Personer med missbruk som sover ute eller i trappuppgångar.",
                       "behov": "Lågtröskelboende och stöd att behålla en bostad.",
                       "platser": "Centrum, resecentrum och parkerna vid ån.", "antal_personer": 85},
        "medarbetarkunskap": {
            "antal_medarbetare": 8, "satt": ["enkat"],
            "grupper_utan_boende": "Äldre med missbruk som inte passar i varken härbärge eller särskilt boende.",
            "utveckling": "oforandrat", "utveckling_beskrivning": "",
            "aldre": "", "skyddat_boende": "", "utskrivning": "", "ovrigt": "",
        },
    },
    "Stadsmissionen": {
        "samarbetspartner": {"rader": [
            {"organisation": "Stadsmissionens dagverksamhet", "typ": "civilsamhalle",
             "ser": "Många som bor tillfälligt hos bekanta och några som sover i bil.", "antal": 40},
            {"organisation": "Församlingens diakoni", "typ": "religiost",
             "ser": "Äldre som riskerar att förlora bostaden på grund av hyresskulder.", "antal": 15},
        ]},
        "situation4": {"antal": 25, "med_barn": 6, "former": ["familj_vanner", "inneboende"],
                       "kalla": ["samarbetspartner"],
                       "kalla_beskrivning": "Besökare i dagverksamheten som berättar om sitt boende."},
    },
}


# The eviction form's counts in the years before the demo's last one (whose are in DEMO_FORMS), so
# the report's evictions year by year have a trend: more evictions, more of them of families.
EARLIER_EVICTIONS: dict[int, dict] = {
    1: {"underrattelser": 55, "arenden": 41, "avvarjda": 30, "genomforda": 7, "genomforda_barn": 2},
    2: {"underrattelser": 48, "arenden": 37, "avvarjda": 29, "genomforda": 5, "genomforda_barn": 0},
}
EARLIER_EVICTION_UNIT = "Mottagningsenheten"


def demo_forms_of(year: int, last_year: int) -> dict[str, dict[str, dict]]:
    """unit -> kind -> answers of ``year``: all the demo's forms in ``last_year``; before it only
    the eviction form, with that year's counts (EARLIER_EVICTIONS, years back from ``last_year``)."""
    if year >= last_year:
        return DEMO_FORMS
    counts = EARLIER_EVICTIONS.get(last_year - year)
    if counts is None:
        return {}
    words = {"malgrupper": "Mest ensamstående med hyresskulder."}
    return {EARLIER_EVICTION_UNIT: {"avhysning": {**counts, **words}}}


def submit_demo_forms(year: int, last_year: int | None = None) -> int:
    """Store the demo units' answers of ``year`` as submitted (validated like a unit's own
    submission); ``last_year``: the demo's last year (``year`` when not given). Idempotent."""
    inventory_year, _ = InventoryYear.objects.get_or_create(year=year)
    count = 0
    now = timezone.now()
    with transaction.atomic():
        for unit_name, forms in demo_forms_of(year, year if last_year is None else last_year).items():
            unit = Unit.objects.get(name=unit_name)
            for kind, data in forms.items():
                answers = reporting.validate(kind, data, SUBMIT)
                report, created = UnitReport.objects.get_or_create(inventory_year=inventory_year, unit=unit,
                                                                   kind=kind)
                if not created and report.is_submitted and report.data == answers:
                    continue
                report.data, report.status = answers, UnitReport.Status.SUBMITTED
                report.not_applicable = False
                report.updated_at = report.submitted_at = now
                report.save()
                UnitReportEvent.objects.create(report=report, action=UnitReportEvent.Action.SUBMITTED, at=now,
                                               username="demo")
                count += 1
    return count


# --- a small Kronofogden file (core/kronofogden.py), made in code like the rest of the demo -------
DEMO_KRONOFOGDEN = {1: (68, 12, 6), 2: (61, 9, 5)}  # years back from the last: ansökningar, verkställda, barn
DEMO_KRONOFOGDEN_LAST = (74, 15, 7)
OTHER_KOMMUN = "0180"  # a national file holds every municipality: the import keeps only its own


def demo_kronofogden_csv(kommun: str, years: tuple[int, ...]) -> bytes:
    """A fictional Kronofogden file for ``years`` (docs/format.md), in cp1252 with semicolons like a
    file saved from Excel, with another municipality's rows that the import leaves out."""
    lines = ["År;Kommunkod;Ansökningar;Verkställda;Barn"]
    last = max(years)
    for year in years:
        applications, evictions, children = DEMO_KRONOFOGDEN.get(last - year, DEMO_KRONOFOGDEN_LAST)
        lines.append(f"{year};{kommun};{applications};{evictions};{children}")
        if kommun != OTHER_KOMMUN:
            lines.append(f"{year};{OTHER_KOMMUN};{applications * 20};{evictions * 20};{children * 20}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")
