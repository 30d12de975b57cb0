"""The audit trail page: explicit events (AuditEvent) and field-level model changes (django-auditlog)."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.shortcuts import render

from boendeinventering.organisation.models import AuditEvent
from boendeinventering.services.audit import ACTION_LABELS, action_label
from boendeinventering.web.access import STAFF, require_role
from boendeinventering.web.views.common import page_of


@require_role(*STAFF)
def audit_log(request):
    events = AuditEvent.objects.all()
    action = request.GET.get("handelse", "")
    if action in ACTION_LABELS:
        events = events.filter(action=action)
    page = page_of(request, events)
    for event in page:
        event.label = action_label(event.action)
    changes = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")[:50]
    return render(request, "boinv/audit_log.html", {
        "events": page, "actions": sorted(ACTION_LABELS.items(), key=lambda kv: kv[1]), "action": action,
        "changes": changes,
    })
