"""What estates announces to the apps above it (registered from their ``AppConfig.ready``).

- ``on_occupancy_ended(handler)``: ``handler(occupancy)`` runs inside the transaction of every
  move-out or revocation that ends a tie now (``ended_at`` set), under the tie's row lock: the gate
  revokes the resident's access cards for the unit. A tie with a later last day is not announced;
  the apps' daily jobs read ``end_on`` for those.
"""

from __future__ import annotations

from collections.abc import Callable

_ENDED: list[Callable] = []


def on_occupancy_ended(handler: Callable) -> None:
    if handler not in _ENDED:
        _ENDED.append(handler)


def occupancy_ended(occupancy) -> None:
    for handler in _ENDED:
        handler(occupancy)
