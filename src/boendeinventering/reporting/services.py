"""Operations on the supplementary forms. Views stay thin; every rule (who may do what, validation,
locking of submitted forms) is enforced here so that it holds for any caller."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from boendeinventering.organisation.models import InventoryYear, Participation, Role, Unit
from boendeinventering.web.access import role_of

from .forms import DRAFT, NOT_APPLICABLE, ROWS_KEY, SUBMIT, ReportForm, display_value
from .kinds import CONTRACT_TYPES, KINDS, MISSING, Choice, FormKind, Number, Text
from .models import UnitReport, UnitReportEvent

log = logging.getLogger("boendeinventering.reporting")

STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR)
AUDIT_SUBMITTED = "form_submitted"
AUDIT_REOPENED = "form_reopened"


class ReportingError(Exception):
    """A refused operation; the message is Swedish and meant for the user."""


class ReportLocked(ReportingError):
    pass


class InvalidAnswers(ReportingError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("Formuläret innehåller fel: " + " ".join(m for msgs in errors.values() for m in msgs))


def _audit(user, action: str, detail: str) -> None:
    try:
        from boendeinventering.services import audit
    except ImportError:  # the audit module arrives with the web app; forms work without it
        log.info("audit %s %s", action, detail)
        return
    audit.record(user, action, detail)


# --- who may do what ----------------------------------------------------------------------------

def _own_unit_id(user):
    profile = getattr(user, "profile", None)
    return getattr(profile, "unit_id", None)


def is_staff(user) -> bool:
    return role_of(user) in STAFF_ROLES


def is_participating(year: InventoryYear, unit: Unit) -> bool:
    return Participation.objects.filter(inventory_year=year, unit=unit).exists()


def can_view(user, year: InventoryYear, unit: Unit) -> bool:
    role = role_of(user)
    if role in STAFF_ROLES:
        return True
    # A unit removed from the year keeps its answers for the coordinator, but its reporters
    # lose access to that year's forms.
    return (role == Role.REPORTER and unit.pk is not None and _own_unit_id(user) == unit.pk
            and is_participating(year, unit))


def can_edit(user, year: InventoryYear, unit: Unit) -> bool:
    """Only the unit's own reporters write answers, and only while the year is open."""
    return (role_of(user) == Role.REPORTER and _own_unit_id(user) == unit.pk and year.is_open
            and is_participating(year, unit))


def _require_edit(user, year: InventoryYear, unit: Unit) -> None:
    if role_of(user) != Role.REPORTER or unit.pk is None or _own_unit_id(user) != unit.pk:
        raise PermissionDenied("Du kan bara fylla i underlag för din egen enhet.")
    if not year.is_open:
        raise ReportLocked(f"Inventeringsåret {year.year} är stängt för rapportering.")
    if not is_participating(year, unit):
        raise ReportLocked(f"{unit} deltar inte i inventeringen {year.year}.")


def _kind(kind: str | FormKind) -> FormKind:
    if isinstance(kind, FormKind):
        return kind
    try:
        return KINDS[kind]
    except KeyError:
        raise ReportingError(f"Okänt formulär '{kind}'.") from None


def _year(year) -> InventoryYear:
    return year if isinstance(year, InventoryYear) else InventoryYear.objects.get(year=year)


# --- writing ------------------------------------------------------------------------------------

def validate(kind: str | FormKind, data: dict, mode: str = DRAFT) -> dict:
    """The normalised answer, or InvalidAnswers with every error (field name -> messages)."""
    form = ReportForm.from_answers(_kind(kind), data, mode=mode)
    if not form.is_valid():
        raise InvalidAnswers(form.error_messages())
    return form.answers()


