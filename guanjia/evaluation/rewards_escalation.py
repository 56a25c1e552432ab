"""A proposal nobody decided climbs the ladder (``core.ladder.climb``), counted from when it was
proposed: the project's managers are reminded after 3 days, the company's administrators told after
7; each step exactly once (the unique (record, step) row is inserted before anyone is told)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.ladder import climb
from guanjia.evaluation import kinds
from guanjia.evaluation.choices import RewardStatus, RewardStep
from guanjia.evaluation.models import RewardEscalation, RewardPenalty
from guanjia.evaluation.rewards import deciders
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

LADDER = [
    (RewardStep.MANAGER, datetime.timedelta(days=3)),
    (RewardStep.HEADQUARTERS, datetime.timedelta(days=7)),
]


def waiting(queryset=None):
    """Proposals still waiting for a decision."""
    qs = queryset if queryset is not None else RewardPenalty.objects.all()
    return qs.filter(status=RewardStatus.PROPOSED)


def escalate_rewards(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    due = (
        waiting()
        .filter(proposed_at__lte=now - LADDER[0][1])
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("staff")
        .order_by("proposed_at", "id")
    )
    return climb(list(due[:500]), LADDER, due_at=lambda r: r.proposed_at, now=now, take=_take_step)


def _take_step(record: RewardPenalty, step: int, now: datetime.datetime) -> bool:
    recipients = deciders(record, headquarters=step == RewardStep.HEADQUARTERS)
    try:
        with transaction.atomic():
            RewardEscalation.objects.create(
                company_id=record.company_id,
                project_id=record.project_id,
                record=record,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            RewardPenalty.objects.filter(pk=record.pk, escalation_step__lt=step).update(escalation_step=step)
            notify(
                recipients=recipients,
                subject=Message(_("奖惩待审批已超期：%(name)s"), name=record.staff.name),
                body=Message(
                    _("对 %(name)s 的%(kind)s已提出 %(days)s 天仍未审批（%(step)s）。"),
                    name=record.staff.name,
                    kind=record.get_kind_display(),
                    days=(now - record.proposed_at).days,
                    step=RewardStep(step).label,
                ),
                url=reverse("evaluation:reward_detail", args=[record.pk]),
                related=record,
                dedup_key=f"reward-{record.pk}-overdue-{step}",
                kind=kinds.REWARD_OVERDUE,
            )
    except IntegrityError:
        return False
    record.escalation_step = step
    return True
