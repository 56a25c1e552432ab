"""Undecided claims past their deadline climb the ladder like every other deadline: the assigned
butlers at the deadline, the project manager a day later; each step exactly once."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from guanjia.core.ladder import climb
from guanjia.core.roles import Role
from guanjia.households import notices
from guanjia.households.choices import ClaimStatus, ClaimStep
from guanjia.households.models import ClaimEscalation, UnitClaim
from guanjia.staff.models import StaffMember

LADDER = [
    (ClaimStep.BUTLER, datetime.timedelta(0)),
    (ClaimStep.MANAGER, datetime.timedelta(days=1)),
]


def escalate_claims(*, now: datetime.datetime | None = None) -> int:
    """Take each due step for every pending claim past ``due_at``; how many steps were taken.
    Safe to run late, twice or on two workers at once: the unique (claim, step) row is inserted
    before anyone is told, and a step already stored is skipped."""
    now = now or timezone.now()
    overdue = (
        UnitClaim.objects.filter(status=ClaimStatus.PENDING, due_at__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("unit__building")
        .order_by("due_at", "id")
    )
    return climb(
        overdue.iterator(chunk_size=500), LADDER, due_at=lambda claim: claim.due_at, now=now, take=_take_step
    )


def _recipients(claim: UnitClaim, step: int) -> list:
    if step == ClaimStep.BUTLER:
        members = claim.assignees.filter(deleted_at__isnull=True)
    else:
        members = StaffMember.objects.filter(projects=claim.project_id, deleted_at__isnull=True).with_role(
            Role.PROJECT_MANAGER
        )
    return [m.user for m in members.select_related("user").distinct() if m.user_id]


def _take_step(claim: UnitClaim, step: int, now: datetime.datetime) -> bool:
    recipients = _recipients(claim, step)
    try:
        with transaction.atomic():
            ClaimEscalation.objects.create(
                company_id=claim.company_id,
                project_id=claim.project_id,
                claim=claim,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            UnitClaim.objects.filter(pk=claim.pk, escalation_step__lt=step).update(escalation_step=step)
            notices.claim_overdue(claim, recipients, ClaimStep(step))
    except IntegrityError:
        return False
    claim.escalation_step = step
    return True