def _store(user, year, unit, kind, data, mode: str) -> UnitReport:
    year, kind = _year(year), _kind(kind)
    _require_edit(user, year, unit)
    answers = validate(kind, data, mode)
    now = timezone.now()
    with transaction.atomic():
        report, _ = UnitReport.objects.select_for_update().get_or_create(
            inventory_year=year, unit=unit, kind=kind.slug)
        if report.is_submitted:
            raise ReportLocked("Formuläret är redan inskickat. En samordnare kan öppna det igen om något "
                               "behöver ändras.")
        report.data = answers
        report.not_applicable = bool(answers.get(NOT_APPLICABLE))
        report.updated_at, report.updated_by = now, user
        if mode == SUBMIT:
            report.status = UnitReport.Status.SUBMITTED
            report.submitted_at, report.submitted_by = now, user
        report.save()
        action = UnitReportEvent.Action.SUBMITTED if mode == SUBMIT else UnitReportEvent.Action.SAVED
        UnitReportEvent.objects.create(report=report, action=action, at=now, user=user,
                                       username=user.get_username())
    if mode == SUBMIT:
        _audit(user, AUDIT_SUBMITTED, f"{_swedish(kind.short)}, {unit}, {year.year}"
               + (" (ej aktuellt för enheten)" if report.not_applicable else ""))
    return report


def _swedish(text) -> str:
    """A (lazily translated) form name as stored in the audit trail: always Swedish."""
    with translation.override("sv"):
        return str(text)


def save_draft(user, year, unit: Unit, kind: str, data: dict) -> UnitReport:
    """Save answers as a draft: empty numbers allowed, every other rule applies."""
    return _store(user, year, unit, kind, data, DRAFT)


def submit(user, year, unit: Unit, kind: str, data: dict) -> UnitReport:
    """Save and submit: every number must hold a figure or "uppgift saknas"."""
    return _store(user, year, unit, kind, data, SUBMIT)


def reopen(user, report: UnitReport, reason: str) -> UnitReport:
    """A coordinator (or administrator) returns a submitted form to draft; who, when and why is kept."""
    if not is_staff(user):
        raise PermissionDenied("Bara samordnare och administratörer kan öppna ett inskickat formulär igen.")
    reason = (reason or "").strip()
    if not reason:
        raise ReportingError("Ange varför formuläret öppnas igen.")
    with transaction.atomic():
        report = UnitReport.objects.select_for_update().select_related("inventory_year", "unit").get(pk=report.pk)
        if not report.inventory_year.is_open:
            raise ReportLocked(f"Inventeringsåret {report.inventory_year.year} är stängt. Öppna året först.")
        if not report.is_submitted:
            raise ReportLocked("Formuläret är inte inskickat och behöver inte öppnas igen.")
        now = timezone.now()
        report.status = UnitReport.Status.DRAFT
        report.updated_at, report.updated_by = now, user
        report.save(update_fields=["status", "updated_at", "updated_by"])
        UnitReportEvent.objects.create(report=report, action=UnitReportEvent.Action.REOPENED, at=now, user=user,
                                       username=user.get_username(), reason=reason)
    _audit(user, AUDIT_REOPENED,
           f"{_swedish(report.form_kind.short)}, {report.unit}, {report.inventory_year.year}. Skäl: {reason[:300]}")
    return report


# --- reading ------------------------------------------------------------------------------------

def reports_for(year: InventoryYear, unit: Unit) -> dict[str, UnitReport]:
    return {r.kind: r for r in UnitReport.objects.filter(inventory_year=year, unit=unit)}


def participating_units(inventory_year: InventoryYear) -> list[Unit]:
    """Units taking part in the year, plus any unit that has answers (e.g. removed from the year later)."""
    ids = set(Participation.objects.filter(inventory_year=inventory_year).values_list("unit_id", flat=True))
    ids |= set(UnitReport.objects.filter(inventory_year=inventory_year).values_list("unit_id", flat=True))
    return list(Unit.objects.filter(pk__in=ids).order_by("name"))


def unit_status(inventory_year: InventoryYear) -> list[dict]:
    """Per unit: forms_total, drafts, submitted, not_started, not_applicable, last_change (for progress pages)."""
    units = participating_units(inventory_year)
    counts: dict[int, dict] = {u.pk: {"drafts": 0, "submitted": 0, "not_applicable": 0, "last_change": None}
                               for u in units}
    for r in UnitReport.objects.filter(inventory_year=inventory_year).only(
            "unit_id", "status", "not_applicable", "updated_at"):
        c = counts[r.unit_id]
        c["submitted" if r.is_submitted else "drafts"] += 1
        c["not_applicable"] += int(r.is_submitted and r.not_applicable)
        if c["last_change"] is None or r.updated_at > c["last_change"]:
            c["last_change"] = r.updated_at
    total = len(KINDS)
    return [{"unit": u, "forms_total": total, **counts[u.pk],
             "not_started": total - counts[u.pk]["drafts"] - counts[u.pk]["submitted"]} for u in units]


