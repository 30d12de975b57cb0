"""Administration: users and roles, units, installation settings (administrator only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from boendeinventering.organisation.models import Profile, Role, Unit
from boendeinventering.services import audit, users
from boendeinventering.web.access import require_role
from boendeinventering.web.forms import UnitForm, UserCreateForm, UserEditForm


@require_role(Role.ADMIN)
def user_list(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = users.create_user(data["username"], data["role"], unit=data["unit"],
                                     password=data["password"] or None)
        except users.UserError as exc:
            form.add_error(None, str(exc))
        else:
            audit.record(request.user, audit.USER_CHANGED, f"Användare {user.username} skapad ({data['role']})",
                         ip=audit.client_ip(request))
            messages.success(request, _("Användaren %(name)s är skapad.") % {"name": user.username})
            return redirect("web:users")
    people = get_user_model().objects.select_related("profile__unit").order_by("username")
    return render(request, "boinv/users.html", {"form": form, "people": people})


@require_role(Role.ADMIN)
def user_edit(request, user_id: int):
    person = get_object_or_404(get_user_model(), pk=user_id)
    profile = Profile.objects.filter(user=person).first()
    initial = {"role": profile.role if profile else Role.READER, "unit": profile.unit if profile else None,
               "is_active": person.is_active}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person == request.user and (data["role"] != Role.ADMIN or not data["is_active"]):
            form.add_error(None, _("Du kan inte ta bort din egen administratörsroll eller spärra dig själv."))
        else:
            if data["new_password"]:
                try:
                    from django.contrib.auth.password_validation import validate_password

                    validate_password(data["new_password"], person)
                except Exception as exc:  # noqa: BLE001 - ValidationError's messages are Swedish
                    form.add_error("new_password", exc)
                    return render(request, "boinv/user_edit.html", {"form": form, "person": person})
                person.set_password(data["new_password"])
            person.is_active = data["is_active"]
            person.save()
            users.set_role(person, data["role"], data["unit"])
            audit.record(request.user, audit.USER_CHANGED, f"Användare {person.username} ändrad ({data['role']})",
                         ip=audit.client_ip(request))
            messages.success(request, _("Användaren %(name)s är sparad.") % {"name": person.username})
            return redirect("web:users")
    return render(request, "boinv/user_edit.html", {"form": form, "person": person})


@require_role(Role.ADMIN)
def unit_list(request):
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = form.save()
        messages.success(request, _("Enheten %(name)s är skapad.") % {"name": unit.name})
        return redirect("web:units")
    return render(request, "boinv/units.html", {"form": form, "units": Unit.objects.all()})


@require_role(Role.ADMIN)
def unit_edit(request, unit_id: int):
    unit = get_object_or_404(Unit, pk=unit_id)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Enheten %(name)s är sparad.") % {"name": unit.name})
        return redirect("web:units")
    return render(request, "boinv/unit_edit.html", {"form": form, "unit": unit})


@require_role(Role.ADMIN)
def installation_settings(request):
    from boendeinventering.inventory.models import Installation

    return render(request, "boinv/settings.html", {
        "installation": Installation.objects.first(),
        "threshold": settings.BOINV_SUPPRESSION_THRESHOLD, "width": settings.BOINV_SUPPRESSION_WIDTH,
        "cellkey": settings.BOINV_DISCLOSURE_METHOD == "cellkey", "cellkey_d": settings.BOINV_CELLKEY_D,
        "data_dir": settings.DATA_DIR, "production": settings.PRODUCTION,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "max_mb": settings.BOINV_MAX_UPLOAD_MB, "sso_header": settings.BOINV_REMOTE_USER_HEADER,
    })
