"""The web app stops while the pseudonymisation key is missing or not the database's own.

With a different key every person imported from then on would become a new person (counted
twice) and the keyed file digests would no longer recognise files already imported. The command
line refuses the same way (services/installation.py); here every page says so, without the
server's paths, and the log gets the details for the administrator."""

from __future__ import annotations

import logging

from django.shortcuts import render

from boendeinventering.core.pseudonymise import PseudonymKeyError
from boendeinventering.services.installation import SetupError, key_problem

log = logging.getLogger("boendeinventering.web")


class KeyGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = key_problem()
        except (SetupError, PseudonymKeyError) as exc:
            problem = str(exc)
        if problem:
            log.error("nyckelkontroll: %s", problem)
            return render(request, "boinv/key_problem.html", status=503)
        return self.get_response(request)
