"""Sign-in, sign-out and the start page (what each role can do from here)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from boendeinventering.organisation.models import InventoryYear, Role
from boendeinventering.web.access import require_role, role_of

ALL_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.REPORTER, Role.READER)


class LoginView(auth_views.LoginView):
    template_name = "boinv/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass  # POST only (Django 5), CSRF-protected


@require_role(*ALL_ROLES)
def home(request):
    role = role_of(request.user)
    context = {"role": role}
    if role == Role.REPORTER:
        profile = request.user.profile
        context["unit"] = profile.unit
        context["open_years"] = InventoryYear.objects.filter(is_open=True, participations__unit=profile.unit)
    elif role == Role.READER:
        context["published_years"] = InventoryYear.objects.exclude(published_at=None)
    else:
        context["years"] = InventoryYear.objects.all()
        if role == Role.COORDINATOR:
            from boendeinventering.services import checklist

            # The newest year is the one being worked on; older ones are on their own pages.
            current = context["years"].first()
            context["checklist"] = checklist.build(current) if current is not None else None
    return render(request, "boinv/home.html", context)
