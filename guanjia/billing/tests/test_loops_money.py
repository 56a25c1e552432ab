"""Nothing loses or invents a cent: random payments around a paid-service bill that is cancelled,
the 买单式 settlement of the month, late fees accrued on random days and waived — and every
payment's entries still add up to what it brought, every receipt adds up to
its payment, no bill ends up owing less than nothing, and the unit's balance is exactly what was
billed, settled, charged late and waived less what was paid."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from guanjia.billing import selectors, services
from guanjia.billing.models import Bill, LedgerEntry, Payment
from guanjia.billing.selectors import ZERO, q2
from guanjia.billing.tests.conftest import completed_paid_service, generate, pay
from guanjia.billing.tests.test_loops import closed_survey
from guanjia.tickets import services as ticket_services

D = datetime.date
cents = st.integers(min_value=1, max_value=60000).map(lambda c: Decimal(c) / 100)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example walks a request: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    before=st.lists(cents, max_size=3),
    after=st.lists(cents, max_size=3),
    cancel=st.booleans(),
    days=st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=4),
    waive=st.booleans(),
)
def test_the_loops_never_lose_or_invent_a_cent(sw_once, clock, before, after, cancel, days, waive):
    w = sw_once
    try:
        with transaction.atomic():
            clock(D(2026, 8, 1))
            generate(w, "2026-08", D(2026, 8, 31))
            ticket = ticket_services.ticket_act(
                actor=w.butler, ticket=completed_paid_service(w), action="confirm_charges"
            )
            for n, amount in enumerate(before):
                pay(w, w.unit, amount, f"b{n}")
            services.fee_settlements_apply(actor=w.manager, project=w.project, period="2026-08")
            if cancel:
                ticket = ticket_services.ticket_act(
                    actor=w.resident_user, ticket=ticket, action="reopen", data={"reason": "不要了"}
                )
                ticket_services.ticket_act(
                    actor=w.butler, ticket=ticket, action="cancel", data={"reason": "取消"}
                )
            services.late_fee_policy_set(
                actor=w.manager,
                data={
                    "project_id": w.project.pk,
                    "enabled": True,
                    "daily_rate": Decimal("0.001"),
                    "starts_on": D(2026, 8, 1),
                },
            )
            for offset in sorted(days):
                clock(D(2026, 9, 1) + datetime.timedelta(days=offset))
                services.late_fees_accrue()
            for n, amount in enumerate(after):
                pay(w, w.unit, amount, f"a{n}")
            bill = Bill.objects.get(unit=w.unit, period="2026-08", kind="periodic")
            if waive and services.waivable(bill) > 0:
                asked = services.correction_request(
                    actor=w.desk,
                    data={
                        "kind": "late_waiver",
                        "bill_id": bill.pk,
                        "amount": services.waivable(bill),
                        "reason": "x",
                    },
                )
                services.correction_decide(actor=w.manager, correction=asked, approve=True)
            _check(w)
            raise Rollback
    except Rollback:
        pass


def _check(w):
    entries = LedgerEntry.objects.filter(unit=w.unit)
    for payment in Payment.objects.filter(unit=w.unit):
        mine = entries.filter(payment=payment)
        moved = sum(mine.exclude(kind="refund").values_list("amount", flat=True), ZERO)
        assert q2(moved) == -payment.amount  # allocations, credit and moves net to what it brought
        lines = selectors.receipt_lines(payment)
        assert sum((line["amount"] for line in lines["lines"]), ZERO) + lines["credit"] == payment.amount
        assert all(line["amount"] > 0 for line in lines["lines"])
    for bill in selectors.with_amounts(Bill.objects.filter(unit=w.unit)):
        assert bill.outstanding >= 0, (bill.period, bill.kind, bill.outstanding)
    paid = sum(Payment.objects.filter(unit=w.unit).values_list("amount", flat=True), ZERO)
    billed = sum(entries.exclude(kind__in=["payment", "refund"]).values_list("amount", flat=True), ZERO)
    balance = selectors.unit_balance(w.unit.pk)
    assert balance["balance"] == q2(billed - paid)
    assert balance["credit"] >= 0


@pytest.fixture
def sw_once(sw):
    closed_survey(sw, period="2026Q3", scores=[5, 4, 4, 3])
    return sw
