"""The end of a renovation: the completion inspection (竣工验收), deductions from the deposit, and
the deposit's refund through the fee ledger — asked for by one person and approved by another
(``billing.correction_request`` / ``correction_decide``, billing's four-eyes rule)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import services as billing
from guanjia.billing.choices import CorrectionKind, CorrectionStatus, EntryKind
from guanjia.billing.models import Correction, LedgerEntry
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.choices import UnitStatus
from guanjia.estates.models import Unit
from guanjia.renovation import notices
from guanjia.renovation.choices import HOLDS_UNIT, RenovationStatus, RenovationViolationStatus
from guanjia.renovation.models import Deduction, Renovation, Violation
from guanjia.renovation.services import common

ZERO = Decimal("0")


def deducted(renovation: Renovation) -> Decimal:
    return renovation.deductions.aggregate(s=Sum("amount", default=ZERO))["s"]


def refundable(renovation: Renovation) -> Decimal:
    """The deposit less what was deducted: the most a refund may give back."""
    return max(renovation.deposit - deducted(renovation), ZERO)


@service
def renovation_complete(*, actor, renovation: Renovation, note: str = "") -> Renovation:
    """Engineering's completion inspection: every violation rectified, the passes end today, and the
    unit's status is what it was before the works."""
    require(actor, Perm.REVIEW_RENOVATION)
    renovation = lock(renovation)
    if renovation.status not in HOLDS_UNIT:
        raise Conflict(_("该装修已变为“%(s)s”，请刷新后再操作") % {"s": renovation.get_status_display()})
    if renovation.violations.filter(status=RenovationViolationStatus.OPEN).exists():
        raise ValidationError({"note": _("尚有违规未整改，不能竣工验收")})
    now = common.now()
    renovation.status = RenovationStatus.COMPLETED
    renovation.completed_at, renovation.completed_by = now, actor
    renovation.completion_note = (note or "")[:300]
    save_validated(renovation)
    today = timezone.localdate(now)
    renovation.workers.filter(revoked_at__isnull=True).update(revoked_at=now, valid_until=today)
    unit = lock(Unit(pk=renovation.unit_id))
    if unit.status == UnitStatus.RENOVATING:
        unit.status = renovation.unit_status_before or UnitStatus.OCCUPIED
        unit.save()
    common.event(renovation, "completed", actor=actor, note=note, at=now)
    renovation.unit = Unit.objects.select_related("building").get(pk=unit.pk)
    notices.completed(renovation, common.unit_users(renovation))
    return renovation


@service
def deduction_record(*, actor, renovation: Renovation, data: dict) -> Deduction:
    """Keep an amount of the deposit for a reason (a violation, damage to common parts …); all
    deductions together can never exceed the deposit."""
    require(actor, Perm.REVIEW_RENOVATION)
    renovation = lock(renovation)
    if renovation.status not in (*HOLDS_UNIT, RenovationStatus.COMPLETED):
        raise Conflict(_("押金已进入退还流程，不能再扣除"))
    amount = common.amount(data.get("amount"), "amount")
    reason = common.text(data, "reason", 200)
    if amount > refundable(renovation):
        raise ValidationError(
            {"amount": _("扣除金额超过可扣押金 %(max)s 元") % {"max": refundable(renovation)}}
        )
    violation = None
    if data.get("violation_id"):
        violation = Violation.objects.filter(renovation=renovation, pk=data.get("violation_id")).first()
        if violation is None:
            raise ValidationError({"violation_id": _("该装修没有这条违规记录")})
    deduction = save_validated(
        Deduction(
            company_id=renovation.company_id,
            project_id=renovation.project_id,
            renovation=renovation,
            violation=violation,
            amount=amount,
            reason=reason,
            recorded_by=actor,
            recorded_at=common.now(),
        )
    )
    common.event(renovation, "deducted", actor=actor, note=f"{amount} {reason}")
    return deduction


def _deposit_payment(renovation: Renovation):
    """The payment that settled the deposit bill (one; a deposit paid in parts is refunded in billing)."""
    payments = list(
        LedgerEntry.objects.filter(bill_id=renovation.deposit_bill_id, kind=EntryKind.PAYMENT)
        .values_list("payment_id", flat=True)
        .distinct()
    )
    if len(payments) != 1:
        raise ValidationError({"amount": _("押金未缴或分多笔缴纳，请在收费管理中办理退款")})
    return payments[0]


@service
def refund_request(*, actor, renovation: Renovation, data: dict | None = None) -> Renovation:
    """Ask for the deposit's refund (the deposit less deductions, or less than that when given):
    a refund correction in the fee ledger that another person approves. Nothing to give back closes
    the renovation at once."""
    data = data or {}
    require(actor, Perm.ADJUST_BILLING)
    renovation = lock(renovation)
    if renovation.status != RenovationStatus.COMPLETED:
        raise Conflict(_("该装修已变为“%(s)s”，请刷新后再操作") % {"s": renovation.get_status_display()})
    most = refundable(renovation)
    amount = most if data.get("amount") in (None, "") else common.amount(data.get("amount"), "amount")
    if amount > renovation.deposit:
        raise ValidationError({"amount": _("退款金额不能超过押金 %(d)s 元") % {"d": renovation.deposit}})
    if amount > most:
        raise ValidationError({"amount": _("退款金额超过押金扣除后的可退金额 %(m)s 元") % {"m": most}})
    if amount <= 0:
        renovation.status = RenovationStatus.CLOSED
        save_validated(renovation)
        common.event(renovation, "closed", actor=actor, note=_("押金已全部扣除，无需退还"))
        return renovation
    correction = billing.correction_request(
        actor=actor,
        data={
            "kind": CorrectionKind.REFUND,
            "payment_id": _deposit_payment(renovation),
            "amount": amount,
            "reason": _("装修押金退还 %(n)s（扣除 %(d)s 元）")
            % {"n": renovation.number, "d": renovation.deposit - most},
        },
    )
    renovation.refund = correction
    renovation.status = RenovationStatus.REFUNDING
    save_validated(renovation)
    common.event(renovation, "refund_requested", actor=actor, note=str(amount))
    renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
    notices.refund(renovation, common.managers(renovation.project_id), amount, portal=False)
    return renovation


@service
def refund_decide(*, actor, renovation: Renovation, approve: bool, note: str = "") -> Renovation:
    """The second person's decision on the deposit's refund (``billing.correction_decide``: the one
    who asked cannot decide). Approved: the ledger gives the money back and the renovation closes;
    rejected: it can be asked for again."""
    renovation = lock(renovation)
    if renovation.status != RenovationStatus.REFUNDING or renovation.refund_id is None:
        raise Conflict(_("该装修已变为“%(s)s”，请刷新后再操作") % {"s": renovation.get_status_display()})
    correction = billing.correction_decide(
        actor=actor, correction=Correction.objects.get(pk=renovation.refund_id), approve=approve, note=note
    )
    if correction.status == CorrectionStatus.APPROVED:
        renovation.status = RenovationStatus.CLOSED
        action = "refunded"
    else:
        renovation.status = RenovationStatus.COMPLETED
        renovation.refund = None
        action = "refund_rejected"
    save_validated(renovation)
    common.event(renovation, action, actor=actor, note=note or str(correction.amount))
    if correction.status == CorrectionStatus.APPROVED:
        renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
        notices.refund(renovation, common.unit_users(renovation), correction.amount, portal=True)
    return renovation
