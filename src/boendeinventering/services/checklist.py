"""The year's checklist: what is done, what is missing, and the next step in words.

Shown on the coordinator's start page and on the year page. Everything here is cheap enough for a
page load except the disclosure audit, which is run on request (`run_audit`) and remembered with
the state of the data it was run on (organisation.YearAudit), so the page only compares keys.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from boendeinventering.core.taxonomy import EXTRACT_KINDS
from boendeinventering.inventory.models import ImportBatch, MappingEntry
from boendeinventering.organisation.models import InventoryYear, Participation, YearAudit

log = logging.getLogger("boendeinventering.checklist")

# How each kind reads inside a Swedish sentence ("Ladda upp utbetalningar för 2025"). The kinds
# themselves come from core.taxonomy.EXTRACT_KINDS; a kind missing here is named as it is spelt.
KIND_NAMES_SV = {
    "insatser": "insatser",
    "utbetalningar": "utbetalningar",
    "skuldradgivning": "budget- och skuldrådgivning",
    "platser": "platser",
}

DONE, TODO, PROBLEM = "done", "todo", "problem"
AUDIT_PASSED, AUDIT_FAILED, AUDIT_NOT_RUN, AUDIT_BLOCKED = "passed", "failed", "not_run", "blocked"


@dataclass
class ExtractStatus:
    kind: str
    name: str  # as in a sentence
    batches: int = 0
    untagged: int = 0  # imports made for every year (no year given), also counted for this one
    rows: int = 0
    invalid: int = 0

    @property
    def imported(self) -> bool:
        return self.batches > 0


@dataclass
class UnitStatus:
    unit: object
    deadline: dt.date | None
    contact_name: str
    forms_total: int
    submitted: int
    drafts: int

    @property
    def complete(self) -> bool:
        return self.forms_total > 0 and self.submitted >= self.forms_total


@dataclass
class Step:
    key: str  # "units", "extracts", "mapping", "forms", "close", "audit", "publish"
    title: str
    status: str  # DONE, TODO or PROBLEM
    detail: str


@dataclass
class Checklist:
    year: int
    is_open: bool
    published_at: dt.datetime | None
    reference_date: dt.date
    extracts: list[ExtractStatus]
    unmapped: list[str]
    units: list[UnitStatus]
    overdue: list[UnitStatus]
    drafts: int
    audit: str  # AUDIT_*
    audit_text: str
    audit_checked_at: dt.datetime | None
    steps: list[Step] = field(default_factory=list)
    next_step: str = ""
    next_key: str = ""

    @property
    def units_submitted(self) -> int:
        return sum(1 for u in self.units if u.complete)

    @property
    def units_not_submitted(self) -> list[UnitStatus]:
        return [u for u in self.units if not u.complete]


def extract_status(year: int) -> list[ExtractStatus]:
    """Active imports per kind made for `year` or for every year (the ones its figures read)."""
    rows = (ImportBatch.objects.filter(active=True).filter(Q(year=year) | Q(year__isnull=True))
            .values("kind").annotate(batches=Count("id"), untagged=Count("id", filter=Q(year__isnull=True)),
                                     rows=Sum("rows_imported"), invalid=Sum("rows_invalid")))
    totals = {r["kind"]: r for r in rows}
    out = []
    for kind in EXTRACT_KINDS:
        r = totals.get(kind, {})
        out.append(ExtractStatus(kind, KIND_NAMES_SV.get(kind, kind), r.get("batches", 0), r.get("untagged", 0),
                                 r.get("rows") or 0, r.get("invalid") or 0))
    return out


def data_state(inventory_year: InventoryYear) -> str:
    """A key that changes whenever the year's figures could: its active imports, the mapping,
    the reference date and the disclosure rules."""
    from boendeinventering.services.figures import protection_settings

    batches = (ImportBatch.objects.filter(active=True).filter(Q(year=inventory_year.year) | Q(year__isnull=True))
               .aggregate(n=Count("id"), last=Max("id"), ids=Sum("id")))
    mapping = MappingEntry.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = mapping["last"].timestamp() if mapping["last"] else 0
    rules = protection_settings()
    return (f"{inventory_year.year}:{inventory_year.effective_reference_date.isoformat()}:"
            f"{batches['n']}:{batches['last']}:{batches['ids']}:{mapping['n']}:{stamp}:"
            f"{rules.method}:{rules.threshold}:{rules.width}")[:300]


def unmapped_names_for_year(inventory_year: InventoryYear, state: str | None = None) -> list[str]:
    """Local names in the year's active extracts that the mapping lacks (SPEC 4).

    Reads two columns of the year's stored imports; remembered per data state for a day."""
    import polars as pl

    from boendeinventering.core.classify import unmapped_names
    from boendeinventering.core.taxonomy import normalise_name
    from boendeinventering.services.mapping import current_mapping
    from boendeinventering.services.storage import active_rows

    state = state or data_state(inventory_year)
    key = f"boinv-unmapped:{state}"
    names = cache.get(key)
    if names is None:
        year = inventory_year.year
        seen = set(active_rows("insatser", {"insats": pl.Utf8}, year)["insats"].unique().drop_nulls())
        seen |= set(active_rows("utbetalningar", {"purpose": pl.Utf8}, year)["purpose"].unique().drop_nulls())
        names = unmapped_names(sorted(seen, key=normalise_name), current_mapping())
        cache.set(key, names, 24 * 3600)
    return names


