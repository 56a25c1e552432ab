"""Refunds and adjustments: asked for (``correction_request``) and decided by someone else
(``correction_decide``); only an approved one writes ledger entries, re-checked under the unit's lock.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from guanjia.billing import hooks, selectors
from guanjia.billing.choices import BillKind, ChargeKind, CorrectionKind, CorrectionStatus, EntryKind
from guanjia.billing.models import Bill, Correction, LedgerEntry, Payment
from guanjia.billing.selectors import HALF_CENT, ZERO, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry, _money
from guanjia.billing.services.late_fees import waivable
from guanjia.billing.services.payments import _apply_credit, refundable
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Unit


@service
def correction_request(*, actor, data: dict) -> Correction:
    """Ask for a refund of a payment (``payment_id``, ``amount`` > 0) or an adjustment of a bill
    (``bill_id``, signed ``amount``: negative waives, positive adds). A reason is required; another
    person decides (``correction_decide``)."""
    require(actor, Perm.ADJUST_BILLING)
    kind = data.get("kind")
    if kind not in CorrectionKind.values:
        raise ValidationError({"kind": _("请选择退款或调账")})
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因")})
    correction = Correction(kind=kind, reason=reason[:200], requested_by=actor, requested_at=common._now())
    if kind == CorrectionKind.REFUND:
        payment = visible_reference(Payment, data.get("payment_id"), actor, field="payment_id")
        lock(payment)
        amount = _money(data.get("amount"), "amount")
        if amount > refundable(payment):
            raise ValidationError(
                {"amount": _("退款金额超过可退金额 %(max)s 元") % {"max": refundable(payment)}}
            )
        correction.payment = payment
        owner = payment
    elif kind == CorrectionKind.LATE_FEE_WAIVER:
        bill = visible_reference(Bill, data.get("bill_id"), actor, field="bill_id")
        amount = _money(data.get("amount"), "amount")
        _check_waiver(bill, amount)
        correction.bill = bill
        owner = bill
    else:
        bill = visible_reference(Bill, data.get("bill_id"), actor, field="bill_id")
        amount = _money(data.get("amount"), "amount", allow_negative=True)
        _check_adjustment(bill, amount)
        correction.bill = bill
        owner = bill
    correction.amount = amount
    correction.company_id = owner.company_id
    correction.project_id = owner.project_id
    correction.unit_id = owner.unit_id
    return save_validated(correction)


def _check_waiver(bill: Bill, amount: Decimal) -> None:
    """A late-fee waiver (an amount > 0) never exceeds the late fee the bill still has."""
    most = waivable(bill)
    if amount > most:
        raise ValidationError({"amount": _("减免金额超过可减免的滞纳金 %(max)s 元") % {"max": most}})


def _check_adjustment(bill: Bill, amount: Decimal) -> None:
    if amount < 0:
        owed = q2(selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get().outstanding)
        if -amount > owed:
            raise ValidationError({"amount": _("减免金额超过账单欠款 %(owed)s 元") % {"owed": owed}})


@service
def correction_decide(*, actor, correction: Correction, approve: bool, note: str = "") -> Correction:
    """Approve or reject a refund or adjustment. The one who asked cannot decide; an approval
    writes the ledger entries (re-checked under the unit's lock)."""
    require(actor, Perm.APPROVE_BILLING)
    correction = lock(correction)
    if correction.status != CorrectionStatus.PENDING:
        raise Conflict(_("该申请已处理：%(s)s") % {"s": correction.get_status_display()})
    if correction.requested_by_id == actor.pk:
        raise NotAllowed(_("申请人不能审批自己的申请，须由另一人审批"))
    now = common._now()
    correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    correction.decided_by = actor
    correction.decided_at = now
    correction.decision_note = (note or "")[:200]
    if approve:
        lock(Unit(pk=correction.unit_id))
        if correction.kind == CorrectionKind.REFUND:
            _refund(actor=actor, correction=correction, now=now)
        elif correction.kind == CorrectionKind.LATE_FEE_WAIVER:
            bill = Bill.objects.get(pk=correction.bill_id)
            _check_waiver(bill, correction.amount)
            _entry(
                bill=bill,
                kind=EntryKind.LATE_FEE,
                amount=-correction.amount,
                actor=actor,
                now=now,
                correction=correction,
                reason=correction.reason,
            )
        else:
            bill = Bill.objects.get(pk=correction.bill_id)
            _check_adjustment(bill, correction.amount)
            _entry(
                bill=bill,
                kind=EntryKind.ADJUSTMENT,
                amount=correction.amount,
                actor=actor,
                now=now,
                correction=correction,
                reason=correction.reason,
            )
            if correction.amount > 0:
                _apply_credit(actor=actor, unit_ids=[bill.unit_id], now=now)
    correction.save()
    if approve and correction.kind == CorrectionKind.REFUND:
        hooks.announce_refund_approved(correction)  # an online payment goes back through its gateway
    return correction


def _refund(*, actor, correction: Correction, now) -> None:
    """Give money of a payment back: first from its unallocated credit, then from the bills it paid,
    newest first. A deposit's refund also releases the deposit (the bill stays settled)."""
    payment = Payment.objects.get(pk=correction.payment_id)
    left = correction.amount
    credit = q2(
        -(
            LedgerEntry.objects.filter(payment=payment, bill__isnull=True).aggregate(
                s=Sum("amount", default=ZERO)
            )["s"]
        )
    )
    if credit > 0 and left > 0:
        share = min(credit, left)
        _entry(
            payment=payment,
            kind=EntryKind.REFUND,
            amount=share,
            actor=actor,
            now=now,
            correction=correction,
            reason=correction.reason,
        )
        left -= share
    paid_bills = (
        LedgerEntry.objects.filter(payment=payment, bill__isnull=False)
        .values("bill_id")
        .annotate(net=Sum("amount"))
        .filter(net__lte=-HALF_CENT)
        .order_by("-bill_id")
    )
    bills = Bill.objects.in_bulk([row["bill_id"] for row in paid_bills])
    for row in paid_bills:
        if left <= 0:
            break
        bill = bills[row["bill_id"]]
        share = min(q2(-row["net"]), left)
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.REFUND,
            amount=share,
            actor=actor,
            now=now,
            correction=correction,
            reason=correction.reason,
        )
        if bill.kind == BillKind.ONE_OFF and bill.lines.filter(item__kind=ChargeKind.ONE_OFF).exists():
            _entry(
                bill=bill,
                kind=EntryKind.ADJUSTMENT,
                amount=-share,
                actor=actor,
                now=now,
                correction=correction,
                reason=_("押金退还"),
            )
        left -= share
    if left > 0:
        raise ValidationError({"amount": _("退款金额超过该笔收款已缴金额")})
