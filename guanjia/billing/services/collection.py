"""Collecting what is owed: door-to-door visits (上门收费) booked with a named collector and closed
with how they went, and reminders of bills past due (once per bill and month). Arrears and the
collection rate are reads: ``billing.selectors``.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.billing import selectors
from guanjia.billing.choices import VisitStatus
from guanjia.billing.models import Bill, CollectionVisit, Payment
from guanjia.billing.selectors import HALF_CENT, q2
from guanjia.billing.services import common
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Unit
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify


@service
def visit_book(*, actor, data: dict) -> CollectionVisit:
    """Book a door-to-door collection (上门收费) for tomorrow or later, with a named collector."""
    require(actor, Perm.POST_PAYMENT)
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    collector = (
        get_user_model().objects.filter(pk=data.get("collector_id"), company_id=unit.company_id).first()
    )
    if (
        collector is None
        or not (scope_for(collector).is_hq or unit.project_id in scope_for(collector).project_ids)
        or Perm.POST_PAYMENT not in scope_for(collector).permissions
    ):
        raise ValidationError({"collector_id": _("收费员须为本项目有收款权限的员工")})
    visit_at = data.get("visit_at")
    if visit_at is None:
        raise ValidationError({"visit_at": _("此项为必填项")})
    if timezone.localtime(visit_at).date() <= timezone.localdate(common._now()):
        raise ValidationError({"visit_at": _("上门收费须提前一天预约")})
    visit = CollectionVisit(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        collector=collector,
        visit_at=visit_at,
        note=(data.get("note") or "")[:200],
    )
    return save_validated(visit)


@service
def visit_close(
    *, actor, visit: CollectionVisit, status: str, note: str = "", payment_id=None
) -> CollectionVisit:
    """Record how a visit went: done (with the payment taken, if any), missed or cancelled."""
    require(actor, Perm.POST_PAYMENT)
    visit = lock(visit)
    if visit.status != VisitStatus.BOOKED:
        raise Conflict(_("该预约已处理：%(s)s") % {"s": visit.get_status_display()})
    if status not in (VisitStatus.DONE, VisitStatus.MISSED, VisitStatus.CANCELLED):
        raise ValidationError({"status": _("请选择已上门、未遇或取消")})
    if payment_id:
        payment = visible_reference(Payment, payment_id, actor, field="payment_id")
        if payment.unit_id != visit.unit_id:
            raise ValidationError({"payment_id": _("收款不是该房屋的")})
        visit.payment = payment
    visit.status = status
    if note:
        visit.note = note[:200]
    return save_validated(visit)


# Reminders -----------------------------------------------------------------------------------------


def remind_arrears(*, today: datetime.date | None = None) -> int:
    """Remind the residents of every unit with a bill past due, once per bill and month (the
    notification's dedup key); quiet hours are honoured by ``notify``. Returns notifications made."""
    today = today or timezone.localdate()
    month = today.strftime("%Y-%m")
    overdue = list(
        selectors.with_amounts(Bill.objects.filter(due_on__lt=today))
        .filter(outstanding__gte=HALF_CENT)
        .select_related("unit", "unit__building", "project")
        .order_by("id")
    )
    if not overdue:
        return 0
    users: dict[int, list] = {}
    for occupancy in (
        Occupancy.objects.current()
        .filter(
            unit_id__in={b.unit_id for b in overdue},
            resident__user__isnull=False,
            resident__deleted_at__isnull=True,
        )
        .select_related("resident__user")
    ):
        users.setdefault(occupancy.unit_id, []).append(occupancy.resident.user)
    made = 0
    for bill in overdue:
        if bill.unit_id not in users:
            continue
        made += len(
            notify(
                recipients=users[bill.unit_id],
                subject=Message(
                    gettext_lazy("缴费提醒：%(unit)s %(period)s 账单"), unit=bill.unit, period=bill.period
                ),
                body=Message(
                    gettext_lazy(
                        "您的 %(period)s 账单尚有 %(amount)s 元未缴，缴费截止日为 %(due)s。如已缴费请忽略。"
                    ),
                    period=bill.period,
                    amount=q2(bill.outstanding),
                    due=bill.due_on,
                ),
                url="/portal/bills/",
                related=bill,
                dedup_key=f"billing:reminder:{bill.pk}:{month}",
            )
        )
    return made
