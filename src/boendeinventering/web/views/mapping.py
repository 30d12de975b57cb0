"""Mapping editor: every local name seen in the active imports, with its code (SPEC 4).
Figures are computed on demand with the mapping in force, so saving needs no re-import."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from boendeinventering.core.classify import suggest_code
from boendeinventering.core.taxonomy import CODE_NAMES_SV, SITUATION_BY_CODE
from boendeinventering.services import audit
from boendeinventering.services import mapping as mapping_service
from boendeinventering.web.access import STAFF, require_role
from boendeinventering.web.forms import code_choices


def field_name(local_name: str) -> str:
    # Names can hold any character; a digest makes a safe, stable form field name.
    return "kod_" + hashlib.sha256(local_name.encode("utf-8")).hexdigest()[:16]


@require_role(*STAFF)
def mapping_editor(request):
    names = mapping_service.seen_local_names()
    current = mapping_service.current_mapping()
    rows = []
    for name in names:
        code = current.code_for(name)
        rows.append({"name": name, "field": field_name(name), "code": code,
                     "suggested": None if code else suggest_code(name)})
    if request.method == "POST":
        changes = []
        invalid = 0
        use_suggestions = "use_suggestions" in request.POST
        for row in rows:
            chosen = (request.POST.get(row["field"]) or "").strip()
            if not chosen and use_suggestions and row["suggested"]:
                chosen = row["suggested"]
            if not chosen:
                continue
            if chosen not in SITUATION_BY_CODE:
                invalid += 1
                continue
            if chosen != row["code"]:
                changes.append((row["name"], chosen))
        if invalid:
            messages.error(request, _("Några val var ogiltiga och sparades inte."))
        if changes:
            outcome = mapping_service.save_entries(changes, user=request.user, ip=audit.client_ip(request))
            # counts in brackets read right for any number ("1 nya benämningar" did not)
            messages.success(request, _("Mappningen är sparad (nya benämningar: %(created)s, ändrade: %(changed)s). "
                                        "Siffrorna räknas om med den nya mappningen.")
                             % {"created": outcome.created, "changed": outcome.changed})
        elif not invalid:
            messages.info(request, _("Inga ändringar att spara."))
        return redirect("web:mapping")
    return render(request, "boinv/mapping.html", {
        "rows": rows, "choices": code_choices(), "unmapped": sum(1 for r in rows if not r["code"]),
        "code_names": CODE_NAMES_SV,
    })
