"""Template context for the navigation: what the signed-in user's role may open."""

from boendeinventering.organisation.models import Role
from boendeinventering.web.access import role_of


def navigation(request):
    role = role_of(request.user) if hasattr(request, "user") else None
    return {
        "boinv_role": role,
        "boinv_role_label": Role(role).label if role else "",
        "is_staff_role": role in (Role.ADMIN, Role.COORDINATOR),
        "is_coordinator": role == Role.COORDINATOR,
        "is_admin": role == Role.ADMIN,
    }
