"""Swedish error pages for refused (403) and missing (404) pages: one template, the status's
heading and explanation from here (translated like the templates' texts)."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

ERRORS = {
    403: (_("Åtkomst nekad"), _("Din roll ger inte behörighet till den här sidan.")),
    404: (_("Sidan finns inte"), _("Sidan finns inte, eller så är uppgifterna inte publicerade ännu.")),
}


def _error_page(request, status: int):
    title, message = ERRORS[status]
    return render(request, "boinv/error.html", {"title": title, "message": message}, status=status)


def permission_denied(request, exception=None):
    return _error_page(request, 403)


def page_not_found(request, exception=None):
    return _error_page(request, 404)
