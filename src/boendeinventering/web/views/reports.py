"""Report pages and downloads. Protected figures: readers once published, staff always.
Unprotected figures and data quality: the coordinator only, and every look is audited."""

from __future__ import annotations

import dataclasses

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from boendeinventering.core.classify import UnmappedNamesError
from boendeinventering.organisation.models import InventoryYear, Role
from boendeinventering.services import audit
from boendeinventering.services.installation import SetupError
from boendeinventering.web.access import require_role, role_of
from boendeinventering.web.figures_view import FOOTNOTE, get_report, quality_view, table_view
from boendeinventering.web.forms import code_choices
from boendeinventering.web.views.common import visible_year

from boendeinventering.core.report.charts import report_charts
from boendeinventering.core.report.exporters import EXPORTERS

REPORT_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.READER)


def _problem(request, exc: Exception, year: int, status: int = 200):
    """Figures that cannot be computed yet: say why and what to do, instead of a server error."""
    context = {"year": year}
    if isinstance(exc, UnmappedNamesError):
        # the suggestion as the mapping page's list offers it ("1: Akutboende (akutboende)"), not the bare code
        choices = dict(code_choices(blank=False))
        context["unmapped"] = [(name, choices.get(code, code)) for name, code in exc.names]
        context["may_map"] = role_of(request.user) in (Role.ADMIN, Role.COORDINATOR)
    else:
        message = str(exc)
        if role_of(request.user) != Role.COORDINATOR:
            # A failed disclosure audit lists each suppressed cell with its true value: only
            # for those who may see unprotected figures anyway.
            message = message.split("\n", 1)[0]
        context["message"] = message
    return render(request, "boinv/report_problem.html", context, status=status)


def _snapshot(inventory_year: InventoryYear):
    from boendeinventering.core.report.snapshot import report_from_snapshot

    report = report_from_snapshot(inventory_year.published_report)
    return dataclasses.replace(report, published=inventory_year.published_at.date())


def _compute(year: int, protected: bool, published: InventoryYear | None = None):
    """The report to show. `published`: a year whose published version is wanted, if it has one.
    Live figures carry no publication date, so every output marks them "EJ PUBLICERAD"."""
    from boendeinventering.core.protect import DisclosureError

    if published is not None and published.published_at and published.published_report:
        return _snapshot(published), None
    try:
        return get_report(year, protected=protected, reference_date=reference_date_of(year)), None
    except (UnmappedNamesError, DisclosureError, SetupError) as exc:
        return None, exc


def reference_date_of(year: int):
    """The year's reference date as the coordinator set it on the year page (default 31 December)."""
    inventory_year = InventoryYear.objects.filter(year=year).first()
    return inventory_year.effective_reference_date if inventory_year else None


def _for_reader(request, inventory_year) -> InventoryYear | None:
    return inventory_year if role_of(request.user) == Role.READER else None


def _render_report(request, inventory_year, protected: bool, template: str = "boinv/report.html"):
    reader = _for_reader(request, inventory_year) if protected else None
    report, problem = _compute(inventory_year.year, protected, reader)
    if problem is not None:
        return _problem(request, problem, inventory_year.year)
    document, chapters = _document_view(report)
    return render(request, template, {
        "inventory_year": inventory_year, "report": report, "protected": protected,
        "tables": [table_view(t) for t in report.tables.values()],
        "charts": report_charts(report), "footnote": FOOTNOTE,
        "formats": [(e.identifier, e.verbose_name) for e in EXPORTERS.values()],
        "document": document, "chapters": chapters,
        "is_published_version": report.published is not None,
    })


def _document_view(report):
    """The report's text chapters (introduction, answers, signals, recommendation, conclusions)
    as template-ready items, in the same order and wording as the downloaded files; the page
    shows the tables and charts after them in its own accessible rendering."""
    from boendeinventering.core.report import document as doc

    document = doc.build_document(report, charts=[])
    items = []
    for block in document.blocks:
        if isinstance(block, doc.Heading):
            if block.anchor == "tabeller":
                break
            # h1 is the page's title, chapters are h2
            items.append({"kind": "heading", "tag": f"h{min(block.level + 1, 6)}", "text": block.text,
                          "anchor": block.anchor})
        elif isinstance(block, doc.Paragraph):
            items.append({"kind": "paragraph", "text": block.text, "style": block.style})
        elif isinstance(block, doc.Bullets):
            items.append({"kind": "bullets", "items": block.items})
        elif isinstance(block, doc.Facts):
            items.append({"kind": "facts", "rows": block.rows})
        elif isinstance(block, doc.FigureList):
            items.append({"kind": "figures", "caption": block.caption, "rows": block.rows})
        elif isinstance(block, doc.TextTable):
            items.append({"kind": "texttable", "caption": block.caption, "headings": block.headings,
                          "rows": block.rows, "note": block.note, "anchor": block.anchor})
    return document, items


@require_role(*REPORT_ROLES)
def report(request, year: int):
    return _render_report(request, visible_year(request, year), protected=True)


@require_role(Role.COORDINATOR)
def report_unprotected(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    audit.record(request.user, audit.UNPROTECTED_VIEWED, f"Tabeller utan röjandeskydd, {year}",
                 ip=audit.client_ip(request))
    return _render_report(request, inventory_year, protected=False)


@require_role(Role.COORDINATOR)
def quality(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    audit.record(request.user, audit.QUALITY_VIEWED, f"Datakvalitet, {year}", ip=audit.client_ip(request))
    report, problem = _compute(year, protected=False)
    if problem is not None:
        return _problem(request, problem, year)
    from boendeinventering.services.occupancy import facility_occupancy

    return render(request, "boinv/quality.html", {
        "inventory_year": inventory_year, "rows": quality_view(report.quality) if report.quality else [],
        "facilities": facility_occupancy(year),  # internal: per facility, never published
    })


def _download(fmt: str, report):
    """The exporter's bytes straight to the browser: nothing is written to disk. The file name
    says when the figures are unprotected or not (yet) the published version."""
    exporter = EXPORTERS[fmt]
    response = HttpResponse(exporter.render(report), content_type=exporter.mime_type)
    response["Content-Disposition"] = f'attachment; filename="{exporter.file_name(report)}"'
    return response


@require_role(*REPORT_ROLES)
def download(request, year: int, fmt: str):
    inventory_year = visible_year(request, year)
    if fmt not in EXPORTERS:
        raise Http404(_("Okänt format."))
    # Readers download the published version; staff download what their page shows, today's
    # figures, marked "ej publicerad" in the file name and inside (issue 7.8).
    report, problem = _compute(inventory_year.year, True, _for_reader(request, inventory_year))
    if problem is not None:
        return _problem(request, problem, year)
    return _download(fmt, report)


@require_role(Role.COORDINATOR)
def download_unprotected(request, year: int, fmt: str):
    get_object_or_404(InventoryYear, year=year)
    if fmt not in EXPORTERS:
        raise Http404(_("Okänt format."))
    report, problem = _compute(year, False)
    if problem is not None:
        return _problem(request, problem, year)
    audit.record(request.user, audit.UNPROTECTED_DOWNLOADED, f"Nedladdning utan röjandeskydd, {year}, {fmt}",
                 ip=audit.client_ip(request))
    return _download(fmt, report)
