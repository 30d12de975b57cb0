"""Inventory years: create a year, let units take part, follow their progress, publish."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from boendeinventering.core.taxonomy import EXTRACT_KINDS
from boendeinventering.inventory.models import ImportBatch
from boendeinventering.organisation.models import InventoryYear, Participation, Role
from boendeinventering.services import audit, checklist, year_workflow
from boendeinventering.web.access import STAFF, require_role
from boendeinventering.web.forms import ParticipationForm, ReferenceDateForm, YearForm, kind_label


@require_role(*STAFF)
def year_list(request):
    form = YearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        inventory_year, created = InventoryYear.objects.get_or_create(year=year)
        if created:
            audit.record(request.user, audit.YEAR_CHANGED, f"Inventeringsår {year} skapat", ip=audit.client_ip(request))
            messages.success(request, _("Inventeringsåret %(year)s är skapat.") % {"year": year})
        else:
            messages.info(request, _("Inventeringsåret %(year)s finns redan.") % {"year": year})
        return redirect("web:year", year=year)
    years = InventoryYear.objects.annotate(units=Count("participations"))
    return render(request, "boinv/years.html", {"form": form, "years": years})


def unit_progress(inventory_year) -> tuple[list[dict], str]:
    """Per unit: forms in total, drafts, submitted (from the reporting app, when present)."""
    try:
        from boendeinventering.reporting.services import unit_status
    except ImportError:
        return [], _("Enheternas underlag är inte tillgängliga i den här versionen.")
    return list(unit_status(inventory_year)), ""


def extract_status() -> list[dict]:
    """Per extract kind: not started, or imported with n rows and m refused rows (active imports)."""
    totals = {row["kind"]: row for row in ImportBatch.objects.filter(active=True).values("kind").annotate(
        batches=Count("id"), rows=Sum("rows_imported"), invalid=Sum("rows_invalid"))}
    out = []
    for kind in EXTRACT_KINDS:
        row = totals.get(kind)
        out.append({"kind": kind, "label": kind_label(kind), "started": row is not None,
                    "batches": row["batches"] if row else 0, "rows": row["rows"] if row else 0,
                    "invalid": row["invalid"] if row else 0})
    return out


def year_imports(year: int):
    """The active imports the year's figures read: made for this year, or for every year."""
    from django.db.models import Q

    imports = list(ImportBatch.objects.filter(active=True).filter(Q(year=year) | Q(year__isnull=True))
                   .order_by("kind", "-imported_at", "-id"))
    for batch in imports:
        batch.kind_label = kind_label(batch.kind)  # as the upload form and checklist say it
    return imports


