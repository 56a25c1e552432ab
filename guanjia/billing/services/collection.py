"""Collecting what is owed: door-to-door visits (上门收费) booked with a named collector and closed
with how they went, reminders of bills past due (once per bill and month, the daily job), and
reminders sent by hand (催缴, ``bill_remind``: once per bill and day). Arrears and the collection
rate are reads: ``billing.selectors``.
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
from guanjia.core.bulk import BulkResult, Unchanged, parse_ids, run_each
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


def _payers(unit_ids) -> dict[int, list]:
    """The users to tell about a unit's bills: its current residents who have an account and may pay
    for it (a household member the owner did not allow to pay is not asked to)."""
    users: dict[int, list] = {}
    for occupancy in (
        Occupancy.objects.current()
        .allowing("pay")
        .filter(unit_id__in=unit_ids, resident__user__isnull=False, resident__deleted_at__isnull=True)
        .select_related("resident__user")
    ):
        users.setdefault(occupancy.unit_id, []).append(occupancy.resident.user)
    return users


def _reminder_words(bill: Bill) -> dict:
    """The reminder's subject and body, read in each reader's language (notifications.messages)."""
    return {
        "subject": Message(
            gettext_lazy("缴费提醒：%(unit)s %(period)s 账单"), unit=bill.unit, period=bill.period
        ),
        "body": Message(
            gettext_lazy(
                "您的 %(period)s 账单尚有 %(amount)s 元未缴，缴费截止日为 %(due)s。如已缴费请忽略。"
            ),
            period=bill.period,
            amount=q2(bill.outstanding),
            due=bill.due_on,
        ),
    }


@service
def bill_remind(*, actor, bill: Bill) -> Bill:
    """Remind the payer of one bill now (催缴): its unit's residents, through their notifications.

    Once per bill and Shanghai day: again the same day sends nothing (``Unchanged``, saying when it
    went). A bill paid in full (409) or a unit with no resident account to tell (409) is refused.
    The time is kept on the bill (``reminded_at``, journaled with who sent it)."""
    require(actor, Perm.POST_PAYMENT)
    bill = lock(bill)
    now = common._now()
    today = timezone.localdate(now)
    if bill.reminded_at is not None and timezone.localdate(bill.reminded_at) == today:
        raise Unchanged(
            _("今天 %(time)s 已催缴过，未重复发送")
            % {"time": timezone.localtime(bill.reminded_at).strftime("%H:%M")}
        )
    shown = selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).select_related("unit__building").get()
    if shown.outstanding < HALF_CENT:
        raise Conflict(_("账单已结清，无需催缴"))
    payers = _payers([bill.unit_id]).get(bill.unit_id)
    if not payers:
        raise Conflict(_("该房屋没有开通账号的住户，无法发送提醒，请电话或上门催缴"))
    notify(
        recipients=payers,
        **_reminder_words(shown),
        url="/portal/bills/",
        related=bill,
        dedup_key=f"billing:remind:{bill.pk}:{today.isoformat()}",
        kind="billing.reminder",
    )
    bill.reminded_at = now
    bill.save(update_fields=["reminded_at", "updated_at"])
    return bill


def bills_bulk_remind(*, actor, ids) -> BulkResult:
    """催缴 many bills at once (the bill list's bulk bar, ``POST /bills/remind``): ``bill_remind``
    for each, on its own; the report names every bill refused or skipped and why."""
    require(actor, Perm.POST_PAYMENT)
    ids = parse_ids(ids)
    bills = Bill.objects.visible_to(actor).filter(pk__in=ids).select_related("unit__building")
    return run_each(
        action_label=_("已催缴"),
        ids=ids,
        records={bill.pk: bill for bill in bills},
        label=lambda bill: f"{bill.unit.building.name}-{bill.unit.number} {bill.period}",
        call=lambda bill: bill_remind(actor=actor, bill=bill),
    )


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
    users = _payers({b.unit_id for b in overdue})
    made = 0
    for bill in overdue:
        if bill.unit_id not in users:
            continue
        made += len(
            notify(
                recipients=users[bill.unit_id],
                **_reminder_words(bill),
                url="/portal/bills/",
                related=bill,
                dedup_key=f"billing:reminder:{bill.pk}:{month}",
                kind="billing.reminder",
            )
        )
    return made
