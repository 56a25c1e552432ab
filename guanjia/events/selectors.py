"""Reads of events: the figures of each event (signed up, waiting, attended, rating, cost per attendee)
as annotations (one query for a whole list), an event's sign-ups, and what a resident's portal shows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from guanjia.core.scoping import scope_for
from guanjia.estates.models import Occupancy
from guanjia.events.choices import SignupStatus
from guanjia.events.models import Event, EventRating, EventSignup


def _sum(queryset, field="people"):
    total = queryset.order_by().values("event_id").annotate(n=Sum(field)).values("n")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _count(queryset):
    total = queryset.order_by().values("event_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def with_figures(events):
    """Each event with ``signed_households``, ``signed_people`` (confirmed, booked ahead), ``waiting``
    (households on the waiting list), ``attended`` (people checked in, walk-ins included),
    ``rating`` (average stars) and ``rating_count`` (how many households rated)."""
    mine = EventSignup.objects.filter(event_id=OuterRef("pk"))
    booked = mine.filter(status=SignupStatus.CONFIRMED, walk_in=False)
    rated = EventRating.objects.filter(event_id=OuterRef("pk")).order_by().values("event_id")
    return events.annotate(
        signed_households=_count(booked),
        signed_people=_sum(booked),
        waiting=_count(mine.filter(status=SignupStatus.WAITING)),
        attended=_sum(mine.filter(checked_in_at__isnull=False)),
        walk_ins=_sum(mine.filter(walk_in=True)),
        rating=Subquery(rated.annotate(a=Avg("stars")).values("a")),
        rating_count=_count(EventRating.objects.filter(event_id=OuterRef("pk"))),
    )


def cost_per_attendee(event) -> Decimal | None:
    if event.actual_cost is None or not getattr(event, "attended", 0):
        return None
    return (event.actual_cost / event.attended).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_display(event) -> str:
    value = getattr(event, "rating", None)
    return f"{value:.1f}" if value is not None else ""


def figures(event) -> dict:
    """One event's figures (the API's and the detail page's)."""
    row = with_figures(Event.objects.filter(pk=event.pk)).get()
    return {
        "capacity": row.capacity,
        "signed_households": row.signed_households,
        "signed_people": row.signed_people,
        "free": max(row.capacity - row.signed_people, 0),
        "waiting": row.waiting,
        "attended": row.attended,
        "walk_ins": row.walk_ins,
        "rating": round(float(row.rating), 2) if row.rating is not None else None,
        "ratings": row.rating_count,
        "budget": row.budget,
        "actual_cost": row.actual_cost,
        "cost_per_attendee": cost_per_attendee(row),
    }


def signups(event):
    """Confirmed first, then the waiting list in its order, then cancellations."""
    rank = {SignupStatus.CONFIRMED: 0, SignupStatus.WAITING: 1, SignupStatus.CANCELLED: 2}
    rows = list(event.signups.select_related("unit__building", "resident").order_by("queued_at", "id"))
    position = 0
    for row in rows:
        if row.status == SignupStatus.WAITING:
            position += 1
            row.position = position
    return sorted(rows, key=lambda r: rank[r.status])


# The resident's portal -------------------------------------------------------------------------


def resident_unit_ids(user) -> list[int]:
    scope = scope_for(user)
    return list(
        Occupancy.objects.filter(resident_id=scope.resident_id).current().values_list("unit_id", flat=True)
    )


def my_signups(user, event) -> list[EventSignup]:
    units = resident_unit_ids(user)
    return list(
        EventSignup.objects.filter(event=event, unit_id__in=units)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("unit__building")
        .order_by("id")
    )


def portal_events(user):
    units = resident_unit_ids(user)
    mine = EventSignup.objects.filter(event_id=OuterRef("pk"), unit_id__in=units).exclude(
        status=SignupStatus.CANCELLED
    )
    return (
        with_figures(Event.objects.visible_to(user))
        .annotate(my_status=Subquery(mine.values("status")[:1]))
        .order_by("-starts_at", "-id")
    )


def signup_units(user, event):
    """The resident's households that may sign up for the event (in a project it is open to)."""
    from guanjia.estates.models import Unit

    return (
        Unit.objects.filter(
            id__in=resident_unit_ids(user),
            project_id__in=event.places.values("project_id"),
            deleted_at__isnull=True,
        )
        .select_related("building")
        .order_by("id")
    )
