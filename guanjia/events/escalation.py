"""The closed loop: an event whose end passed and that nobody marked held and summed up climbs the
ladder (``core.ladder.climb``): its organiser a day after its end, the project manager three days
after; each step exactly once (the unique (event, step) row is inserted before anyone is told)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.ladder import climb
from guanjia.core.roles import Role
from guanjia.events import kinds
from guanjia.events.choices import LATE_STATES, EventStep
from guanjia.events.models import Event, EventEscalation
from guanjia.events.services.common import when
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember

LADDER = [
    (EventStep.ORGANISER, datetime.timedelta(days=1)),
    (EventStep.MANAGER, datetime.timedelta(days=3)),
]


def late_events(queryset=None, *, now: datetime.datetime | None = None):
    """Events past their end still waiting on the organiser (not held, or held but not summed up)."""
    now = now or timezone.now()
    return (queryset if queryset is not None else Event.objects.all()).filter(
        status__in=LATE_STATES, ends_at__lte=now
    )


def escalate_events(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    due = (
        late_events(now=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("organiser__user")
        .order_by("ends_at", "id")
    )
    return climb(list(due[:500]), LADDER, due_at=lambda e: e.ends_at, now=now, take=_take_step)


def _recipients(event: Event, step: int) -> list:
    if step == EventStep.ORGANISER:
        members = StaffMember.objects.filter(pk=event.organiser_id, deleted_at__isnull=True)
    else:
        members = StaffMember.objects.filter(projects=event.project_id, deleted_at__isnull=True).with_role(
            Role.PROJECT_MANAGER
        )
    return [m.user for m in members.select_related("user").distinct() if m.user_id]


def _take_step(event: Event, step: int, now: datetime.datetime) -> bool:
    recipients = _recipients(event, step)
    try:
        with transaction.atomic():
            EventEscalation.objects.create(
                company_id=event.company_id,
                project_id=event.project_id,
                event=event,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            Event.objects.filter(pk=event.pk, escalation_step__lt=step).update(escalation_step=step)
            notify(
                recipients=recipients,
                subject=Message(_("活动待确认：%(title)s"), title=event.title),
                body=Message(
                    _("活动「%(title)s」（%(when)s）已结束，尚未确认举办或填写总结（%(step)s）。"),
                    title=event.title,
                    when=when(event),
                    step=EventStep(step).label,
                ),
                url=reverse("events:detail", args=[event.pk]),
                related=event,
                dedup_key=f"event-{event.pk}-overdue-{step}",
                kind=kinds.OVERDUE,
            )
    except IntegrityError:
        return False
    event.escalation_step = step
    return True
