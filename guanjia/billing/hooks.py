"""Questions and announcements billing shares with apps above it (they register from ``ready()``).

- ``on_refund_approved(handler)``: ``handler(correction)`` runs inside ``correction_decide``'s
  transaction, right after an approved refund wrote its ledger entries. The payments app uses it to
  send the refund of an online payment back through its gateway (once, after the commit).
- ``on_held_online(handler)``: ``handler(unit_id)`` answers the unit's bills held by an open online
  order, as ``[(bill_id, order number), …]``; the cashier's statement warns before cash is taken
  for them (the online payment would then only become credit).
"""

from __future__ import annotations

from collections.abc import Callable

_refund_handlers: list[Callable] = []


def on_refund_approved(handler: Callable) -> None:
    if handler not in _refund_handlers:
        _refund_handlers.append(handler)


def announce_refund_approved(correction) -> None:
    for handler in _refund_handlers:
        handler(correction)


_held_handlers: list[Callable] = []


def on_held_online(handler: Callable) -> None:
    if handler not in _held_handlers:
        _held_handlers.append(handler)


def bills_held_online(unit_id: int) -> list[tuple[int, str]]:
    return [held for handler in _held_handlers for held in handler(unit_id)]
