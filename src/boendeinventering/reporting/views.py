"""Pages for the supplementary forms. Access and rules live in services; views only translate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from boendeinventering.organisation.models import InventoryYear, Participation, Role, Unit
from boendeinventering.web.access import require_role, role_of

from . import services
from .forms import DRAFT, SUBMIT, ReopenForm, ReportForm, readonly_rows, readonly_sections
from .kinds import KINDS
from .models import UnitReport

FORM_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.REPORTER)
STAFF = (Role.ADMIN, Role.COORDINATOR)


def _year_and_unit(request, year: int, unit_id: int) -> tuple[InventoryYear, Unit]:
    inventory_year = get_object_or_404(InventoryYear, year=year)
    unit = get_object_or_404(Unit, pk=unit_id)
    if not services.can_view(request.user, inventory_year, unit):
        raise PermissionDenied(_("Du kan bara se underlag för din egen enhet."))
    return inventory_year, unit


@require_role(*FORM_ROLES)
def index(request):
    """Where the forms start: the reporter's own unit per year, or every year for coordinators."""
    role = role_of(request.user)
    if role == Role.REPORTER:
        unit = getattr(request.user.profile, "unit", None)
        years = (InventoryYear.objects.filter(participations__unit=unit).order_by("-year")
                 if unit is not None else InventoryYear.objects.none())
        return render(request, "boinv/reporting/index.html", {"unit": unit, "years": years, "staff": False})
    years = InventoryYear.objects.order_by("-year")
    return render(request, "boinv/reporting/index.html", {
        "years": [{"year": y, "units": services.unit_status(y)} for y in years], "staff": True})


@require_role(*FORM_ROLES)
def unit_forms(request, year: int, unit_id: int):
    inventory_year, unit = _year_and_unit(request, year, unit_id)
    participating = services.is_participating(inventory_year, unit)
    reports = services.reports_for(inventory_year, unit)
    if not participating and not reports:
        raise Http404(_("Enheten deltar inte i inventeringen detta år."))
    rows = [{"kind": kind, "report": reports.get(slug)} for slug, kind in KINDS.items()]
    deadline = (Participation.objects.filter(inventory_year=inventory_year, unit=unit)
                .values_list("deadline", flat=True).first())
    return render(request, "boinv/reporting/unit_forms.html", {
        "inventory_year": inventory_year, "unit": unit, "rows": rows, "deadline": deadline,
        "can_edit": services.can_edit(request.user, inventory_year, unit),
    })


def _form_page(request, inventory_year, unit, kind, *, form=None, reopen_form=None, status=200):
    report = UnitReport.objects.filter(inventory_year=inventory_year, unit=unit, kind=kind.slug).first()
    editable = services.can_edit(request.user, inventory_year, unit) and not (report and report.is_submitted)
    answers = report.data if report else {}
    if editable and form is None:
        form = ReportForm(kind, initial=answers)
    may_reopen = (services.is_staff(request.user) and report is not None and report.is_submitted
                  and inventory_year.is_open)
    if may_reopen and reopen_form is None:
        reopen_form = ReopenForm()
    return render(request, "boinv/reporting/form.html", {
        "inventory_year": inventory_year, "unit": unit, "kind": kind, "report": report,
        "editable": editable, "form": form if editable else None,
        "errors": form.error_list() if (editable and form is not None and form.main.is_bound) else {},
        "readonly": None if editable else readonly_sections(kind, answers),
        "readonly_rows": None if editable else readonly_rows(kind, answers),
        "not_applicable": bool(report and report.not_applicable),
        "events": report.events.all() if report else [],
        "reopen_form": reopen_form if may_reopen else None,
    }, status=status)


