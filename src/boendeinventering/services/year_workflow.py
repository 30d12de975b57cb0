"""The coordinator's operations on a year that need a confirmation first: what each one means
(who has not reported, which drafts freeze), and the operations themselves.

Views ask for a summary, show it, and call the operation only when the user confirms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.dateformat import format as format_date

from boendeinventering.organisation.models import FormerParticipation, InventoryYear, Participation, Profile, Role
from boendeinventering.services import audit


def long_date(value: dt.date) -> str:
    """Swedish long format ("15 februari 2026"), as the pages show dates for every role."""
    with translation.override("sv"):
        return format_date(value, "j F Y")


@dataclass
class Consequences:
    """What an operation means, for the confirmation page. Texts are Swedish sentences."""

    title: str
    points: list[str] = field(default_factory=list)
    units_not_reported: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # "Enhet: Formulär"


def _reports(inventory_year: InventoryYear, unit=None):
    from boendeinventering.reporting.models import UnitReport

    reports = UnitReport.objects.filter(inventory_year=inventory_year).select_related("unit")
    return reports.filter(unit=unit) if unit is not None else reports


def _draft_names(reports) -> list[str]:
    return [f"{r.unit}: {r.form_kind.short}" for r in reports if not r.is_submitted]


def units_not_reported(inventory_year: InventoryYear) -> list[str]:
    """Taking part, but not every form submitted ("ej aktuellt" counts as an answer)."""
    from boendeinventering.reporting.kinds import KINDS

    submitted: dict[int, int] = {}
    for r in _reports(inventory_year):
        if r.is_submitted:
            submitted[r.unit_id] = submitted.get(r.unit_id, 0) + 1
    return [str(p.unit) for p in inventory_year.participations.select_related("unit")
            if submitted.get(p.unit_id, 0) < len(KINDS)]


def close_consequences(inventory_year: InventoryYear) -> Consequences:
    reports = list(_reports(inventory_year))
    c = Consequences(f"Stäng rapporteringen för {inventory_year.year}?",
                     units_not_reported=units_not_reported(inventory_year), drafts=_draft_names(reports))
    c.points.append("Enheterna kan inte längre fylla i, ändra eller skicka in underlag för året.")
    if c.drafts:
        c.points.append(f"{len(c.drafts)} utkast fryses som de är. Utkast räknas inte i sammanställningen; "
                        "bara inskickade svar gör det.")
    if c.units_not_reported:
        c.points.append(f"{len(c.units_not_reported)} enheter har inte skickat in allt underlag.")
    c.points.append("Du kan öppna rapporteringen igen senare.")
    return c


def publish_consequences(inventory_year: InventoryYear) -> Consequences:
    reports = list(_reports(inventory_year))
    c = Consequences(f"Publicera den röjandeskyddade rapporten för {inventory_year.year}?",
                     units_not_reported=units_not_reported(inventory_year), drafts=_draft_names(reports))
    c.points.append("Läsarna ser rapporten som den ser ut nu. Senare importer och ändringar syns för dem "
                    "först när du publicerar igen.")
    c.points.append("Rapporten publiceras bara om den klarar röjandekontrollen.")
    if inventory_year.is_open:
        c.points.append("Rapporteringen är fortfarande öppen: enheterna kan ändra sina underlag efter publiceringen.")
    if c.units_not_reported:
        c.points.append(f"{len(c.units_not_reported)} enheter har inte skickat in allt underlag.")
    if c.drafts:
        c.points.append(f"{len(c.drafts)} utkast är inte inskickade och räknas inte.")
    return c


def unpublish_consequences(inventory_year: InventoryYear) -> Consequences:
    return Consequences(f"Återkalla publiceringen av {inventory_year.year}?", points=[
        "Läsarna kommer inte längre åt rapporten för året förrän den publiceras igen."])


def reporters_of(unit) -> list[str]:
    return list(Profile.objects.filter(role=Role.REPORTER, unit=unit, user__is_active=True)
                .values_list("user__username", flat=True).order_by("user__username"))


def remove_consequences(participation: Participation) -> Consequences:
    year, unit = participation.inventory_year, participation.unit
    reports = list(_reports(year, unit))
    submitted = sum(1 for r in reports if r.is_submitted)
    c = Consequences(f"Ta bort {unit} från inventeringen {year.year}?", drafts=_draft_names(reports))
    reporters = reporters_of(unit)
    if reporters:
        c.points.append(f"Enhetens rapportörer ({', '.join(reporters)}) kommer inte längre åt årets formulär.")
    else:
        c.points.append("Enheten har ingen rapportör med konto.")
    if reports:
        c.points.append(f"Enheten har {submitted} inskickade formulär och {len(reports) - submitted} utkast. "
                        "De sparas; inskickade svar finns kvar i sammanställningen.")
    c.points.append("Om enheten läggs till igen får den tillbaka kontaktperson"
                    + (f" ({participation.contact_name})" if participation.contact_name else "")
                    + " och sista dag"
                    + (f" ({long_date(participation.deadline)})" if participation.deadline else "") + ".")
    return c


def remove_participation(user, participation: Participation, *, ip: str | None = None) -> None:
    """The unit no longer takes part: its reporters lose access, its contact and deadline are kept."""
    with transaction.atomic():
        FormerParticipation.objects.update_or_create(
            inventory_year=participation.inventory_year, unit=participation.unit,
            defaults={"contact_name": participation.contact_name, "deadline": participation.deadline,
                      "removed_by": user.get_username() if user else ""})
        name, year = str(participation.unit), participation.inventory_year.year
        participation.delete()
    audit.record(user, audit.YEAR_CHANGED, f"{name} deltar inte längre i {year}", ip=ip)


def add_participation(user, inventory_year: InventoryYear, unit, *, contact_name: str = "",
                      deadline: dt.date | None = None, ip: str | None = None) -> Participation:
    """Let a unit take part; a unit removed earlier gets back what was not given anew."""
    with transaction.atomic():
        former = FormerParticipation.objects.filter(inventory_year=inventory_year, unit=unit).first()
        if former is not None:
            contact_name = contact_name or former.contact_name
            deadline = deadline or former.deadline
            former.delete()
        participation = Participation.objects.create(inventory_year=inventory_year, unit=unit,
                                                     contact_name=contact_name, deadline=deadline)
    audit.record(user, audit.YEAR_CHANGED, f"{unit} deltar i {inventory_year.year}"
                 + (" (tillagd igen)" if former is not None else ""), ip=ip)
    return participation


def reference_date_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The reference date lies in the year or in the first half of the next (when the inventory
    is often made); ages and discharge risk are counted at that date."""
    return dt.date(year, 1, 1), dt.date(year + 1, 6, 30)


def set_reference_date(user, inventory_year: InventoryYear, value: dt.date | None, *,
                       ip: str | None = None) -> None:
    first, last = reference_date_bounds(inventory_year.year)
    if value is not None and not first <= value <= last:
        raise ValueError(f"Referensdatumet måste ligga mellan {long_date(first)} och {long_date(last)}.")
    inventory_year.reference_date = value
    inventory_year.save(update_fields=["reference_date"])
    audit.record(user, audit.YEAR_CHANGED,
                 f"Referensdatum för {inventory_year.year}: {long_date(inventory_year.effective_reference_date)}",
                 ip=ip)