def summary(inventory_year: InventoryYear) -> list[dict]:
    """Totals per form and field across units, from submitted answers only (drafts may still change).

    Internal: the per-unit figures and free texts are for coordinators, not for publication.
    """
    reports = list(UnitReport.objects.filter(inventory_year=inventory_year).select_related("unit")
                   .order_by("unit__name"))
    out = []
    for kind in KINDS.values():
        mine = [r for r in reports if r.kind == kind.slug]
        answered = [r for r in mine if r.is_submitted and not r.not_applicable]
        entry = {
            "kind": kind,
            "submitted": sum(1 for r in mine if r.is_submitted),
            "drafts": sum(1 for r in mine if not r.is_submitted),
            "not_applicable": sum(1 for r in mine if r.is_submitted and r.not_applicable),
            "sections": [],
            "rows": None,
        }
        for section in kind.sections:
            entry["sections"].append({"title": section.title,
                                      "has_numbers": any(isinstance(f, Number) for f in section.fields),
                                      "fields": [_field_summary(spec, [(r.unit, r.data) for r in answered])
                                                 for spec in section.fields]})
        if kind.rows is not None:
            rows = [(r.unit, row) for r in answered for row in r.data.get(ROWS_KEY, [])]
            entry["rows"] = {
                "count": len(rows),
                "fields": [_field_summary(spec, rows) for spec in kind.rows.fields],
                "items": [(unit, [(spec.label, display_value(spec, row.get(spec.name)))
                                  for spec in kind.rows.fields]) for unit, row in rows],
            }
        if kind.slug == "sociala_kontrakt":
            entry["bme"] = _bme_comparison(answered)
        out.append(entry)
    return out


def _field_summary(spec, answers: list[tuple[Unit, dict]]) -> dict:
    values = [(unit, a.get(spec.name)) for unit, a in answers]
    result = {"name": spec.name, "label": spec.label, "type": type(spec).__name__.lower()}
    if isinstance(spec, Number):
        figures = [v for _, v in values if isinstance(v, int)]
        result.update(total=sum(figures) if figures else None, with_figure=len(figures),
                      missing=sum(1 for _, v in values if v == MISSING),
                      per_unit=[(u, display_value(spec, v)) for u, v in values])
    elif isinstance(spec, Choice):
        counts = {code: 0 for code, _ in spec.choices}
        for _, v in values:
            for code in (v if isinstance(v, list) else [v]):
                if code in counts:
                    counts[code] += 1
        result["options"] = [(label, counts[code]) for code, label in spec.choices]
    elif isinstance(spec, Text):
        result["texts"] = [(u, v) for u, v in values if v]
    return result


def contract_sum(answers: dict) -> int | None:
    """Contracts of all four types in one answer, or None when any type lacks a figure."""
    figures = [answers.get(f"{code}_kontrakt") for code, _ in CONTRACT_TYPES]
    return sum(figures) if all(isinstance(f, int) for f in figures) else None


def _bme_comparison(answered: list[UnitReport]) -> list[dict]:
    rows = []
    for r in answered:
        counted, bme = contract_sum(r.data), r.data.get("bme_antal")
        diff = counted - bme if isinstance(counted, int) and isinstance(bme, int) else None
        rows.append({"unit": r.unit, "contracts": counted, "bme": bme if isinstance(bme, int) else None,
                     "difference": diff})
    return rows


