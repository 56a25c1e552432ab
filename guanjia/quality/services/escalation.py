"""Escalation of overdue corrective actions: owner at the deadline, the project manager a day later,
HQ quality three days later, each step exactly once."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.quality.choices import CaStatus, EscalationStep
from guanjia.quality.models import CorrectiveAction, CorrectiveEscalation
from guanjia.quality.services.people import hq_quality_users, project_managers

# Overdue corrective actions: who is told, how long after the deadline.
ESCALATION_LADDER = [
    (EscalationStep.OWNER, datetime.timedelta(0)),
    (EscalationStep.MANAGER, datetime.timedelta(days=1)),
    (EscalationStep.HQ_QUALITY, datetime.timedelta(days=3)),
]


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Take each due step of the ladder (owner at the deadline, the project manager a day later,
    HQ quality three days later) for every corrective action still not submitted. Each step is taken
    exactly once: the unique (action, step) row is inserted before anyone is told."""
    now = now or timezone.now()
    taken = 0
    overdue = (
        CorrectiveAction.objects.filter(status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], deadline__lt=now)
        .exclude(escalation_step__gte=len(ESCALATION_LADDER))
        .select_related("owner__user", "nonconformance__item")
        .order_by("deadline", "id")
    )
    for action in overdue.iterator(chunk_size=500):
        for step, delay in ESCALATION_LADDER:
            if step <= action.escalation_step:
                continue
            if action.deadline + delay > now:
                break
            if _take_step(action, step, now):
                taken += 1
    return taken


def _take_step(action: CorrectiveAction, step: int, now: datetime.datetime) -> bool:
    if step == EscalationStep.OWNER:
        recipients = [action.owner.user]
    elif step == EscalationStep.MANAGER:
        recipients = project_managers(action.project_id)
    else:
        recipients = hq_quality_users(action.company_id)
    try:
        with transaction.atomic():
            CorrectiveEscalation.objects.create(
                company_id=action.company_id,
                project_id=action.project_id,
                action=action,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            CorrectiveAction.objects.filter(pk=action.pk, escalation_step__lt=step).update(
                escalation_step=step
            )
            nc = action.nonconformance
            notify(
                recipients=recipients,
                subject=Message(
                    gettext_lazy("整改超期（%(step)s）：%(number)s"),
                    step=EscalationStep(step).label,
                    number=nc.number,
                ),
                body=Message(
                    gettext_lazy("整改期限 %(deadline)s 已过，尚未提交整改结果。"),
                    deadline=timezone.localtime(action.deadline).strftime("%Y-%m-%d %H:%M"),
                ),
                url=reverse("quality:nc_detail", args=[nc.pk]),
                related=action,
                dedup_key=f"quality-ca-{action.pk}-escalation-{step}",
                kind="quality.ca_overdue",
                urgent=step > EscalationStep.OWNER,
            )
    except IntegrityError:
        return False
    action.escalation_step = step
    return True
