"""What a change to a request announces, and who listens.

``tickets`` sits below the apps that react to a request's changes — the stage deadlines (``sla``)
and auto-dispatch (``dispatch``) — so it never calls them. ``ticket_create`` and ``ticket_act``
announce each transition here instead, and those apps register their handlers from their
``AppConfig.ready()``. The handlers are few, ordered, and run synchronously inside the action's
transaction, under the request's row lock: what they write commits or rolls back with the action,
and they act on the request only through ``tickets.services``.

Two moments:

- ``on_transition``: after the request's row is saved and before its timeline event is written; a
  handler updates the rows it owns (the deadlines) and returns facts for the event's ``data``.
- ``on_received``: after a new request and its "received" event are written; a handler may act on
  it through the public services (auto-dispatch) and returns the request as it now is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    """One action on one request: ``from_status`` is "" for its creation (action ``create``)."""

    ticket: Any  # tickets.models.Ticket, saved
    action: str
    from_status: str
    now: datetime.datetime


@dataclass(frozen=True)
class Received:
    """A request just received. ``auto_dispatch`` is false when whoever received it chose to
    dispatch it by hand."""

    ticket: Any
    now: datetime.datetime
    auto_dispatch: bool = True


TransitionHandler = Callable[[Transition], dict | None]
ReceivedHandler = Callable[[Received], Any]

_on_transition: dict[str, tuple[int, TransitionHandler]] = {}
_on_received: dict[str, tuple[int, ReceivedHandler]] = {}


def on_transition(name: str, handler: TransitionHandler, *, order: int) -> None:
    """Register (or replace, by ``name``) a handler of every transition."""
    _on_transition[name] = (order, handler)


def on_received(name: str, handler: ReceivedHandler, *, order: int) -> None:
    """Register (or replace, by ``name``) a handler of every newly received request."""
    _on_received[name] = (order, handler)


def _ordered(handlers: dict) -> list:
    return [handler for _order, handler in sorted(handlers.values(), key=lambda pair: pair[0])]


def announce_transition(transition: Transition) -> dict:
    """Run every transition handler in order; their facts, merged, go into the timeline event."""
    facts: dict = {}
    for handler in _ordered(_on_transition):
        facts.update(handler(transition) or {})
    return facts


def announce_received(received: Received):
    """Run every handler of a new request in order; each sees the request as the last left it."""
    ticket = received.ticket
    for handler in _ordered(_on_received):
        ticket = handler(Received(ticket=ticket, now=received.now, auto_dispatch=received.auto_dispatch))
    return ticket
