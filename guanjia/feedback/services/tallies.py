"""The monthly card tally (公开唱票): each ended month's counts per project and target, published
exactly once, catching up months missed while the job was down. The yearly rating is a read:
``feedback.selectors.yearly_tally``."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q

from guanjia.estates.models import Project
from guanjia.feedback.choices import CardColour, CardTarget
from guanjia.feedback.models import CardTally, CardVote
from guanjia.feedback.services import common
from guanjia.feedback.services.common import households, month_of, previous_month

# How many ended months the tally job looks back: a consumer down over a month end (or two) still
# publishes those months when it comes back.
TALLY_CATCH_UP_MONTHS = 3


def publish_tallies(*, now: datetime.datetime | None = None) -> int:
    """The month-end job (公开唱票): store each ended month's tally per project and target exactly
    once (unique project, month, target). Run late or twice, it creates nothing more: a month missed
    while the job was down is published when it runs again (back to the first month with cards).
    Returns rows made."""
    now = now or common._now()
    month = previous_month(month_of(now))
    months = [month]
    first_cast = CardVote.objects.aggregate(first=Min("month"))["first"]
    while len(months) < TALLY_CATCH_UP_MONTHS and first_cast is not None and months[-1] > first_cast:
        months.append(previous_month(months[-1]))
    return sum(_publish_month(earlier, now) for earlier in reversed(months))


def _publish_month(month: datetime.date, now: datetime.datetime) -> int:
    done = set(CardTally.objects.filter(month=month).values_list("project_id", "target"))
    projects = list(Project.objects.values_list("pk", "company_id"))
    missing = [
        (pk, company)
        for pk, company in projects
        if any((pk, target) not in done for target in CardTarget.values)
    ]
    if not missing:
        return 0
    counts = {
        (row["project_id"], row["target"]): row
        for row in CardVote.objects.filter(month=month, project_id__in=[pk for pk, _c in missing])
        .values("project_id", "target")
        .annotate(
            blue=Count("id", filter=Q(colour=CardColour.BLUE)),
            yellow=Count("id", filter=Q(colour=CardColour.YELLOW)),
            red=Count("id", filter=Q(colour=CardColour.RED)),
        )
    }
    homes = households([pk for pk, _c in missing])
    made = 0
    for pk, company_id in missing:
        for target in CardTarget.values:
            if (pk, target) in done:
                continue
            row = counts.get((pk, target), {})
            try:
                with transaction.atomic():
                    _tally, created = CardTally.objects.get_or_create(
                        project_id=pk,
                        month=month,
                        target=target,
                        defaults={
                            "company_id": company_id,
                            "households": homes.get(pk, 0),
                            "blue": row.get("blue", 0),
                            "yellow": row.get("yellow", 0),
                            "red": row.get("red", 0),
                            "published_at": now,
                        },
                    )
            except IntegrityError:  # another consumer published it a moment ago
                continue
            made += int(created)
    return made