@require_role(*FORM_ROLES)
def report_form(request, year: int, unit_id: int, kind: str):
    if kind not in KINDS:
        raise Http404(_("Okänt formulär."))
    inventory_year, unit = _year_and_unit(request, year, unit_id)
    form_kind = KINDS[kind]
    if not services.is_participating(inventory_year, unit) and not services.reports_for(inventory_year, unit):
        raise Http404(_("Enheten deltar inte i inventeringen detta år."))
    if request.method != "POST":
        return _form_page(request, inventory_year, unit, form_kind)
    if not services.can_edit(request.user, inventory_year, unit):
        raise PermissionDenied(_("Formuläret kan inte ändras."))
    mode = SUBMIT if request.POST.get("action") == "submit" else DRAFT
    form = ReportForm(form_kind, request.POST, mode=mode)
    if not form.is_valid():
        return _form_page(request, inventory_year, unit, form_kind, form=form)
    save = services.submit if mode == SUBMIT else services.save_draft
    try:
        save(request.user, inventory_year, unit, kind, form.answers())
    except services.ReportingError as exc:
        messages.error(request, str(exc))
        return redirect("reporting:form", year=year, unit_id=unit.pk, kind=kind)
    if mode == SUBMIT:
        messages.success(request, _("%(form)s är inskickat. Tack!") % {"form": form_kind.title})
        return redirect("reporting:unit_forms", year=year, unit_id=unit.pk)
    messages.success(request, _("Utkastet är sparat. Du kan fortsätta senare."))
    return redirect("reporting:form", year=year, unit_id=unit.pk, kind=kind)


@require_role(*STAFF)
@require_POST
def reopen(request, year: int, unit_id: int, kind: str):
    if kind not in KINDS:
        raise Http404(_("Okänt formulär."))
    inventory_year, unit = _year_and_unit(request, year, unit_id)
    report = get_object_or_404(UnitReport, inventory_year=inventory_year, unit=unit, kind=kind)
    reopen_form = ReopenForm(request.POST)
    if not reopen_form.is_valid():
        return _form_page(request, inventory_year, unit, KINDS[kind], reopen_form=reopen_form)
    try:
        services.reopen(request.user, report, reopen_form.cleaned_data["reason"])
    except services.ReportingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(form)s är öppnat igen för %(unit)s.")
                         % {"form": KINDS[kind].title, "unit": unit})
    return redirect("reporting:form", year=year, unit_id=unit.pk, kind=kind)


@require_role(*STAFF)
def summary(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    return render(request, "boinv/reporting/summary.html", {
        "inventory_year": inventory_year,
        "forms": services.summary(inventory_year),
        "units": services.unit_status(inventory_year),
        "extract_contracts": services.extract_contract_households(year) if request.GET.get("uttag") else None,
        "extract_requested": bool(request.GET.get("uttag")),
    })


@require_role(Role.COORDINATOR)
def kronofogden(request, year: int):
    """Kronofogden's eviction statistics: the stored years, and an upload that adds or corrects them."""
    from boendeinventering.core.ingest.issues import IngestError
    from boendeinventering.services import audit

    from .forms import KronofogdenUploadForm
    from .models import KronofogdenYear

    inventory_year = get_object_or_404(InventoryYear, year=year)
    form = KronofogdenUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            counts = services.import_kronofogden(upload.read(), request.user, file_name=upload.name,
                                                 ip=audit.client_ip(request))
        except IngestError as exc:
            errors = [issue.as_text() for issue in exc.issues]
        else:
            messages.success(request, _(
                "Kronofogdens statistik är importerad: %(new)s nya år, %(changed)s ändrade och %(unchanged)s "
                "oförändrade. %(other)s rader för andra kommuner lämnades utan avseende.") % {
                "new": counts["new"], "changed": counts["changed"], "unchanged": counts["unchanged"],
                "other": counts["other_rows"]})
            return redirect("reporting:kronofogden", year=year)
    return render(request, "boinv/reporting/kronofogden.html", {
        "inventory_year": inventory_year, "form": form, "errors": errors,
        "stored": KronofogdenYear.objects.order_by("-year")}, status=400 if errors else 200)
