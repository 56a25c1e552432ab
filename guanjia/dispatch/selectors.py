"""Reads for the desk's dispatch work."""

from __future__ import annotations

from guanjia.tickets.choices import Status
from guanjia.tickets.selectors import tickets_for


def dispatch_queue(user):
    """The dispatch queue: received requests nobody has been sent to yet that the user may see,
    oldest first (what waits longest is dispatched first)."""
    return (
        tickets_for(user).filter(status=Status.RECEIVED, assignee__isnull=True).order_by("received_at", "id")
    )
