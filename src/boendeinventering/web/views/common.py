"""Small helpers shared by the views."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from boendeinventering.organisation.models import InventoryYear, Role
from boendeinventering.web.access import role_of

PAGE_SIZE = 50


def page_of(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("sida"))


def visible_year(request, year: int) -> InventoryYear:
    """The year, if this user may see its protected report: readers only once published."""
    inventory_year = get_object_or_404(InventoryYear, year=year)
    if role_of(request.user) == Role.READER and inventory_year.published_at is None:
        raise Http404(_("Rapporten är inte publicerad."))
    return inventory_year
