"""Sign-in events into the audit trail; model changes into django-auditlog."""

from __future__ import annotations


def connect() -> None:
    from auditlog.registry import auditlog
    from axes.signals import user_locked_out
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    from boendeinventering.inventory.models import MappingEntry
    from boendeinventering.organisation import models as org

    for model in (org.Unit, org.Profile, org.InventoryYear, org.Participation, MappingEntry):
        if not auditlog.contains(model):
            auditlog.register(model)
    user_model = get_user_model()
    if not auditlog.contains(user_model):
        auditlog.register(user_model, exclude_fields=["password", "last_login"])

    user_logged_in.connect(_logged_in, dispatch_uid="boinv_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="boinv_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="boinv_login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="boinv_locked_out")


def _ip(request):
    from boendeinventering.services.audit import client_ip

    return client_ip(request)


def _logged_in(sender, request, user, **kwargs):
    from boendeinventering.services import audit

    audit.record(user, audit.LOGIN, "", ip=_ip(request))


def _logged_out(sender, request, user, **kwargs):
    from boendeinventering.services import audit

    if user is not None:
        audit.record(user, audit.LOGOUT, "", ip=_ip(request))


def _login_failed(sender, credentials, request=None, **kwargs):
    from boendeinventering.services import audit

    # credentials are already cleansed by Django (password masked); keep the name only.
    from boendeinventering.core.personnummer import mask_in_text

    # a personnummer typed as the user name (a habit from e-ID) is never stored raw
    audit.record(None, audit.LOGIN_FAILED, "", ip=_ip(request),
                 username=mask_in_text(str(credentials.get("username", "")))[:150])


def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    from boendeinventering.core.personnummer import mask_in_text
    from boendeinventering.services import audit

    audit.record(None, audit.LOCKED_OUT, "5 misslyckade inloggningar; spärrat i 30 minuter.",
                 ip=ip_address or _ip(request), username=mask_in_text(str(username or ""))[:150])
