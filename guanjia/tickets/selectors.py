"""Reads of service requests shared by the console, the API and (later) boards and figures."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from guanjia.core.scoping import scope_for
from guanjia.core.subqueries import has_row, related_value
from guanjia.estates.models import Building, Resident, Unit
from guanjia.estates.selectors import caller_lookup, units_matching
from guanjia.staff.models import StaffMember
from guanjia.tickets import clocks
from guanjia.tickets.models import Ticket, TicketCategory, TicketCharge, TicketMaterial, TicketPhoto


def tickets_for(user):
    """The requests a user may see, with what every list shows, in one query (``is_overdue``: an
    unfinished deadline is already past — read from the stored deadlines, right without any job).

    ``is_overdue`` is probed per row through the deadline's ticket index (``overdue_exists``): a page
    of 25 costs 25 index lookups whatever the backlog. The API reads ``ticket_rows`` instead (plain
    rows, no joins); this is for the console's pages, which show more of each request."""
    # The related rows come as separate small queries (``prefetch_related``), not as joins: with the
    # values bound on the client, PostgreSQL would plan an 8-table join on every page (~15 ms, against
    # under 1 ms to run it); six primary-key look-ups cost ~2 ms together.
    return (
        Ticket.objects.visible_to(user)
        .prefetch_related("project", "unit__building", "building", "category", "first_contact", "assignee")
        .annotate(is_overdue=clocks.overdue_exists(timezone.now()))
    )


# The flat columns of a request row; ``shape_rows`` turns them into the API's ``TicketOut``.
ROW_COLUMNS = (
    "id",
    "number",
    "project_id",
    "kind",
    "category_id",
    "channel",
    "priority",
    "status",
    "unit_id",
    "building_id",
    "location",
    "description",
    "contact_name",
    "first_contact_id",
    "assignee_id",
    "received_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "completed_at",
    "first_feedback_at",
    "followed_up_at",
    "closed_at",
    "escalation_level",
    "rework_count",
)
DETAIL_COLUMNS = (
    *ROW_COLUMNS,
    "reporter_resident_id",
    "contact_phone",
    "resolution",
    "first_feedback",
    "root_cause",
    "hold_reason",
    "cancel_reason",
    "follow_up_satisfied",
    "follow_up_score",
    "rating",
    "rating_comment",
    "charges_confirmed_at",
    "subject_staff_id",
)


def _row_annotations(now) -> dict:
    return {
        "overdue": clocks.overdue_exists(now),
        "category_name": related_value(Ticket, "category_id", TicketCategory),
        # As Unit.__str__ writes it: "<building>-<number>".
        "unit_label": related_value(
            Ticket,
            "unit_id",
            Unit,
            "b.name || '-' || estates_unit.number",
            via="JOIN estates_building b ON b.id = estates_unit.building_id",
        ),
        "building_name": related_value(Ticket, "building_id", Building),
        "first_contact_name": related_value(Ticket, "first_contact_id", StaffMember),
        "assignee_name": related_value(Ticket, "assignee_id", StaffMember),
    }


def has_lines_annotations() -> dict:
    """Whether the request has photos, charges, materials (one index probe each), so that its page
    skips reading the kinds it has none of — most requests have no charges or materials."""

    return {
        "has_photos": has_row(Ticket, TicketPhoto, "ticket_id"),
        "has_charges": has_row(Ticket, TicketCharge, "ticket_id"),
        "has_materials": has_row(Ticket, TicketMaterial, "ticket_id"),
    }


def ticket_rows(queryset, *, columns=ROW_COLUMNS, now=None):
    """Requests of ``queryset`` as flat dicts (``.values()``): no model instances, no joins.

    Lists and details are read on every screen, by every desk and phone; building model instances
    and walking them field by field cost several times the query itself. ``shape_rows`` nests the
    dicts into the API's shape."""
    return queryset.annotate(**_row_annotations(now or timezone.now())).values(*columns, *_ROW_EXTRAS)


_ROW_EXTRAS = (
    "overdue",
    "category_name",
    "unit_label",
    "building_name",
    "first_contact_name",
    "assignee_name",
)


def shape_rows(rows: list[dict]) -> list[dict]:
    """Flat ``ticket_rows`` dicts → the API's ``TicketOut`` shape (place, people as {id, name})."""
    for row in rows:
        if row["unit_id"]:
            row["place"] = row["unit_label"] or ""
        else:
            row["place"] = " ".join(p for p in (row["building_name"], row["location"]) if p)
        row["first_contact"] = {"id": row["first_contact_id"], "name": row["first_contact_name"]}
        assignee = row["assignee_id"]
        row["assignee"] = {"id": assignee, "name": row["assignee_name"]} if assignee else None
        row["building_id"] = row["building_id"]
    return rows


def person_id(user, value: str | int | None) -> int | None:
    """``me`` → the user's staff id; an id stays an id."""
    if value in (None, ""):
        return None
    if value == "me":
        return scope_for(user).staff_id or -1
    return int(value)


def category_q(category_id: int) -> Q:
    """A category and everything under it."""
    children = TicketCategory.objects.filter(parent_id=category_id).values("id")
    return Q(category_id=category_id) | Q(category_id__in=children)


def search_q(text: str) -> Q:
    """A request number; the caller as they identify themselves (``estates.selectors.caller_lookup``:
    full phone or its last four digits, a room such as "1栋-103" or "103"); otherwise words of the
    description or location."""
    lookup = caller_lookup(text)
    if not lookup.text:
        return Q()
    if lookup.phone:
        return Q(contact_phone=lookup.phone) | Q(reporter_resident__phone=lookup.phone)
    q = Q(number__iexact=lookup.text)
    if lookup.phone_tail:
        tail = lookup.phone_tail
        # Registered callers through the residents' tail index; a caller who left another number
        # by the number written on the request.
        callers = Resident.objects.filter(phone_tail=tail).values("pk")
        q |= Q(reporter_resident__in=callers) | Q(contact_phone__endswith=tail)
    if lookup.room:
        q |= Q(unit__in=units_matching(lookup.text))
    if not (lookup.phone_tail or lookup.room):
        q |= Q(description__icontains=lookup.text) | Q(location__icontains=lookup.text)
    return q


def created_range_q(start: datetime.date | None, end: datetime.date | None) -> Q:
    """Received on or after ``start`` and on or before ``end`` (dates in Asia/Shanghai)."""
    q = Q()
    if start:
        q &= Q(received_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)))
    if end:
        q &= Q(
            received_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
            + datetime.timedelta(days=1)
        )
    return q


def people_by_project(user, project_ids) -> dict[int, list[StaffMember]]:
    """Who the user may send, per project (the dispatch queue's rows, the bulk bar): one query."""
    links = (
        StaffMember.projects.through.objects.filter(
            project_id__in=project_ids,
            staffmember__in=StaffMember.objects.visible_to(user),
        )
        .select_related("staffmember")
        .order_by("staffmember__department", "staffmember__name", "staffmember_id")
    )
    people: dict[int, list[StaffMember]] = defaultdict(list)
    for link in links:
        people[link.project_id].append(link.staffmember)
    return people
