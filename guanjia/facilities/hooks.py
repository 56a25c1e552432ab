"""What facilities asks the apps above it (they answer from their ``AppConfig.ready``).

- ``register_maintainer_source(source)``: ``source(equipment_ids, day) -> {equipment_id: Maintainer}``
  names who maintains each item on ``day`` (contractors: the firm of the active contract covering
  it). The ledger's pages show that name; the item's own ``contractor`` text is the fall-back and
  history, and the item form stops asking for it while a contract covers the item.
- ``register_outsourced_source(source)``: ``source(staff_member) -> Outsourced | None`` says whether
  a staff record is an outside firm's person, of which firm, and which company supervisor checks
  their work: a plan or task given to them gets that supervisor as checker when none is named.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Maintainer:
    name: str  # the firm
    contract: str  # the contract's number and title
    url: str  # the contract's page
    until: datetime.date | None


@dataclass(frozen=True)
class Outsourced:
    employer: str  # the firm's name
    supervisor: object | None  # a StaffMember


_MAINTAINERS: list[Callable] = []
_OUTSOURCED: list[Callable] = []


def register_maintainer_source(source: Callable) -> None:
    if source not in _MAINTAINERS:
        _MAINTAINERS.append(source)


def register_outsourced_source(source: Callable) -> None:
    if source not in _OUTSOURCED:
        _OUTSOURCED.append(source)


def maintainers(equipment_ids: Iterable[int], day: datetime.date | None = None) -> dict[int, Maintainer]:
    """Who maintains each item on ``day`` (today), as the registered sources say; one query per source."""
    ids = list(equipment_ids)
    found: dict[int, Maintainer] = {}
    if not ids:
        return found
    day = day or timezone.localdate()
    for source in _MAINTAINERS:
        for pk, maintainer in source(ids, day).items():
            found.setdefault(pk, maintainer)
    return found


def outsourced(staff_member) -> Outsourced | None:
    if staff_member is None:
        return None
    for source in _OUTSOURCED:
        answer = source(staff_member)
        if answer is not None:
            return answer
    return None
