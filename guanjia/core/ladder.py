"""Escalation ladders: the steps a late record climbs, each at its delay after the record's deadline.

Shared by the apps whose records wait on a person (households' claims, renovation approvals and
rectifications): which steps are due is decided here, once; what a step does (insert its unique
row, tell people) stays with the app.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence


def climb(
    records: Iterable,
    ladder: Sequence[tuple[int, datetime.timedelta]],
    *,
    due_at: Callable[[object], datetime.datetime],
    now: datetime.datetime,
    take: Callable[[object, int, datetime.datetime], bool],
) -> int:
    """Take every step of ``ladder`` that is due for each record (past the record's
    ``escalation_step``, its delay after ``due_at(record)`` passed), in order; how many were taken.
    ``take`` returns False for a step another worker took first."""
    taken = 0
    for record in records:
        for step, delay in ladder:
            if step <= record.escalation_step:
                continue
            if due_at(record) + delay > now:
                break
            if take(record, step, now):
                taken += 1
    return taken
