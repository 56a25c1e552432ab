"""Purchase requests waiting for approval past their deadline climb the ladder (``core.ladder``):
the approvers of the stage are reminded at the deadline, HQ is told a day later. Each step once per
stage (the unique (request, stage, step) row is inserted before anyone is told)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.ladder import climb
from guanjia.core.roles import Role
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember
from guanjia.stores import kinds
from guanjia.stores.choices import WAITING_APPROVAL, PurchaseStep
from guanjia.stores.models import PurchaseEscalation, PurchaseRequest
from guanjia.stores.services.purchasing import approvers

LADDER = [
    (PurchaseStep.REMIND, datetime.timedelta(0)),
    (PurchaseStep.ESCALATE, datetime.timedelta(days=1)),
]


def escalate_purchases(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    due = (
        PurchaseRequest.objects.filter(status__in=WAITING_APPROVAL, due_at__lte=now)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("item", "store")
        .order_by("due_at", "id")
    )
    return climb(list(due[:500]), LADDER, due_at=lambda p: p.due_at, now=now, take=_take_step)


def _recipients(purchase: PurchaseRequest, step: int) -> list:
    if step == PurchaseStep.REMIND:
        return approvers(purchase)
    members = StaffMember.objects.filter(company_id=purchase.company_id, deleted_at__isnull=True).with_role(
        Role.COMPANY_ADMIN
    )
    return [m.user for m in members.select_related("user").distinct() if m.user_id]


def _take_step(purchase: PurchaseRequest, step: int, now: datetime.datetime) -> bool:
    recipients = _recipients(purchase, step)
    try:
        with transaction.atomic():
            PurchaseEscalation.objects.create(
                company_id=purchase.company_id,
                project_id=purchase.project_id,
                purchase=purchase,
                stage=purchase.status,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            PurchaseRequest.objects.filter(
                pk=purchase.pk, status=purchase.status, escalation_step__lt=step
            ).update(escalation_step=step)
            notify(
                recipients=recipients,
                subject=Message(_("采购申请超期未审批：%(item)s"), item=purchase.item.name),
                body=Message(
                    _("%(store)s 的采购申请（%(item)s，%(amount)s 元）已超过审批期限（%(step)s）。"),
                    store=purchase.store.name,
                    item=purchase.item.name,
                    amount=str(purchase.amount),
                    step=PurchaseStep(step).label,
                ),
                url=reverse("stores:purchase", args=[purchase.pk]),
                related=purchase,
                dedup_key=f"stores-purchase-{purchase.pk}-{purchase.status}-overdue-{step}",
                kind=kinds.OVERDUE,
            )
    except IntegrityError:
        return False
    purchase.escalation_step = step
    return True
