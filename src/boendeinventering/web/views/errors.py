"""Swedish error pages for refused (403) and missing (404) pages."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    return render(request, "boinv/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "boinv/404.html", status=404)
