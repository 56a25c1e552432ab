"""Reads of service requests shared by the console, the API and (later) boards and figures."""

from __future__ import annotations

import datetime

from django.db.models import Q

from guanjia.core.scoping import scope_for
from guanjia.estates.selectors import phone_or_none
from guanjia.tickets.models import Ticket, TicketCategory


def tickets_for(user):
    """The requests a user may see, with what every list shows, in one query (``is_overdue``: an
    unfinished deadline is already past — read from the stored deadlines, right without any job).

    ``is_overdue`` is a correlated EXISTS, probed per row through the deadline's ticket index: a page
    of 25 costs 25 index lookups whatever the backlog, where ``id IN (late deadlines)`` would hash every
    late deadline of the company for each page. (Filtering on "overdue" uses ``overdue_q``, which
    starts from the late deadlines instead.)"""
    from django.utils import timezone

    from guanjia.sla.services import overdue_exists

    return (
        Ticket.objects.visible_to(user)
        .select_related("project", "unit__building", "building", "category", "first_contact", "assignee")
        .annotate(is_overdue=overdue_exists(timezone.now()))
    )


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
    """A request number, the caller's full phone, or words of the description or location."""
    text = (text or "").strip()
    if not text:
        return Q()
    if phone := phone_or_none(text):
        return Q(contact_phone=phone) | Q(reporter_resident__phone=phone)
    return Q(number__iexact=text) | Q(description__icontains=text) | Q(location__icontains=text)


def created_range_q(start: datetime.date | None, end: datetime.date | None) -> Q:
    """Received on or after ``start`` and on or before ``end`` (dates in Asia/Shanghai)."""
    from django.utils import timezone

    q = Q()
    if start:
        q &= Q(received_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)))
    if end:
        q &= Q(
            received_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
            + datetime.timedelta(days=1)
        )
    return q
