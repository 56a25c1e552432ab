"""Money a payment gateway confirmed (WeChat Pay, Alipay): posted by the system, not a cashier,
exactly once per gateway transaction (the gateway's transaction id is both the reference and the
idempotency key), to the bills the resident chose first, then as ``payment_post`` does (oldest open
bills, the rest as credit).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors
from guanjia.billing.choices import EntryKind, PaymentMethod
from guanjia.billing.models import Bill, Payment
from guanjia.billing.selectors import HALF_CENT, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry
from guanjia.billing.services.payments import _allocate, _next_receipt, _posted_before
from guanjia.core.errors import Conflict
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.models import Project, Unit


@service
def payment_post_gateway(
    *,
    unit_id: int,
    amount: Decimal,
    reference: str,
    received_at: datetime.datetime,
    bill_ids: list[int] = (),
    credit_only: bool = False,
    payer: str = "",
    note: str = "",
) -> tuple[Payment, bool]:
    """Post money the gateway confirmed (its signature verified by the caller). Returns
    ``(payment, created)``; the same ``reference`` again returns the first payment, with other
    money it is a ``Conflict`` (never a second payment). ``credit_only``: money that came for an
    order already closed is kept whole as the unit's credit (to be refunded), not put on bills."""
    unit = lock(Unit(pk=unit_id))
    amount = q2(amount)
    key = reference[:64]
    first = _posted_before(unit.company_id, key, PaymentMethod.ONLINE, key)
    if first is not None:
        if first.unit_id != unit.pk or first.amount != amount:
            raise Conflict(_("该交易流水号已用于另一笔收款（收据 %(no)s）") % {"no": first.receipt_no})
        return first, False
    now = common._now()
    project = Project.objects.get(pk=unit.project_id)
    payment = Payment(
        company_id=unit.company_id,
        project=project,
        unit=unit,
        method=PaymentMethod.ONLINE,
        amount=amount,
        reference=key,
        idempotency_key=key,
        received_at=received_at,
        received_by=None,
        payer=payer[:60],
        note=note[:200],
    )
    payment.receipt_no = _next_receipt(project, timezone.localtime(now).year)
    save_validated(payment)
    left = amount
    if credit_only:
        bill_ids = []
    chosen = selectors.with_amounts(Bill.objects.filter(unit_id=unit.pk, pk__in=list(bill_ids)))
    for bill in chosen.filter(outstanding__gte=HALF_CENT).order_by("due_on", "period", "id"):
        share = min(left, q2(bill.outstanding))
        if share <= 0:
            break
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-share,
            actor=None,
            now=now,
            reason=_("收据 %(no)s") % {"no": payment.receipt_no},
        )
        left -= share
    if left > 0 and not credit_only:
        left = _allocate(actor=None, payment=payment, amount=left, now=now)
    if left > 0:
        _entry(
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-left,
            actor=None,
            now=now,
            reason=_("预存款（收据 %(no)s）") % {"no": payment.receipt_no},
        )
    return payment, True
