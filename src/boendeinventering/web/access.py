"""Role checks for views: every view says which roles may use it."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from boendeinventering.organisation.models import Role


def role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return Role.ADMIN if user.is_superuser else None


def require_role(*roles: str):
    """Anonymous users are sent to the login page; signed-in users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = tuple(roles)
        return wrapped

    return decorator


STAFF = (Role.ADMIN, Role.COORDINATOR)


def axes_username(request, credentials=None) -> str | None:
    """The user name as django-axes stores and the audit trail records it: a personnummer typed
    into the user name field (a habit from e-ID) is masked, so it is never stored raw."""
    from django.conf import settings

    from boendeinventering.core.personnummer import mask_in_text

    field = settings.AXES_USERNAME_FORM_FIELD
    name = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    return mask_in_text(name) if isinstance(name, str) else name
