"""The audit trail page: explicit events (AuditEvent) and field-level model changes (django-auditlog)."""

from __future__ import annotations

import re

from auditlog.models import LogEntry
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from boendeinventering.inventory.models import MappingEntry
from boendeinventering.organisation.models import AuditEvent, Participation
from boendeinventering.services.audit import ACTION_LABELS, action_label
from boendeinventering.web.access import STAFF, require_role
from boendeinventering.web.views.common import page_of

# django-auditlog names a register by its English model name and an action by an English verb
# ("participation", "create"); the coordinator reads the log in Swedish.
REGISTER_LABELS = {
    "unit": _("Enhet"), "profile": _("Roll"), "user": _("Användare"), "inventoryyear": _("Inventeringsår"),
    "participation": _("Deltagande enhet"), "mappingentry": _("Mappning"),
}
CHANGE_LABELS = {
    LogEntry.Action.CREATE: _("Skapad"), LogEntry.Action.UPDATE: _("Ändrad"),
    LogEntry.Action.DELETE: _("Borttagen"), LogEntry.Action.ACCESS: _("Visad"),
}
# Django's text for an object without a name of its own: "Participation object (5)".
NAMELESS = re.compile(r"^\w+ object \((\d+)\)$")


def _changes(entry) -> dict:
    try:
        return entry.changes_dict or {}
    except (TypeError, ValueError):
        return {}


def _new_value(changes: dict, field: str) -> str | None:
    """The field's value after the change (before it, for a deletion)."""
    pair = changes.get(field)
    if not pair:
        return None
    value = pair[1] if pair[1] not in (None, "None") else pair[0]
    return None if value in (None, "None") else str(value)


def _object_texts(entries) -> dict[int, str]:
    """Readable names for the objects Django can only call "X object (n)": a unit's part in a
    year as "unit year", a mapping as "local name → code"; from the object while it exists, from
    the logged change after it is gone."""
    nameless = {e.pk: NAMELESS.match(e.object_repr or "") for e in entries}
    ids = {model: {int(m.group(1)) for e in entries if (m := nameless[e.pk]) and e.content_type.model == model}
           for model in ("participation", "mappingentry")}
    found = Participation.objects.filter(pk__in=ids["participation"]).select_related("unit", "inventory_year")
    participations = {p.pk: f"{p.unit} {p.inventory_year}" for p in found}
    mappings = {m.pk: f"{m.local_name} → {m.code}" for m in MappingEntry.objects.filter(pk__in=ids["mappingentry"])}
    texts = {}
    for entry in entries:
        match = nameless[entry.pk]
        if not match:
            texts[entry.pk] = entry.object_repr
            continue
        pk, model, changes = int(match.group(1)), entry.content_type.model, _changes(entry)
        text = None
        if model == "participation":
            text = participations.get(pk)
        elif model == "mappingentry":
            local_name = _new_value(changes, "local_name")
            text = mappings.get(pk) or (f"{local_name} → {_new_value(changes, 'code') or '–'}" if local_name else None)
        texts[entry.pk] = text or _("nr %(n)s") % {"n": pk}
    return texts


@require_role(*STAFF)
def audit_log(request):
    events = AuditEvent.objects.all()
    action = request.GET.get("handelse", "")
    if action in ACTION_LABELS:
        events = events.filter(action=action)
    page = page_of(request, events)
    for event in page:
        event.label = action_label(event.action)
    changes = list(LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")[:50])
    texts = _object_texts(changes)
    for change in changes:
        change.register_label = REGISTER_LABELS.get(change.content_type.model, change.content_type.name)
        change.object_text = texts[change.pk]
        change.change_label = CHANGE_LABELS.get(change.action, change.get_action_display())
    return render(request, "boinv/audit_log.html", {
        "events": page, "actions": sorted(ACTION_LABELS.items(), key=lambda kv: kv[1]), "action": action,
        "changes": changes,
    })
