"""Users and their roles (organisation.Profile), and the demo's users."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from boendeinventering.organisation.models import InventoryYear, Participation, Profile, Role, Unit

DEMO_UNITS = [
    ("Mottagningsenheten", False),
    ("Ekonomiskt bistånd", False),
    ("Beroendeenheten", False),
    ("Socialpsykiatrin", False),
    ("Stadsmissionen", True),
]
# Fixed passwords so the demo can be tried at once; they say what they are, and `boinv demo`
# only ever runs on a fictional municipality's data.
DEMO_USERS = [
    ("admin", "demo-admin-endast-test", Role.ADMIN, None),
    ("samordnare", "demo-samordnare-endast-test", Role.COORDINATOR, None),
    ("rapportor", "demo-rapportor-endast-test", Role.REPORTER, "Mottagningsenheten"),
    ("lasare", "demo-lasare-endast-test", Role.READER, None),
]


class UserError(ValueError):
    pass


def create_user(username: str, role: str, *, unit: str | Unit | None = None, password: str | None = None,
                check_password: bool = True):
    """A new user with a role. A reporter must belong to a unit (created if it is new)."""
    username = (username or "").strip()
    if not username:
        raise UserError("Ange ett användarnamn.")
    if role not in Role.values:
        raise UserError(f"Okänd roll '{role}'. Välj en av: {', '.join(Role.values)}.")
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise UserError(f"Användaren '{username}' finns redan.")
    unit_obj = _unit(unit)
    if role == Role.REPORTER and unit_obj is None:
        raise UserError("En rapportör måste höra till en enhet (--unit).")
    if password and check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise UserError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        user = user_model(username=username)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # SSO only
        user.save()
        Profile.objects.create(user=user, role=role, unit=unit_obj)
    return user


def _unit(unit) -> Unit | None:
    if unit is None or unit == "":
        return None
    if isinstance(unit, Unit):
        return unit
    found = Unit.objects.filter(name__iexact=str(unit).strip()).first()
    return found or Unit.objects.create(name=str(unit).strip())


def set_role(user, role: str, unit: Unit | None) -> Profile:
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role, "unit": unit})
    return profile


def create_demo_users(year: int = 2025) -> list[tuple[str, str, str, str | None]]:
    """Demo units, one user per role, and the demo year with every unit taking part.
    Idempotent: existing users keep their (demo) password reset to the documented one."""
    user_model = get_user_model()
    with transaction.atomic():
        units = {}
        for name, partner in DEMO_UNITS:
            units[name], _ = Unit.objects.get_or_create(name=name, defaults={"is_partner": partner})
        out = []
        for username, password, role, unit_name in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_active = True
            user.save()
            set_role(user, role, units.get(unit_name))
            out.append((username, password, str(role), unit_name))
        inventory_year, _ = InventoryYear.objects.get_or_create(year=year)
        deadline = dt.date(year + 1, 2, 15)
        for name, unit in units.items():
            Participation.objects.get_or_create(
                inventory_year=inventory_year, unit=unit,
                defaults={"contact_name": f"Kontaktperson {name}", "deadline": deadline})
    return out
