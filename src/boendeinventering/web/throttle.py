"""Failed sign-ins are counted per user name and per address (django-axes), with a higher limit
for the address: one office behind one address should not be locked out by a colleague's typos,
while someone trying a common password against many user names from one address (password
spraying) is stopped after a few rounds.

Axes compares the larger of the two counts with one limit; this callable makes that limit the
user name's when the user name has reached it, else the address's, so each is held to its own."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum

_NEVER = 10**9


def failure_limit(request, credentials) -> int:
    from axes.helpers import get_client_ip_address, get_client_username
    from axes.models import AccessAttempt

    user_limit = settings.BOINV_LOGIN_USER_LIMIT
    address_limit = settings.BOINV_LOGIN_ADDRESS_LIMIT
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)

    def failures(**where) -> int:
        return AccessAttempt.objects.filter(**where).aggregate(n=Sum("failures_since_start"))["n"] or 0

    if username and failures(username=username) >= user_limit:
        return user_limit
    if address and failures(ip_address=address) >= address_limit:
        return address_limit
    return _NEVER
