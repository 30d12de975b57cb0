"""The explicit audit trail (organisation.AuditEvent). Callers describe what happened in
Swedish without personal data: names of units, files, years, counts — never personnummer."""

from __future__ import annotations

import logging

from boendeinventering.organisation.models import AuditEvent

log = logging.getLogger("boendeinventering.audit")

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKED_OUT = "locked_out"
LOGOUT = "logout"
IMPORT = "import"
IMPORT_REFUSED = "import_refused"
IMPORT_WITHDRAWN = "import_withdrawn"
IMPORT_REACTIVATED = "import_reactivated"
MAPPING_CHANGED = "mapping_changed"
FORM_SUBMITTED = "form_submitted"
FORM_REOPENED = "form_reopened"
PUBLISHED = "published"
UNPUBLISHED = "unpublished"
UNPROTECTED_VIEWED = "unprotected_viewed"
UNPROTECTED_DOWNLOADED = "unprotected_downloaded"
QUALITY_VIEWED = "quality_viewed"
YEAR_CHANGED = "year_changed"
USER_CHANGED = "user_changed"
REPORT_TEXT_CHANGED = "report_text_changed"  # introduction, conclusions, comments on answers and signals
RETENTION = "retention"  # boinv retention apply (services/retention.py)

ACTION_LABELS = {
    LOGIN: "Inloggning",
    LOGIN_FAILED: "Misslyckad inloggning",
    LOCKED_OUT: "Kontot spärrat",
    LOGOUT: "Utloggning",
    IMPORT: "Import av uttag",
    IMPORT_REFUSED: "Uttag avvisat",
    IMPORT_WITHDRAWN: "Import återkallad",
    IMPORT_REACTIVATED: "Import återaktiverad",
    MAPPING_CHANGED: "Mappning ändrad",
    FORM_SUBMITTED: "Underlag inskickat",
    FORM_REOPENED: "Underlag öppnat igen",
    PUBLISHED: "Publicering",
    UNPUBLISHED: "Publicering återkallad",
    UNPROTECTED_VIEWED: "Visning av ej röjandeskyddade uppgifter",
    UNPROTECTED_DOWNLOADED: "Nedladdning av ej röjandeskyddade uppgifter",
    QUALITY_VIEWED: "Visning av datakvalitet",
    YEAR_CHANGED: "Inventeringsår ändrat",
    USER_CHANGED: "Användare ändrad",
    REPORT_TEXT_CHANGED: "Rapportens texter ändrade",
    RETENTION: "Gallring av pseudonymiserade rader",
}


def record(user, action: str, detail: str = "", *, ip: str | None = None, username: str = "") -> AuditEvent:
    """Store one event. `user` may be a User, None (anonymous) or a user name as text."""
    real_user = user if getattr(user, "pk", None) is not None else None
    if not username:
        username = real_user.get_username() if real_user is not None else (user if isinstance(user, str) else "")
    event = AuditEvent.objects.create(user=real_user, username=username[:150], action=action[:40],
                                      detail=detail, ip=ip or None)
    log.info("audit action=%s user=%s", action, username)
    return event


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
