"""A developer's late rectification climbs a ladder (``core.ladder.climb``) like every deadline in
Guanjia: step 1 at the deadline tells whoever runs the takeover and the project's managers to chase
the developer's contact; step 2 a week later goes up to the company's administrators. Each step
exactly once: the unique (defect, step) row is inserted before anyone is told. Handover defects are
requests and follow the requests' own deadlines (sla)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.ladder import climb
from guanjia.handover.choices import HandoverDefectStatus, Step
from guanjia.handover.models import Defect, DefectEscalation
from guanjia.handover.services import common
from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

LADDER = [(Step.OWNER, datetime.timedelta(0)), (Step.MANAGER, datetime.timedelta(days=7))]
DEVELOPER_OVERDUE = "handover.developer_overdue"


def register_kinds() -> None:
    register_kind(
        DEVELOPER_OVERDUE,
        _("开发商整改超期"),
        params=("number", "defect", "developer", "contact", "deadline"),
    )


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Take each due step of late developer rectifications; how many steps were taken."""
    now = now or timezone.now()
    late = (
        Defect.objects.filter(
            status=HandoverDefectStatus.OPEN,
            ticket__isnull=True,
            developer_done_at__isnull=True,
            rectify_by__lte=now,
        )
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("inspection__takeover")
        .order_by("rectify_by", "id")
    )
    return climb(late.iterator(chunk_size=200), LADDER, due_at=lambda d: d.rectify_by, now=now, take=_step)


def _recipients(defect: Defect, step: int) -> list:
    takeover = defect.inspection.takeover
    if step == Step.OWNER:
        people = common.managers(defect.project_id)
        if takeover.created_by_id and takeover.created_by.is_active:
            people.append(takeover.created_by)
    else:
        people = common.admins(defect.company_id)
    return list({u.pk: u for u in people}.values())


def _step(defect: Defect, step: int, now) -> bool:
    recipients = _recipients(defect, step)
    takeover = defect.inspection.takeover
    try:
        with transaction.atomic():
            DefectEscalation.objects.create(
                company_id=defect.company_id,
                project_id=defect.project_id,
                defect=defect,
                step=step,
                happened_at=now,
                notified=sorted(u.pk for u in recipients),
            )
            Defect.objects.filter(pk=defect.pk, escalation_step__lt=step).update(escalation_step=step)
            params = {
                "number": takeover.number,
                "defect": defect.description[:60],
                "developer": takeover.developer,
                "contact": f"{takeover.developer_contact} {takeover.developer_phone}",
                "deadline": timezone.localtime(defect.rectify_by).strftime("%Y-%m-%d"),
            }
            notify(
                recipients=recipients,
                subject=Message(_("开发商整改超期：%(number)s"), **params),
                body=Message(
                    _(
                        "接管验收 %(number)s 的问题“%(defect)s”应于 %(deadline)s 前由 %(developer)s 整改，"
                        "已超期，请联系 %(contact)s 督促。"
                    ),
                    **params,
                ),
                url=reverse("handover:takeover", args=[takeover.pk]),
                related=takeover,
                dedup_key=f"handover-defect-{defect.pk}-{step}",
                kind=DEVELOPER_OVERDUE,
            )
    except IntegrityError:
        return False
    defect.escalation_step = step
    return True
