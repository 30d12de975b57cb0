"""Single sign-on through a reverse proxy (Shibboleth/SAML, Kerberos, ...): the proxy
authenticates and passes the user name in a header. Only users that an administrator has
created (with a role) get in; the proxy decides who you are, the application what you may do."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware


class HeaderRemoteUserMiddleware(PersistentRemoteUserMiddleware):
    @property
    def header(self):
        return settings.BOINV_REMOTE_USER_HEADER


class ExistingRemoteUserBackend(RemoteUserBackend):
    create_unknown_user = False