@require_role(*STAFF)
def year_detail(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    form = ParticipationForm(request.POST or None, inventory_year=inventory_year)
    if request.method == "POST" and form.is_valid():
        participation = year_workflow.add_participation(
            request.user, inventory_year, form.cleaned_data["unit"],
            contact_name=form.cleaned_data.get("contact_name") or "", deadline=form.cleaned_data.get("deadline"),
            ip=audit.client_ip(request))
        messages.success(request, _("%(unit)s deltar nu i inventeringen %(year)s.")
                         % {"unit": participation.unit, "year": year})
        return redirect("web:year", year=year)
    return _year_page(request, inventory_year, form=form)


def _year_page(request, inventory_year, *, form=None, reference_form=None, status=200):
    year = inventory_year.year
    form = form or ParticipationForm(inventory_year=inventory_year)
    progress, progress_note = unit_progress(inventory_year)
    by_unit = {row["unit"].pk: row for row in progress if getattr(row.get("unit"), "pk", None)}
    participations = []
    for p in inventory_year.participations.select_related("unit"):
        participations.append({"p": p, "status": by_unit.get(p.unit_id)})
    return render(request, "boinv/year_detail.html", {
        "inventory_year": inventory_year, "form": form, "participations": participations,
        "progress_note": progress_note, "checklist": checklist.build(inventory_year),
        "imports": year_imports(year),
        "former": inventory_year.former_participations.select_related("unit"),
        "reference_form": reference_form or ReferenceDateForm(
            initial={"reference_date": inventory_year.reference_date}, inventory_year=inventory_year),
    }, status=status)


@require_role(Role.COORDINATOR)
@require_POST
def reference_date(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    form = ReferenceDateForm(request.POST, inventory_year=inventory_year)
    if not form.is_valid():
        return _year_page(request, inventory_year, reference_form=form, status=400)
    year_workflow.set_reference_date(request.user, inventory_year, form.cleaned_data["reference_date"],
                                     ip=audit.client_ip(request))
    messages.success(request, _("Referensdatumet för %(year)s är %(date)s.") % {
        "year": year, "date": date_format(inventory_year.effective_reference_date, "j F Y")})
    return redirect("web:year", year=year)


@require_role(Role.COORDINATOR)
@require_POST
def run_audit(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    status, text = checklist.run_audit(inventory_year, user=request.user.get_username())
    if status == checklist.AUDIT_PASSED:
        messages.success(request, _("Röjandekontrollen godkände tabellerna för %(year)s.") % {"year": year})
    elif status == checklist.AUDIT_FAILED:
        messages.error(request, _("Röjandekontrollen underkände tabellerna för %(year)s. Se detaljerna i "
                                  "checklistan.") % {"year": year})
    else:
        messages.error(request, _("Röjandekontrollen kunde inte köras: %(reason)s") % {"reason": text})
    return redirect("web:year", year=year)


def _confirm(request, inventory_year, consequences, *, action_url, action, button, cancel_url, danger=False):
    return render(request, "boinv/confirm.html", {
        "inventory_year": inventory_year, "c": consequences, "action_url": action_url, "action": action,
        "button": button, "cancel_url": cancel_url, "danger": danger})


@require_role(*STAFF)
def participation_remove(request, year: int, participation_id: int):
    """GET (or POST without confirmation): what removing means. POST confirmed: remove."""
    participation = get_object_or_404(Participation.objects.select_related("unit", "inventory_year"),
                                      pk=participation_id, inventory_year__year=year)
    if request.method != "POST" or request.POST.get("confirmed") != "1":
        return _confirm(request, participation.inventory_year, year_workflow.remove_consequences(participation),
                        action_url=request.path, action="", button=_("Ja, ta bort enheten"),
                        cancel_url=reverse("web:year", args=[year]) + "#enheter", danger=True)
    name = str(participation.unit)
    year_workflow.remove_participation(request.user, participation, ip=audit.client_ip(request))
    messages.success(request, _("%(unit)s är borttagen från inventeringen %(year)s.") % {"unit": name, "year": year})
    return redirect("web:year", year=year)


CONFIRMED_ACTIONS = {
    "publish": (year_workflow.publish_consequences, _lazy("Ja, publicera")),
    "unpublish": (year_workflow.unpublish_consequences, _lazy("Ja, återkalla publiceringen")),
    "close": (year_workflow.close_consequences, _lazy("Ja, stäng rapporteringen")),
}


@require_role(Role.COORDINATOR)
def publish(request, year: int):
    """Publish, withdraw, close or open. All but opening show what they mean first (GET, or a POST
    without `confirmed`) and act on a confirmed POST only."""
    inventory_year = get_object_or_404(InventoryYear, year=year)
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "publish")
    if action in CONFIRMED_ACTIONS and (request.method != "POST" or data.get("confirmed") != "1"):
        summarise, button = CONFIRMED_ACTIONS[action]
        return _confirm(request, inventory_year, summarise(inventory_year), action_url=request.path,
                        action=action, button=button, cancel_url=reverse("web:year", args=[year]),
                        danger=action != "publish")
    if request.method != "POST":
        return redirect("web:year", year=year)
    if action == "unpublish":
        inventory_year.published_at, inventory_year.published_by = None, ""
        inventory_year.published_report = None
        # The audit trail stays Swedish; the message follows the user's language.
        event, text = audit.UNPUBLISHED, f"Publiceringen av {year} återkallades."
        shown = _("Publiceringen av %(year)s återkallades.") % {"year": year}
    elif action == "close":
        inventory_year.is_open = False
        event, text = audit.YEAR_CHANGED, f"Rapporteringen för {year} är stängd."
        shown = _("Rapporteringen för %(year)s är stängd.") % {"year": year}
    elif action == "open":
        inventory_year.is_open = True
        event, text = audit.YEAR_CHANGED, f"Rapporteringen för {year} är öppen."
        shown = _("Rapporteringen för %(year)s är öppen.") % {"year": year}
    else:
        # Publishing only makes sense for figures that pass disclosure control now.
        from boendeinventering.services.figures import publish_year

        try:
            publish_year(year, request.user, ip=audit.client_ip(request))
        except Exception as exc:  # noqa: BLE001 - shown to the coordinator
            messages.error(request, _("Året kan inte publiceras ännu: %(reason)s") % {"reason": _first_line(exc)})
            return redirect("web:year", year=year)
        messages.success(request, _("Den röjandeskyddade rapporten för %(year)s är publicerad för läsare.")
                         % {"year": year})
        return redirect("web:year", year=year)
    inventory_year.save()
    audit.record(request.user, event, text, ip=audit.client_ip(request))
    messages.success(request, shown)
    return redirect("web:year", year=year)


def _first_line(exc: Exception) -> str:
    from boendeinventering.core.classify import UnmappedNamesError

    if isinstance(exc, UnmappedNamesError):
        return ngettext("%(count)s lokal benämning saknar mappning.", "%(count)s lokala benämningar saknar mappning.",
                        len(exc.names)) % {"count": len(exc.names)}
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
