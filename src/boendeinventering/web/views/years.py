"""Inventory years: create a year, let units take part, follow their progress, publish."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from boendeinventering.core.taxonomy import EXTRACT_KINDS
from boendeinventering.inventory.models import ImportBatch
from boendeinventering.organisation.models import InventoryYear, Participation, Role
from boendeinventering.services import audit
from boendeinventering.web.access import STAFF, require_role
from boendeinventering.web.forms import KIND_LABELS, ParticipationForm, YearForm


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
        out.append({"kind": kind, "label": KIND_LABELS[kind], "started": row is not None,
                    "batches": row["batches"] if row else 0, "rows": row["rows"] if row else 0,
                    "invalid": row["invalid"] if row else 0})
    return out


@require_role(*STAFF)
def year_detail(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    form = ParticipationForm(request.POST or None, inventory_year=inventory_year)
    if request.method == "POST" and form.is_valid():
        participation = form.save()
        audit.record(request.user, audit.YEAR_CHANGED, f"{participation.unit} deltar i {year}",
                     ip=audit.client_ip(request))
        messages.success(request, _("%(unit)s deltar nu i inventeringen %(year)s.")
                         % {"unit": participation.unit, "year": year})
        return redirect("web:year", year=year)
    progress, progress_note = unit_progress(inventory_year)
    by_unit = {row["unit"].pk: row for row in progress if getattr(row.get("unit"), "pk", None)}
    participations = []
    for p in inventory_year.participations.select_related("unit"):
        participations.append({"p": p, "status": by_unit.get(p.unit_id)})
    return render(request, "boinv/year_detail.html", {
        "inventory_year": inventory_year, "form": form, "participations": participations,
        "progress_note": progress_note, "extracts": extract_status(),
    })


@require_role(*STAFF)
@require_POST
def participation_remove(request, year: int, participation_id: int):
    participation = get_object_or_404(Participation, pk=participation_id, inventory_year__year=year)
    name = str(participation.unit)
    participation.delete()
    audit.record(request.user, audit.YEAR_CHANGED, f"{name} deltar inte längre i {year}", ip=audit.client_ip(request))
    messages.success(request, _("%(unit)s är borttagen från inventeringen %(year)s.") % {"unit": name, "year": year})
    return redirect("web:year", year=year)


@require_role(Role.COORDINATOR)
@require_POST
def publish(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    action = request.POST.get("action", "publish")
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
        from boendeinventering.web.figures_view import get_report

        from boendeinventering.core.report.snapshot import report_to_snapshot

        try:
            published = get_report(year, protected=True)
        except Exception as exc:  # noqa: BLE001 - shown to the coordinator
            messages.error(request, _("Året kan inte publiceras ännu: %(reason)s") % {"reason": _first_line(exc)})
            return redirect("web:year", year=year)
        inventory_year.published_report = report_to_snapshot(published)
        inventory_year.published_at, inventory_year.published_by = timezone.now(), request.user.get_username()
        event, text = audit.PUBLISHED, f"Den röjandeskyddade rapporten för {year} är publicerad för läsare."
        shown = _("Den röjandeskyddade rapporten för %(year)s är publicerad för läsare.") % {"year": year}
    inventory_year.save()
    audit.record(request.user, event, text, ip=audit.client_ip(request))
    messages.success(request, shown)
    return redirect("web:year", year=year)


def _first_line(exc: Exception) -> str:
    from boendeinventering.core.classify import UnmappedNamesError

    if isinstance(exc, UnmappedNamesError):
        return _("%(count)s lokala benämningar saknar mappning.") % {"count": len(exc.names)}
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