def unit_statuses(inventory_year: InventoryYear) -> list[UnitStatus]:
    from boendeinventering.reporting.services import unit_status

    by_unit = {row["unit"].pk: row for row in unit_status(inventory_year)}
    out = []
    for p in Participation.objects.filter(inventory_year=inventory_year).select_related("unit"):
        row = by_unit.get(p.unit_id, {})
        out.append(UnitStatus(p.unit, p.deadline, p.contact_name, row.get("forms_total", 0),
                              row.get("submitted", 0), row.get("drafts", 0)))
    return out


def audit_status(inventory_year: InventoryYear, state: str | None = None) -> tuple[str, str, dt.datetime | None]:
    """(AUDIT_*, text, when) of the last audit, or AUDIT_NOT_RUN if the data changed since."""
    state = state or data_state(inventory_year)
    audit = YearAudit.objects.filter(inventory_year=inventory_year).first()
    if audit is None or audit.state != state:
        return AUDIT_NOT_RUN, "", None
    return (AUDIT_PASSED if audit.passed else AUDIT_FAILED), audit.text, audit.checked_at


def record_audit(inventory_year: InventoryYear, passed: bool, text: str, *, user: str = "",
                 state: str | None = None) -> YearAudit:
    """Remember an audit's outcome for the data it was run on (publishing records one too)."""
    audit, _created = YearAudit.objects.update_or_create(
        inventory_year=inventory_year,
        defaults={"state": state or data_state(inventory_year), "passed": passed, "text": text, "checked_by": user})
    return audit


def run_audit(inventory_year: InventoryYear, *, user: str = "") -> tuple[str, str]:
    """Run the disclosure audit of the year's report now and remember the result.

    Returns (AUDIT_*, Swedish text). Unmapped names or a missing installation block the audit:
    nothing is remembered then, since the figures cannot be computed at all."""
    from boendeinventering.core.classify import UnmappedNamesError
    from boendeinventering.services.figures import audit_year
    from boendeinventering.services.installation import SetupError

    state = data_state(inventory_year)
    try:
        passed, text = audit_year(inventory_year.year, reference_date=inventory_year.effective_reference_date)
    except UnmappedNamesError as exc:
        return AUDIT_BLOCKED, _count(len(exc.names), "lokal benämning saknar mappning; mappa den först.",
                                     "lokala benämningar saknar mappning; mappa dem först.")
    except SetupError as exc:
        return AUDIT_BLOCKED, str(exc).splitlines()[0]
    record_audit(inventory_year, passed, text, user=user, state=state)
    log.info("disclosure audit year=%s passed=%s", inventory_year.year, passed)
    return (AUDIT_PASSED if passed else AUDIT_FAILED), text


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def build(inventory_year: InventoryYear, *, today: dt.date | None = None) -> Checklist:
    """The checklist for one year, with each step's status and the next step in words."""
    today = today or timezone.localdate()
    year = inventory_year.year
    state = data_state(inventory_year)
    extracts = extract_status(year)
    units = unit_statuses(inventory_year)
    overdue = [u for u in units if not u.complete and u.deadline is not None and u.deadline < today]
    audit, audit_text, audit_at = audit_status(inventory_year, state)
    has_data = any(e.imported for e in extracts)
    unmapped = unmapped_names_for_year(inventory_year, state) if has_data else []
    checklist = Checklist(
        year=year, is_open=inventory_year.is_open, published_at=inventory_year.published_at,
        reference_date=inventory_year.effective_reference_date, extracts=extracts, unmapped=unmapped,
        units=units, overdue=overdue, drafts=sum(u.drafts for u in units),
        audit=audit, audit_text=audit_text, audit_checked_at=audit_at,
    )
    checklist.steps = _steps(checklist)
    _set_next_step(checklist)
    return checklist


