"""Request numbers: ``<project code>-<YYYYMM>-<n>``, from a counter per project and month."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from guanjia.estates.models import Project
from guanjia.tickets.models import TicketCounter


def next_number(project: Project, when: datetime.datetime) -> str:
    """JY-202611-00042: project code, month (Asia/Shanghai), running number of the month.

    The counter row is incremented with an UPDATE (which takes its row lock), so concurrent
    receivers get distinct numbers; the unique constraint on the number is the last guard.
    """
    period = timezone.localtime(when).strftime("%Y%m")
    value = None
    for _attempt in range(3):
        value = increment_counter(project.pk, period)
        if value is not None:
            break
        try:
            with transaction.atomic():
                TicketCounter.objects.create(project=project, period=period, last=1)
            value = 1
            break
        except IntegrityError:
            continue  # someone created the month's counter at the same moment: increment theirs
    if value is None:
        value = TicketCounter.objects.get(project=project, period=period).last
    return f"{project.code}-{period}-{value:05d}"


def increment_counter(project_id: int, period: str) -> int | None:
    """The month's counter plus one, in one round trip (``UPDATE … RETURNING``) where the database
    can; None when the month has no counter row yet."""
    counter = TicketCounter.objects.filter(project_id=project_id, period=period)
    if not connection.features.can_return_columns_from_insert:  # pragma: no cover - old SQLite
        if not counter.update(last=F("last") + 1):
            return None
        return counter.values_list("last", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE "tickets_ticketcounter" SET "last" = "last" + 1'
            ' WHERE "project_id" = %s AND "period" = %s RETURNING "last"',
            [project_id, period],
        )
        row = cursor.fetchone()
    return row[0] if row else None
