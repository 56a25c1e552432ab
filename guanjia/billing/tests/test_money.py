"""Money is exact: whatever payments, refunds and adjustments happen, in whatever amounts, the ledger
never loses or invents a cent and no bill is ever owed below zero."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanjia.billing import selectors, services
from guanjia.billing.models import Bill, LedgerEntry, Payment
from guanjia.billing.tests.conftest import pay

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=60_000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(["unit", "other_unit"]), cents),
    st.tuples(st.just("bill"), st.integers(min_value=1, max_value=6), st.just(None)),
    st.tuples(st.just("refund"), st.integers(min_value=0, max_value=20), cents),
    st.tuples(st.just("waive"), st.integers(min_value=0, max_value=20), cents),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_random_allocations_never_lose_or_invent_a_cent(bw, ops):
    with transaction.atomic():
        received = refunded = Decimal("0")
        for n, (op, arg, amount) in enumerate(ops):
            if op == "pay":
                pay(bw, getattr(bw, arg), amount, f"k{n}")
                received += amount
            elif op == "bill":
                services.bills_generate(
                    actor=bw.manager,
                    project=bw.project,
                    period=f"2026-{arg:02d}",
                    due_on=datetime.date(2026, arg, 28),
                )
            elif op == "refund":
                payments = list(Payment.objects.order_by("id"))
                if payments:
                    payment = payments[arg % len(payments)]
                    amount = min(amount, services.refundable(payment))
                    if amount > 0:
                        ask = services.correction_request(
                            actor=bw.desk,
                            data={
                                "kind": "refund",
                                "payment_id": payment.pk,
                                "amount": amount,
                                "reason": "r",
                            },
                        )
                        services.correction_decide(actor=bw.manager, correction=ask, approve=True)
                        refunded += amount
            else:
                bills = list(selectors.with_amounts(Bill.objects.order_by("id")))
                if bills:
                    bill = bills[arg % len(bills)]
                    amount = min(amount, selectors.q2(bill.outstanding))
                    if amount > 0:
                        ask = services.correction_request(
                            actor=bw.desk,
                            data={"kind": "adjustment", "bill_id": bill.pk, "amount": -amount, "reason": "w"},
                        )
                        services.correction_decide(actor=bw.manager, correction=ask, approve=True)
        _check(received, refunded)
        transaction.set_rollback(True)


def _check(received: Decimal, refunded: Decimal) -> None:
    def total(**filters):
        return selectors.q2(LedgerEntry.objects.filter(**filters).aggregate(s=Sum("amount"))["s"] or 0)

    # Every cent received is in the ledger exactly once, less what was given back.
    assert -total(kind="payment") == received
    assert total(kind="refund") == refunded
    # What units owe is what was billed (charges and adjustments) less what was kept of payments.
    assert total() == total(kind__in=["charge", "adjustment"]) - (received - refunded)
    # No bill is owed below zero, and no payment gives out more than it brought in.
    assert all(b.outstanding >= 0 for b in selectors.with_amounts(Bill.objects.all()))
    for payment in Payment.objects.all():
        assert 0 <= -total(payment=payment) <= payment.amount
    for bill in Bill.objects.all():
        assert bill.total == sum(line.amount for line in bill.lines.all())