def _steps(c: Checklist) -> list[Step]:
    steps = []
    missing = [e for e in c.extracts if not e.imported]
    steps.append(Step("units", "Enheter som deltar", DONE if c.units else TODO,
                      _count(len(c.units), "enhet deltar", "enheter deltar") if c.units
                      else "Inga enheter deltar ännu."))
    steps.append(Step("extracts", "Uttag ur verksamhetssystemet", TODO if missing else DONE,
                      ("Saknas: " + ", ".join(e.name for e in missing) + ".") if missing
                      else "Alla slag av uttag är importerade."))
    if not any(e.imported for e in c.extracts):
        mapping = Step("mapping", "Mappning av lokala benämningar", TODO, "Inga uttag att mappa ännu.")
    elif c.unmapped:
        mapping = Step("mapping", "Mappning av lokala benämningar", PROBLEM,
                       _count(len(c.unmapped), "lokal benämning saknar", "lokala benämningar saknar") + " kod.")
    else:
        mapping = Step("mapping", "Mappning av lokala benämningar", DONE, "Alla benämningar har en kod.")
    steps.append(mapping)
    not_done = c.units_not_submitted
    if not c.units:
        forms = Step("forms", "Enheternas underlag", TODO, "Inga enheter deltar ännu.")
    elif not_done:
        detail = f"{c.units_submitted} av {len(c.units)} enheter har skickat in allt."
        if c.overdue:
            detail += " " + _count(len(c.overdue), "enhet", "enheter") + " har passerat sista dag: " + \
                ", ".join(str(u.unit) for u in c.overdue) + "."
        forms = Step("forms", "Enheternas underlag", PROBLEM if c.overdue else TODO, detail)
    else:
        forms = Step("forms", "Enheternas underlag", DONE, f"Alla {len(c.units)} enheter har skickat in.")
    steps.append(forms)
    steps.append(Step("close", "Rapporteringen avslutad", TODO if c.is_open else DONE,
                      "Enheterna kan fortfarande ändra och skicka in." if c.is_open else "Stängd för enheterna."))
    audit_detail = {
        AUDIT_PASSED: "Röjandekontrollen godkände tabellerna.",
        AUDIT_FAILED: "Röjandekontrollen underkände tabellerna.",
        AUDIT_NOT_RUN: "Inte körd för årets nuvarande uppgifter.",
    }.get(c.audit, "")
    steps.append(Step("audit", "Röjandekontroll", {AUDIT_PASSED: DONE, AUDIT_FAILED: PROBLEM}.get(c.audit, TODO),
                      audit_detail))
    steps.append(Step("publish", "Publicering för läsare", DONE if c.published_at else TODO,
                      "Publicerad." if c.published_at else "Inte publicerad."))
    return steps


def _set_next_step(c: Checklist) -> None:
    """The first thing left to do, in the order the method support works through the year."""
    y = c.year
    missing = [e for e in c.extracts if not e.imported]
    if c.published_at and c.audit == AUDIT_NOT_RUN:
        # Publishing records a passed audit of the data it froze; a stale audit means imports,
        # mapping or forms changed since, and readers still see the figures as they were.
        text = (f"Uppgifterna för {y} har ändrats sedan rapporten publicerades, och läsarna ser den "
                "publicerade versionen. Ska de se de nya siffrorna: återkalla publiceringen och publicera igen.")
        key = "publish"
    elif c.published_at:
        text, key = f"Inventeringen {y} är publicerad. Inget mer behöver göras.", "publish"
    elif not c.units:
        text, key = f"Lägg till de enheter som ska lämna underlag för {y}.", "units"
    elif missing:
        text, key = f"Ladda upp {missing[0].name} för {y}.", "extracts"
    elif c.unmapped:
        text, key = f"Mappa {_count(len(c.unmapped), 'lokal benämning', 'lokala benämningar')} till koder.", "mapping"
    elif c.units_not_submitted and c.is_open:
        n = len(c.units_not_submitted)
        if c.overdue:
            text = (f"Påminn {_count(len(c.overdue), 'enhet', 'enheter')} som passerat sista dag utan att "
                    f"skicka in: {', '.join(str(u.unit) for u in c.overdue)}.")
        else:
            text = f"Vänta på underlag från {_count(n, 'enhet', 'enheter')}, eller stäng rapporteringen."
        key = "forms"
    elif c.is_open:
        text, key = f"Stäng rapporteringen för {y}.", "close"
    elif c.audit == AUDIT_FAILED:
        text, key = "Se över röjandekontrollens anmärkningar innan du publicerar.", "audit"
    elif c.audit != AUDIT_PASSED:
        text, key = f"Kör röjandekontrollen för {y}.", "audit"
    else:
        text, key = f"Publicera den röjandeskyddade rapporten för {y}.", "publish"
    c.next_step, c.next_key = text, key
