"""The request's clocks as the request's own lists and pages read them.

A request's stage deadlines are kept by the deadlines app (``sla``), which sits above ``tickets``.
The request lists still need to ask "is it late?" (the overdue filter, the red mark on every row)
and the request page shows the deadlines; so ``tickets`` names the questions here and ``sla``
answers them, registering its implementation from ``SlaConfig.ready()``. Without it the project is
misconfigured, and that is said loudly rather than every request silently reading as on time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q


@dataclass(frozen=True)
class ClockQueries:
    overdue_q: Callable[..., Q]  # (now) -> Q over Ticket: an open request with a late deadline
    overdue_exists: Callable[..., Any]  # (now) -> an Exists-like expression per Ticket row
    due_within_q: Callable[..., Q]  # (now, minutes) -> Q over Ticket: a deadline due soon
    deadlines_for: Callable[..., list]  # (ticket, now=None) -> the request's deadlines for display
    next_due: Callable[..., Any]  # () -> per Ticket row: the earliest unfinished deadline's moment


_provided: ClockQueries | None = None


def provide(queries: ClockQueries) -> None:
    global _provided
    _provided = queries


def _queries() -> ClockQueries:
    if _provided is None:
        raise ImproperlyConfigured("No app provides the request clocks (guanjia.sla must be installed).")
    return _provided


def overdue_q(now=None) -> Q:
    return _queries().overdue_q(now)


def overdue_exists(now=None):
    return _queries().overdue_exists(now)


def due_within_q(now=None, minutes: int = 60) -> Q:
    return _queries().due_within_q(now, minutes)


def deadlines_for(ticket, now=None) -> list:
    return _queries().deadlines_for(ticket, now)


def next_due():
    """Per request: when its earliest unfinished deadline falls due (past = late), or NULL."""
    return _queries().next_due()
