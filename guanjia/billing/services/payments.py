"""Money received: ``payment_post`` posts exactly once per idempotency key (and per transfer/online
reference); the unit's row lock serialises two cashiers; the receipt number comes from a per-project
yearly counter; the money goes to the oldest open bills first and the rest is the unit's credit (预存),
used by the next bill (``_apply_credit``).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors
from guanjia.billing.choices import CorrectionKind, CorrectionStatus, EntryKind, PaymentMethod
from guanjia.billing.models import Correction, LedgerEntry, Payment, ReceiptCounter
from guanjia.billing.selectors import HALF_CENT, ZERO, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry, _money
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project, Unit


def _next_receipt(project: Project, year: int) -> str:
    """SK-number of the project's year: the counter's row is incremented under its row lock."""
    counter = ReceiptCounter.objects.filter(project=project, year=year)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReceiptCounter.objects.create(project=project, year=year, last=1)
        except IntegrityError:  # created at the same moment by another cashier: increment theirs
            counter.update(last=F("last") + 1)
    value = counter.values_list("last", flat=True).get()
    return f"{project.code}-SK{year}-{value:06d}"


def _allocate(*, actor, payment: Payment, amount: Decimal, now, from_credit: bool = False) -> Decimal:
    """Put ``amount`` of a payment on the unit's oldest open bills; return what is left over.
    ``from_credit``: the money sits as the payment's credit; each allocation also takes it out."""
    left = amount
    for bill in selectors.open_bills(payment.unit_id):
        if left <= 0:
            break
        share = min(left, q2(bill.outstanding))
        if share <= 0:
            continue
        if from_credit:
            _entry(
                payment=payment,
                kind=EntryKind.PAYMENT,
                amount=share,
                actor=actor,
                now=now,
                reason=_("预存款转入账单 %(p)s") % {"p": bill.period},
            )
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-share,
            actor=actor,
            now=now,
            reason=_("收据 %(no)s") % {"no": payment.receipt_no},
        )
        left -= share
    return left


def _apply_credit(*, actor, unit_ids: list[int], now) -> int:
    """Use what units hold as credit (oldest payment first) for their open bills. Returns how many
    payments' credit was used. Called with the units' rows locked."""
    if not unit_ids:
        return 0
    credits = (
        LedgerEntry.objects.filter(unit_id__in=unit_ids, bill__isnull=True, payment__isnull=False)
        .values("payment_id")
        .annotate(credit=Sum("amount"))
        .filter(credit__lte=-HALF_CENT)
        .order_by("payment_id")
    )
    used = 0
    payments = Payment.objects.in_bulk([row["payment_id"] for row in credits])
    for row in credits:
        payment = payments[row["payment_id"]]
        credit = q2(-row["credit"])
        if _allocate(actor=actor, payment=payment, amount=credit, now=now, from_credit=True) < credit:
            used += 1
    return used


PAYMENT_FIELDS = {
    "unit_id",
    "amount",
    "method",
    "reference",
    "idempotency_key",
    "payer",
    "note",
    "received_at",
}


@service
def payment_post(*, actor, data: dict) -> tuple[Payment, bool]:
    """Post money received for a unit, exactly once: the same ``idempotency_key`` (or the same
    transfer/online reference) returns the payment first posted, never a second one.

    Returns ``(payment, created)``. The amount goes to the unit's oldest open bills first; what is
    left is the unit's credit (预存), used by the next bill.
    """
    require(actor, Perm.POST_PAYMENT)
    unknown = set(data) - PAYMENT_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    key = (data.get("idempotency_key") or "").strip()
    if not key:
        raise ValidationError({"idempotency_key": _("此项为必填项")})
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    amount = _money(data.get("amount"), "amount")
    method = data.get("method")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("请选择付款方式")})
    reference = (data.get("reference") or "").strip()
    if method in (PaymentMethod.TRANSFER, PaymentMethod.ONLINE) and not reference:
        raise ValidationError({"reference": _("转账与线上支付须填写交易流水号")})
    lock(unit)  # two cashiers posting for the same unit at once are serialised here
    first = _posted_before(unit.company_id, key, method, reference)
    if first is not None:
        if first.unit_id != unit.pk or first.amount != amount:
            raise Conflict(_("该幂等键或流水号已用于另一笔收款（收据 %(no)s）") % {"no": first.receipt_no})
        return first, False
    now = common._now()
    project = Project.objects.get(pk=unit.project_id)
    payment = Payment(
        company_id=unit.company_id,
        project=project,
        unit=unit,
        method=method,
        amount=amount,
        reference=reference,
        idempotency_key=key,
        received_at=data.get("received_at") or now,
        received_by=actor,
        payer=(data.get("payer") or "")[:60],
        note=(data.get("note") or "")[:200],
    )
    payment.receipt_no = _next_receipt(project, timezone.localtime(now).year)
    try:
        save_validated(payment)
    except Conflict:
        first = _posted_before(unit.company_id, key, method, reference)
        if first is None:
            raise
        return first, False
    left = _allocate(actor=actor, payment=payment, amount=amount, now=now)
    if left > 0:
        _entry(
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-left,
            actor=actor,
            now=now,
            reason=_("预存款（收据 %(no)s）") % {"no": payment.receipt_no},
        )
    return payment, True


def _posted_before(company_id, key, method, reference) -> Payment | None:
    match = Q(idempotency_key=key)
    if reference:
        match |= Q(method=method, reference=reference)
    return Payment.objects.filter(match, company_id=company_id).order_by("id").first()


def refundable(payment: Payment) -> Decimal:
    """What of a payment can still be refunded: the amount less refunds approved and pending."""
    refunded = Correction.objects.filter(
        payment=payment,
        kind=CorrectionKind.REFUND,
        status__in=[CorrectionStatus.PENDING, CorrectionStatus.APPROVED],
    ).aggregate(s=Sum("amount", default=ZERO))["s"]
    return q2(payment.amount - q2(refunded))