def extract_contract_households(year: int) -> int | None:
    """Households in situation 3 (social contracts etc.) according to the imported extracts, or None.

    Optional context for the BME comparison: any reason the figures cannot be computed (no installation,
    no extracts, unmapped names) simply leaves it out of the summary page.
    """
    try:
        from boendeinventering.core.classify import UnmappedNamesError
        from boendeinventering.core.protect import DisclosureError
        from boendeinventering.services.figures import build_report
        from boendeinventering.services.installation import SetupError
    except ImportError:
        return None
    try:
        report = build_report(year, protected=False)
    except (UnmappedNamesError, DisclosureError, SetupError) as exc:
        log.info("extract comparison unavailable: %s", type(exc).__name__)
        return None
    # De-duplicated households of situation 3: a household with two contract types (a social contract,
    # then a training flat) is one household, so the per-code rows must not be added up.
    table = report.tables.get("persons_by_situation")
    if table is None:
        return None
    rows = [r for r in table.rows if r.get("situation") == 3 and isinstance(r.get("households"), int)]
    return rows[0]["households"] if rows else 0


# --- the forms and the coordinator's texts in the year's report ----------------------------------

def forms_input(year: int):
    """The year's submitted answers as plain data for the core (drafts never reach a report)."""
    from boendeinventering.core.answers.forms import FormsInput, FormSubmission

    inventory_year = InventoryYear.objects.filter(year=year).first()
    if inventory_year is None:
        return None
    units = [u.name for u in participating_units(inventory_year)]
    submissions = [
        FormSubmission(unit=r.unit.name, kind=r.kind, data=dict(r.data or {}), not_applicable=r.not_applicable)
        for r in UnitReport.objects.filter(inventory_year=inventory_year, status=UnitReport.Status.SUBMITTED)
        .select_related("unit").order_by("unit__name", "kind")
    ]
    return FormsInput(units=units, submissions=submissions)


def report_texts(year: int) -> dict:
    """{"introduction": str, "conclusions": str, "answers": {qid: str}, "signals": {id: (text, dismissed)}}."""
    from .models import ReportText

    out = {"introduction": "", "conclusions": "", "answers": {}, "signals": {}}
    for t in ReportText.objects.filter(inventory_year__year=year):
        if t.kind == ReportText.Kind.INTRODUCTION:
            out["introduction"] = t.text
        elif t.kind == ReportText.Kind.CONCLUSIONS:
            out["conclusions"] = t.text
        elif t.kind == ReportText.Kind.ANSWER:
            out["answers"][t.key] = t.text
        elif t.kind == ReportText.Kind.SIGNAL:
            out["signals"][t.key] = (t.text, t.dismissed)
    return out


TEXT_MAX = 20_000  # characters per text: a long committee text fits, a pasted document does not


def save_report_texts(user, year: int, *, introduction: str | None = None, conclusions: str | None = None,
                      answers: dict[str, str] | None = None, signals: dict[str, tuple[str, bool]] | None = None) -> int:
    """Store the coordinator's texts (only those given); returns how many changed. Audit-logged.

    Texts are checked like the forms' free texts: no personnummer (they are printed in the published report)."""
    from boendeinventering.core.answers.build import QUESTIONS

    import re

    from .forms import MSG_PERSON_ID, PERSON_ID_IN_TEXT
    from .models import ReportText

    if not is_staff(user):
        raise PermissionDenied("Bara samordnare och administratörer kan skriva rapportens texter.")
    inventory_year = _year(year)
    wanted: list[tuple[str, str, str, bool]] = []
    if introduction is not None:
        wanted.append((ReportText.Kind.INTRODUCTION, "", introduction, False))
    if conclusions is not None:
        wanted.append((ReportText.Kind.CONCLUSIONS, "", conclusions, False))
    for qid, text in (answers or {}).items():
        if qid not in QUESTIONS:
            raise ReportingError(f"Okänd fråga '{qid}'.")
        wanted.append((ReportText.Kind.ANSWER, qid, text, False))
    for sid, (text, dismissed) in (signals or {}).items():
        wanted.append((ReportText.Kind.SIGNAL, sid, text, bool(dismissed)))
    errors: dict[str, list[str]] = {}
    for kind, key, text, _dismissed in wanted:
        name = f"{kind}:{key}" if key else kind
        if len(text or "") > TEXT_MAX:
            errors.setdefault(name, []).append(f"Texten är för lång (högst {TEXT_MAX} tecken).")
        elif re.search(PERSON_ID_IN_TEXT, text or ""):
            errors.setdefault(name, []).append(MSG_PERSON_ID)
    if errors:
        raise InvalidAnswers(errors)
    changed = []
    now = timezone.now()
    with transaction.atomic():
        for kind, key, text, dismissed in wanted:
            text = (text or "").strip()
            current = ReportText.objects.select_for_update().filter(
                inventory_year=inventory_year, kind=kind, key=key).first()
            if current is None:
                if not text and not dismissed:
                    continue
                current = ReportText(inventory_year=inventory_year, kind=kind, key=key)
            elif current.text == text and current.dismissed == dismissed:
                continue
            current.text, current.dismissed = text, dismissed
            current.updated_at, current.updated_by = now, user
            current.save()
            changed.append(f"{ReportText.Kind(kind).label}{' ' + key if key else ''}"
                           + (" (avfärdad)" if dismissed else ""))
    if changed:
        _audit(user, "report_text_changed", f"{year}: " + ", ".join(_swedish(c) for c in changed))
    return len(changed)


