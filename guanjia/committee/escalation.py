"""Late resolutions and unanswered suggestions climb the ladder like every deadline in Guanjia
(``core.ladder.climb``, as households' claims and renovation do): step 1 at the deadline tells the
owner (a resolution's staff owner, or the project's managers for a committee member's; the
suggestion box's answerers), step 2 a day later the project managers. Each step once: the unique
(record, step) row is inserted before anyone is told."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from guanjia.committee import notices
from guanjia.committee.choices import ResolutionStatus, Step, SuggestionStatus
from guanjia.committee.models import Resolution, ResolutionEscalation, Suggestion, SuggestionEscalation
from guanjia.committee.services.common import answerers, managers
from guanjia.core.ladder import climb

LADDER = [(Step.OWNER, datetime.timedelta(0)), (Step.MANAGER, datetime.timedelta(days=1))]


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Take each due step of late resolutions and suggestions; how many steps were taken."""
    now = now or timezone.now()
    resolutions = (
        Resolution.objects.filter(status=ResolutionStatus.OPEN, due_at__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("owner_staff__user")
        .order_by("due_at", "id")
    )
    taken = climb(
        resolutions.iterator(chunk_size=200),
        LADDER,
        due_at=lambda r: r.due_at,
        now=now,
        take=_resolution_step,
    )
    suggestions = (
        Suggestion.objects.filter(status=SuggestionStatus.OPEN, due_at__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .order_by("due_at", "id")
    )
    return taken + climb(
        suggestions.iterator(chunk_size=200),
        LADDER,
        due_at=lambda s: s.due_at,
        now=now,
        take=_suggestion_step,
    )


def _resolution_recipients(resolution: Resolution, step: int) -> list:
    if step == Step.OWNER and resolution.owner_staff_id and resolution.owner_staff.user_id:
        return [resolution.owner_staff.user]
    return managers(resolution.project_id)


def _resolution_step(resolution: Resolution, step: int, now: datetime.datetime) -> bool:
    recipients = _resolution_recipients(resolution, step)
    try:
        with transaction.atomic():
            ResolutionEscalation.objects.create(
                company_id=resolution.company_id,
                project_id=resolution.project_id,
                resolution=resolution,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            Resolution.objects.filter(pk=resolution.pk, escalation_step__lt=step).update(escalation_step=step)
            notices.resolution_overdue(resolution, recipients, Step(step))
    except IntegrityError:
        return False
    resolution.escalation_step = step
    return True


def _suggestion_step(suggestion: Suggestion, step: int, now: datetime.datetime) -> bool:
    recipients = answerers(suggestion.project_id) if step == Step.OWNER else managers(suggestion.project_id)
    try:
        with transaction.atomic():
            SuggestionEscalation.objects.create(
                company_id=suggestion.company_id,
                project_id=suggestion.project_id,
                suggestion=suggestion,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            Suggestion.objects.filter(pk=suggestion.pk, escalation_step__lt=step).update(escalation_step=step)
            notices.suggestion_overdue(suggestion, recipients, Step(step))
    except IntegrityError:
        return False
    suggestion.escalation_step = step
    return True
