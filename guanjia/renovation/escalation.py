"""Missed deadlines climb a ladder like every other deadline in Guanjia (see households' claims):
an approval step not decided by ``step_due_at`` and a violation not rectified by ``rectify_by``.
Step 1 at the deadline tells those who should act (and the PM); step 2 a day later goes up (the PM,
or the company's administrators for the PM's own step). Each step exactly once: the unique
(renovation, stage, step) row is inserted before anyone is told."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from guanjia.core.ladder import climb
from guanjia.renovation import notices
from guanjia.renovation.choices import WAITING, RenovationStatus, RenovationViolationStatus, Step
from guanjia.renovation.models import Renovation, RenovationEscalation, Violation
from guanjia.renovation.services import common

LADDER = [(Step.OWNER, datetime.timedelta(0)), (Step.MANAGER, datetime.timedelta(days=1))]


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Take each due step of late approvals and rectifications; how many steps were taken."""
    now = now or timezone.now()
    late = (
        Renovation.objects.filter(status__in=WAITING, step_due_at__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("unit__building")
        .order_by("step_due_at", "id")
    )
    taken = climb(
        late.iterator(chunk_size=200), LADDER, due_at=lambda r: r.step_due_at, now=now, take=_approval_step
    )
    violations = (
        Violation.objects.filter(status=RenovationViolationStatus.OPEN, rectify_by__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("renovation__unit__building")
        .order_by("rectify_by", "id")
    )
    return taken + climb(
        violations.iterator(chunk_size=200),
        LADDER,
        due_at=lambda v: v.rectify_by,
        now=now,
        take=_violation_step,
    )


def _approval_recipients(renovation: Renovation, step: int) -> list:
    project = renovation.project_id
    if renovation.status == RenovationStatus.ENGINEERING:
        if step == Step.OWNER:
            return common.engineers(project) + common.managers(project)
        return common.managers(project) or common.admins(renovation.company_id)
    if step == Step.OWNER:
        return common.managers(project)
    return common.admins(renovation.company_id)


def _record(renovation, stage, step, now, recipients, violation=None) -> None:
    RenovationEscalation.objects.create(
        company_id=renovation.company_id,
        project_id=renovation.project_id,
        renovation=renovation,
        violation=violation,
        stage=stage,
        step=step,
        happened_at=now,
        notified=sorted({u.pk for u in recipients}),
    )


def _approval_step(renovation: Renovation, step: int, now) -> bool:
    recipients = list({u.pk: u for u in _approval_recipients(renovation, step)}.values())
    try:
        with transaction.atomic():
            _record(renovation, renovation.status, step, now, recipients)
            Renovation.objects.filter(
                pk=renovation.pk, status=renovation.status, escalation_step__lt=step
            ).update(escalation_step=step)
            common.event(
                renovation, "overdue", note=f"{renovation.get_status_display()} · {Step(step).label}", at=now
            )
            notices.overdue(renovation, recipients, Step(step).label, step)
    except IntegrityError:
        return False
    renovation.escalation_step = step
    return True


def _violation_step(violation: Violation, step: int, now) -> bool:
    renovation = violation.renovation
    project = renovation.project_id
    if step == Step.OWNER:
        recipients = common.engineers(project) + ([violation.found_by] if violation.found_by_id else [])
    else:
        recipients = common.managers(project) or common.admins(renovation.company_id)
    recipients = list({u.pk: u for u in recipients}.values())
    try:
        with transaction.atomic():
            _record(renovation, f"violation-{violation.pk}", step, now, recipients, violation)
            Violation.objects.filter(pk=violation.pk, escalation_step__lt=step).update(escalation_step=step)
            common.event(
                renovation,
                "violation_overdue",
                note=f"{violation.get_kind_display()} · {Step(step).label}",
                at=now,
            )
            notices.violation_overdue(violation, recipients, step)
    except IntegrityError:
        return False
    violation.escalation_step = step
    return True
