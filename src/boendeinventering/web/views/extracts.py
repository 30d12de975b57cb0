"""Extracts in the browser: upload, background import with progress, errors, history."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from boendeinventering.inventory.models import ImportBatch
from boendeinventering.organisation.models import ImportJob, Role
from boendeinventering.services import audit, imports, tasks
from boendeinventering.services import mapping as mapping_service
from boendeinventering.web.access import require_role
from boendeinventering.web.forms import UploadForm, kind_label
from boendeinventering.web.views.common import page_of
from boendeinventering.web.views.years import extract_status

ISSUES_PER_PAGE = 100


def _max_bytes() -> int:
    return settings.BOINV_MAX_UPLOAD_MB * 1_048_576


@require_role(Role.COORDINATOR)
def extracts(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, max_bytes=_max_bytes())
        if form.is_valid():
            job = _start(request, form)
            return redirect("web:import_job", job_id=job.id)
    else:
        form = UploadForm(max_bytes=_max_bytes())
    jobs = list(ImportJob.objects.all()[:10])
    batches = page_of(request, ImportBatch.objects.all(), 25)
    for row in (*jobs, *batches):
        row.kind_label = kind_label(row.kind)
    return render(request, "boinv/extracts.html", {
        "form": form, "extracts": extract_status(), "batches": batches,
        "jobs": jobs, "max_mb": settings.BOINV_MAX_UPLOAD_MB,
    })


def _start(request, form) -> ImportJob:
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name).suffix.lower()
    # Our own copy in the data directory (the upload's temporary file ends with the request);
    # the import task deletes it when done.
    target = tasks.upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    target.chmod(0o600)
    return tasks.start_import(
        form.cleaned_data["kind"], target, file_name=Path(upload.name).name,
        replace=form.cleaned_data["mode"] == "replace", skip_invalid=form.cleaned_data["on_error"] == "skip",
        user=request.user, year=int(form.cleaned_data["year"]) if form.cleaned_data.get("year") else None,
        accept_columns=form.cleaned_data["accept_columns"], allow_empty=form.cleaned_data["allow_empty"],
        keep_identical_rows=form.cleaned_data["keep_identical_rows"],
    )


def _issues_context(request, issues: list[dict]) -> dict:
    return {"issues": page_of(request, issues, ISSUES_PER_PAGE), "issue_count": len(issues)}


@require_role(Role.COORDINATOR)
def import_job(request, job_id):
    job = get_object_or_404(ImportJob, pk=job_id)
    batch = ImportBatch.objects.filter(pk=job.batch_id).first() if job.batch_id else None
    issues = job.issues if job.status == ImportJob.REFUSED else (batch.issues if batch else [])
    context = {"job": job, "state": tasks.job_state(job), "batch": batch,
               "kind_label": kind_label(job.kind),
               "status_url": reverse("web:import_job_status", args=[job.id]),
               "unmapped": _still_unmapped(batch), "confirm_form": _confirm_form(job)}
    context.update(_issues_context(request, issues))
    return render(request, "boinv/import_job.html", context)


def _still_unmapped(batch) -> list[str]:
    """The local names this import brought first that still have no code (the mapping may have
    been completed since)."""
    if batch is None or not batch.new_local_names:
        return []
    current = mapping_service.current_mapping()
    return [name for name in batch.new_local_names if current.code_for(name) is None]


def _confirm_form(job):
    """A stopped import asks for confirmation: the same upload form, filled in as the job was,
    with the confirmation ticked. The file is chosen again: an upload waiting for an answer that
    may never come would leave personnummer on disk."""
    if job.status != ImportJob.REFUSED or not job.confirm:
        return None
    options = job.options or {}
    return UploadForm(max_bytes=_max_bytes(), initial={
        "kind": job.kind, "year": str(job.year) if job.year else "",
        "mode": "replace" if job.replace else "add", "on_error": "skip" if job.skip_invalid else "refuse",
        "accept_columns": "columns" in job.confirm or options.get("accept_columns", False),
        "allow_empty": "empty" in job.confirm or options.get("allow_empty", False),
        "keep_identical_rows": options.get("keep_identical_rows", False),
    })


@require_role(Role.COORDINATOR)
def import_job_status(request, job_id):
    job = get_object_or_404(ImportJob, pk=job_id)
    return JsonResponse(tasks.job_state(job))


@require_role(Role.COORDINATOR)
def import_batch(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    context = {"batch": batch, "kind_label": kind_label(batch.kind),
               "unmapped": _still_unmapped(batch)}
    context.update(_issues_context(request, batch.issues))
    return render(request, "boinv/import_batch.html", context)


def _same_kind_and_year(batch):
    return ImportBatch.objects.filter(kind=batch.kind, year=batch.year, active=True).exclude(pk=batch.pk)


@require_role(Role.COORDINATOR)
def import_withdraw(request, batch_id: int):
    """GET: what withdrawing means; POST: withdraw (the service logs it in the audit trail)."""
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    if request.method == "POST" and batch.active:
        imports.withdraw(batch.pk, user=request.user, ip=audit.client_ip(request))
        messages.success(request, _("Import %(n)s är återkallad. Dess rader räknas inte längre; den finns kvar i "
                                    "historiken och kan återaktiveras.") % {"n": batch.pk})
        return redirect("web:import_batch", batch_id=batch.pk)
    return render(request, "boinv/import_batch_action.html", {
        "batch": batch, "kind_label": kind_label(batch.kind), "action": "withdraw",
        "others": _same_kind_and_year(batch),
    })


@require_role(Role.COORDINATOR)
def import_reactivate(request, batch_id: int):
    """GET: what reactivating means; POST: reactivate. A replaced import whose replacement is still
    active takes its place back; a withdrawn one is added beside the active ones (with an overlap
    warning), unless the user chooses to replace them."""
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    others = _same_kind_and_year(batch)
    takes_back = batch.replaced_by_id is not None and others.filter(pk=batch.replaced_by_id).exists()
    if request.method == "POST" and not batch.active:
        replace = takes_back or request.POST.get("mode") == "replace"
        try:
            outcome = imports.reactivate(batch.pk, replace=replace, user=request.user,
                                         ip=audit.client_ip(request), interface="web")
        except ValueError as exc:  # e.g. shredded by retention: its rows are gone
            messages.error(request, str(exc))
            return redirect("web:import_batch", batch_id=batch.pk)
        messages.success(request, imports.done_message(outcome, interface="web"))
        for warning in outcome.warnings:
            messages.warning(request, _("Varning:") + " " + warning)
        return redirect("web:import_batch", batch_id=batch.pk)
    return render(request, "boinv/import_batch_action.html", {
        "batch": batch, "kind_label": kind_label(batch.kind), "action": "reactivate",
        "others": others, "takes_back": takes_back,
    })
