"""What "search" and each list filter mean for residents and units — one definition that the web
console, the API and the exports all use, so the three can never disagree.

Each function returns a ``Q`` to apply to a queryset that is already ``visible_to(user)``. Filters
through occupancies use ``Exists`` rather than joins, so lists need no ``DISTINCT``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from guanjia.core.phones import normalise_phone
from guanjia.estates.models import Occupancy


def phone_or_none(text: str) -> str | None:
    """The normalised phone number if ``text`` is one (``+86 139-0000-1111`` → ``13900001111``)."""
    try:
        return normalise_phone(text)
    except ValidationError:
        return None


def _lives(**lookups) -> Exists:
    """A resident (the outer row) who currently lives in a unit matching ``lookups``."""
    return Exists(Occupancy.objects.current().filter(resident_id=OuterRef("pk"), **lookups))


def _lived_in_by(**lookups) -> Exists:
    """A unit (the outer row) currently lived in by a resident matching ``lookups``."""
    return Exists(Occupancy.objects.current().filter(unit_id=OuterRef("pk"), **lookups))


def resident_in_project(project_id) -> Q:
    """Registered at the project, or living there now."""
    return Q(project_id=project_id) | Q(_lives(project_id=project_id))


def resident_in_building(building_id) -> Q:
    return Q(_lives(unit__building_id=building_id))


def resident_in_unit(unit_id) -> Q:
    return Q(_lives(unit_id=unit_id))


def resident_search(text: str) -> Q:
    """A full phone number matches exactly; otherwise part of the name, or a unit number they live in."""
    text = (text or "").strip()
    if not text:
        return Q()
    if phone := phone_or_none(text):
        return Q(phone=phone)
    return Q(name__icontains=text) | Q(_lives(unit__number=text))


def unit_search(text: str) -> Q:
    """Part of the unit number, or the name / full phone number of someone living there now."""
    text = (text or "").strip()
    if not text:
        return Q()
    if phone := phone_or_none(text):
        return Q(_lived_in_by(resident__phone=phone, resident__deleted_at__isnull=True))
    return Q(number__icontains=text) | Q(
        _lived_in_by(resident__name__icontains=text, resident__deleted_at__isnull=True)
    )


# Households (occupied units) per project: every figure of complaints per 1,000 households needs
# them, and counting the distinct units of ~250,000 occupancies costs ~35 ms. Kept in the shared cache
# for the day, dropped whenever an occupancy changes.
HOUSEHOLDS_CACHE_SECONDS = 600


def _households_key(company_id: int) -> str:
    from django.utils import timezone

    return f"households:{company_id}:{timezone.localdate().isoformat()}"


def households_by_project(user) -> dict[int, int]:
    """Units with a current occupancy, per project the user may see."""
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count

    from guanjia.core.scoping import scope_for

    scope = scope_for(user)
    if scope.company_id is None:
        return {}
    key = _households_key(scope.company_id)
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            Occupancy.objects.filter(company_id=scope.company_id)
            .current()
            .order_by()
            .values_list("project_id")
            .annotate(n=Count("unit_id", distinct=True))
        )
        if not connection.in_atomic_block:  # never cache what another transaction may not see
            cache.set(key, counts, HOUSEHOLDS_CACHE_SECONDS)
    if scope.is_hq:
        return counts
    return {p: n for p, n in counts.items() if p in scope.project_ids}


def forget_households(company_id: int) -> None:
    """Occupancies changed (bulk writes send no signals: their callers call this)."""
    from guanjia.core.scoping import drop_shared

    drop_shared([_households_key(company_id)])


def connect_household_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    def changed(sender, instance, **kwargs):
        forget_households(instance.company_id)

    post_save.connect(changed, sender=Occupancy, weak=False, dispatch_uid="households-save")
    post_delete.connect(changed, sender=Occupancy, weak=False, dispatch_uid="households-delete")