def texts_stamp(year: int) -> str:
    """Changes to the year's submitted forms and texts, for the report cache key."""
    from django.db.models import Count, Max

    from .models import ReportText

    a = UnitReport.objects.filter(inventory_year__year=year).aggregate(n=Count("id"), last=Max("updated_at"))
    b = ReportText.objects.filter(inventory_year__year=year).aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = lambda x: x["last"].timestamp() if x["last"] else 0  # noqa: E731
    return f"{a['n']}:{stamp(a)}:{b['n']}:{stamp(b)}"


# --- Kronofogden's eviction statistics (core/kronofogden.py) -------------------------------------

def import_kronofogden(source: bytes, user, *, file_name: str = "", ip: str | None = None) -> dict[str, int]:
    """Import a Kronofogden file: the own municipality's years are stored, other rows ignored.

    All or nothing (a file with an error changes nothing), and idempotent: a year already stored
    with the same figures is left as it is, so the same file twice changes nothing. Returns
    {"new", "changed", "unchanged", "other_rows"}. Raises IngestError (Swedish, row and column)."""
    from boendeinventering.core.kronofogden import parse_kronofogden
    from boendeinventering.services import audit
    from boendeinventering.services.installation import current_installation

    from .models import KronofogdenYear

    parsed = parse_kronofogden(source, current_installation().kommun, file_name or None)
    username = user if isinstance(user, str) else user.get_username()
    counts = {"new": 0, "changed": 0, "unchanged": 0, "other_rows": parsed.other_rows}
    with transaction.atomic():
        for y in parsed.years:
            figures = {"applications": y.kfm_applications, "evictions": y.kfm_evictions, "children": y.kfm_children}
            stored = KronofogdenYear.objects.select_for_update().filter(year=y.year).first()
            if stored is not None and all(getattr(stored, k) == v for k, v in figures.items()):
                counts["unchanged"] += 1
                continue
            KronofogdenYear.objects.update_or_create(
                year=y.year, defaults={**figures, "file_name": file_name[:255], "imported_at": timezone.now(),
                                       "imported_by": username[:150]})
            counts["changed" if stored is not None else "new"] += 1
        years = ", ".join(str(y.year) for y in parsed.years)
        audit.record(user, audit.IMPORT,
                     f"Kronofogdens statistik ({file_name or 'fil'}): år {years}; {counts['new']} nya, "
                     f"{counts['changed']} ändrade, {counts['unchanged']} oförändrade, "
                     f"{counts['other_rows']} rader för andra kommuner lämnades utan avseende.", ip=ip)
    log.info("kronofogden import new=%s changed=%s unchanged=%s", counts["new"], counts["changed"],
             counts["unchanged"])
    return counts


def kronofogden_years(years) -> list:
    """The stored Kronofogden years among ``years``, as the core's plain data."""
    from boendeinventering.core.kronofogden import KronofogdenYear as Year

    from .models import KronofogdenYear

    return [Year(k.year, k.applications, k.evictions, k.children)
            for k in KronofogdenYear.objects.filter(year__in=list(years)).order_by("year")]
