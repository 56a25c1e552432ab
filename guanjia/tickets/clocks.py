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
from django.utils.translation import pgettext_lazy


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


# The promise made to the resident ----------------------------------------------------------------

# The stages a resident is promised, in the words they are promised in; the follow-up call is the
# company's own check and is never shown as a promise.
PROMISED_STAGES = {
    "on_site": pgettext_lazy("promise", "上门"),
    "response": pgettext_lazy("promise", "响应"),
    "complete": pgettext_lazy("promise", "完工"),
    "feedback": pgettext_lazy("promise", "答复"),
}


@dataclass(frozen=True)
class Promise:
    stage: str
    label: str
    due_at: Any  # aware datetime
    allowed_minutes: int
    overdue: bool


def promise_from(deadlines: list) -> Promise | None:
    """What the request promises next: of its latest round, the running deadline the resident
    waits on first (on site before response before completion), from the stored deadlines
    (``deadlines_for``). None when nothing is promised any more."""
    if not deadlines:
        return None
    latest = max(d.round for d in deadlines)
    running = [
        d
        for d in deadlines
        if d.round == latest
        and d.done_at is None
        and getattr(d, "paused_at", None) is None  # on hold: no promise runs
        and d.stage in PROMISED_STAGES
    ]
    if not running:
        return None
    order = list(PROMISED_STAGES)
    first = min(running, key=lambda d: order.index(d.stage))
    return Promise(
        stage=first.stage,
        label=str(PROMISED_STAGES[first.stage]),
        due_at=first.due_at,
        allowed_minutes=first.allowed_minutes,
        overdue=bool(getattr(first, "overdue", False)),
    )


def promise_for(ticket, now=None) -> Promise | None:
    return promise_from(deadlines_for(ticket, now))
