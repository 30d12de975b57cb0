"""Extracts in the browser: upload, background import with progress, errors, history."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from boendeinventering.inventory.models import ImportBatch
from boendeinventering.organisation.models import ImportJob, Role
from boendeinventering.services import tasks
from boendeinventering.web.access import require_role
from boendeinventering.web.forms import KIND_LABELS, UploadForm
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
    return render(request, "boinv/extracts.html", {
        "form": form, "extracts": extract_status(), "kind_labels": KIND_LABELS,
        "batches": page_of(request, ImportBatch.objects.all(), 25),
        "jobs": ImportJob.objects.all()[:10], "max_mb": settings.BOINV_MAX_UPLOAD_MB,
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
    )


def _issues_context(request, issues: list[dict]) -> dict:
    return {"issues": page_of(request, issues, ISSUES_PER_PAGE), "issue_count": len(issues)}


@require_role(Role.COORDINATOR)
def import_job(request, job_id):
    job = get_object_or_404(ImportJob, pk=job_id)
    batch = ImportBatch.objects.filter(pk=job.batch_id).first() if job.batch_id else None
    issues = job.issues if job.status == ImportJob.REFUSED else (batch.issues if batch else [])
    context = {"job": job, "state": tasks.job_state(job), "batch": batch,
               "kind_label": KIND_LABELS.get(job.kind, job.kind),
               "status_url": reverse("web:import_job_status", args=[job.id])}
    context.update(_issues_context(request, issues))
    return render(request, "boinv/import_job.html", context)


@require_role(Role.COORDINATOR)
def import_job_status(request, job_id):
    job = get_object_or_404(ImportJob, pk=job_id)
    return JsonResponse(tasks.job_state(job))


@require_role(Role.COORDINATOR)
def import_batch(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    context = {"batch": batch, "kind_label": KIND_LABELS.get(batch.kind, batch.kind)}
    context.update(_issues_context(request, batch.issues))
    return render(request, "boinv/import_batch.html", context)
