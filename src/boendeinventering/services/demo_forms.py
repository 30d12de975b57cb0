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


def submit_demo_forms(year: int) -> int:
    """Store the demo units' answers as submitted (validated like a unit's own submission). Idempotent."""
    inventory_year = InventoryYear.objects.get(year=year)
    count = 0
    now = timezone.now()
    with transaction.atomic():
        for unit_name, forms in DEMO_FORMS.items():
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
