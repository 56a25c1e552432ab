"""Minimum cover: a post's shift with fewer people planned than it needs is a gap. Gaps are shown on
the rota page and flagged BEFORE the shift starts by a periodic job that climbs a ladder
(``core.ladder.climb``): the post's department head 48 hours ahead (or as soon as the gap appears
later than that), the project manager 3 hours before the start if it is still uncovered. Each step
is a unique ``CoverAlert`` row inserted before anyone is told: a job run twice tells once."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.ladder import climb
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.rotas import kinds
from guanjia.rotas.choices import CoverStep, ShiftStatus
from guanjia.rotas.models import CoverAlert, Post, Shift, ShiftPattern
from guanjia.rotas.services.common import leads_of, managers_of

LOOKAHEAD = datetime.timedelta(hours=48)
LADDER = [
    (CoverStep.HEAD, -LOOKAHEAD),
    (CoverStep.MANAGER, -datetime.timedelta(hours=3)),
]


@dataclass
class Gap:
    post: Post
    pattern: ShiftPattern
    date: datetime.date
    starts_at: datetime.datetime
    have: int
    need: int
    escalation_step: int = 0


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def gaps(posts, first: datetime.date, last: datetime.date) -> list[Gap]:
    """Every (post, shift, day) from ``first`` to ``last`` with fewer people than the post needs."""
    posts = list(posts.filter(is_active=True).prefetch_related("patterns"))
    if not posts:
        return []
    have = Counter(
        {
            (r["post_id"], r["pattern_id"], r["date"]): r["n"]
            for r in Shift.objects.filter(post__in=posts, date__gte=first, date__lte=last)
            .exclude(status=ShiftStatus.ABSENT)
            .values("post_id", "pattern_id", "date")
            .annotate(n=Count("id"))
        }
    )
    steps = {
        (r["post_id"], r["pattern_id"], r["date"]): r["step"]
        for r in CoverAlert.objects.filter(post__in=posts, date__gte=first, date__lte=last)
        .values("post_id", "pattern_id", "date")
        .annotate(step=Max("step"))
    }
    found = []
    for post in posts:
        for pattern in post.patterns.all():
            if not pattern.is_active:
                continue
            for day in _days(first, last):
                key = (post.pk, pattern.pk, day)
                if have[key] < post.min_cover:
                    found.append(
                        Gap(
                            post,
                            pattern,
                            day,
                            pattern.span(day)[0],
                            have[key],
                            post.min_cover,
                            steps.get(key, 0),
                        )
                    )
    found.sort(key=lambda g: (g.starts_at, g.post.name))
    return found


def flag_cover_gaps(*, now: datetime.datetime | None = None) -> int:
    """The job: shifts starting within the look-ahead that lack cover climb the ladder; steps taken."""
    now = now or timezone.now()
    first = timezone.localdate(now) - datetime.timedelta(days=1)
    last = timezone.localdate(now + LOOKAHEAD)
    upcoming = [
        g
        for g in gaps(Post.objects.select_related("project"), first, last)
        if now < g.starts_at <= now + LOOKAHEAD and g.escalation_step < len(LADDER)
    ]
    return climb(upcoming, LADDER, due_at=lambda g: g.starts_at, now=now, take=_take_step)


def _take_step(gap: Gap, step: int, now: datetime.datetime) -> bool:
    post = gap.post
    recipients = leads_of(post) if step == CoverStep.HEAD else managers_of(post.project_id)
    label = f"{timezone.localtime(gap.starts_at):%m-%d %H:%M} {gap.pattern.name}"
    try:
        with transaction.atomic():
            CoverAlert.objects.create(
                company_id=post.company_id,
                project_id=post.project_id,
                post=post,
                pattern=gap.pattern,
                date=gap.date,
                step=step,
                happened_at=now,
                have=gap.have,
                need=gap.need,
                notified=[u.pk for u in recipients],
            )
            notify(
                recipients=recipients,
                subject=Message(_("岗位缺员：%(post)s %(shift)s"), post=post.name, shift=label),
                body=Message(
                    _(
                        "%(project)s「%(post)s」%(shift)s 只排了 %(have)s 人，至少需要 %(need)s 人，请在开班前补排。"
                    ),
                    project=post.project.name,
                    post=post.name,
                    shift=label,
                    have=gap.have,
                    need=gap.need,
                ),
                url=reverse("rotas:grid") + f"?project={post.project_id}&start={gap.date.isoformat()}",
                related=post,
                dedup_key=f"rotas-gap-{post.pk}-{gap.pattern.pk}-{gap.date}-{step}",
                urgent=step == CoverStep.MANAGER,
                kind=kinds.COVER_GAP,
            )
    except IntegrityError:
        return False
    gap.escalation_step = step
    return True
