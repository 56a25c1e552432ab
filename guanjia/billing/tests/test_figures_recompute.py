"""The collection rate and the arrears, recomputed here from the raw ledger rows in plain Python
(not the production selectors), on random histories — monthly bills, partial payments, prepayments,
refunds, waivers, deposits, entries after the as-of day, month boundaries — equal what the API and
the pages show."""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanjia.billing import selectors, services
from guanjia.billing.models import Bill, LedgerEntry, Payment
from guanjia.billing.tests.conftest import pay
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)
cents = st.integers(min_value=1, max_value=80_000).map(lambda c: Decimal(c) / 100)
operation = st.tuples(
    st.integers(min_value=0, max_value=119),  # the day it happens, from 1 January 2026
    st.sampled_from(["bill", "pay", "pay", "refund", "waive", "deposit"]),
    st.integers(min_value=0, max_value=20),
    st.sampled_from(["unit", "other_unit"]),
    cents,
)
as_of_days = st.lists(
    st.one_of(
        st.sampled_from(
            [
                datetime.date(2026, 1, 31),
                datetime.date(2026, 2, 1),
                datetime.date(2026, 2, 28),
                datetime.date(2026, 3, 1),
            ]
        ),
        st.integers(min_value=0, max_value=130).map(lambda d: START + datetime.timedelta(days=d)),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=8), as_ofs=as_of_days)
def test_fee_figures_recomputed_from_the_ledger_match_api_and_pages(bw, clock, ops, as_ofs):
    with transaction.atomic():
        for n, (day, op, arg, unit, amount) in enumerate(sorted(ops, key=lambda o: o[0])):
            today = START + datetime.timedelta(days=day)
            clock(today, 9 + n % 10)
            _apply(bw, n, today, op, arg, getattr(bw, unit), amount)
        client = Client()
        client.force_login(bw.manager)
        api = Api(bw.manager)
        for as_of in as_ofs:
            expected = _collection(as_of)
            got = api.get(
                "billing/collection-rate", period_from="2026-01", period_to="2026-12", as_of=str(as_of)
            ).json()
            assert [
                (
                    r["project_id"],
                    r["period"],
                    Decimal(r["billed"]),
                    Decimal(r["collected"]),
                    r["rate"] and Decimal(r["rate"]),
                )
                for r in got
            ] == expected
            page = client.get(
                "/billing/collection/",
                {"period_from": "2026-01", "period_to": "2026-12", "as_of": str(as_of)},
            )
            assert [
                (r["project_id"], r["period"], r["billed"], r["collected"], r["rate"])
                for r in page.context["rows"]
            ] == expected
            html = page.content.decode()
            assert f"截至 {as_of:%Y-%m-%d}" in html and "-0.0" not in html
            expected = _arrears(as_of)
            got = api.get("billing/arrears", as_of=str(as_of), page_size=100).json()["items"]
            assert (
                sorted(
                    (
                        r["unit_id"],
                        Decimal(r["total"]),
                        Decimal(r["d30"]),
                        Decimal(r["d90"]),
                        Decimal(r["d180"]),
                        Decimal(r["older"]),
                    )
                    for r in got
                )
                == expected
            )
            page = client.get("/billing/arrears/", {"as_of": str(as_of)})
            assert (
                sorted(
                    (r["unit_id"], r["total"], r["d30"], r["d90"], r["d180"], r["older"])
                    for r in page.context["rows"]
                )
                == expected
            )
            assert "-0.00" not in page.content.decode()
        transaction.set_rollback(True)


def _apply(bw, n, today, op, arg, unit, amount):
    if op == "bill":
        period = f"2026-{1 + arg % 4:02d}"
        services.bills_generate(
            actor=bw.manager, project=bw.project, period=period, due_on=services.period_end(period)
        )
    elif op == "pay":
        pay(bw, unit, amount, f"k{n}")
    elif op == "deposit":
        services.bill_one_off(
            actor=bw.manager,
            data={"unit_id": unit.pk, "item_id": bw.deposit.pk, "amount": amount, "key": f"d{n}"},
        )
    elif op == "refund":
        payments = list(Payment.objects.order_by("id"))
        if payments:
            payment = payments[arg % len(payments)]
            amount = min(amount, services.refundable(payment))
            if amount > 0:
                _decide(bw, {"kind": "refund", "payment_id": payment.pk, "amount": amount, "reason": "退"})
    else:
        bills = list(selectors.with_amounts(Bill.objects.order_by("id")))
        if bills:
            bill = bills[arg % len(bills)]
            amount = min(amount, selectors.q2(bill.outstanding))
            if amount > 0:
                _decide(bw, {"kind": "adjustment", "bill_id": bill.pk, "amount": -amount, "reason": "减免"})


def _decide(bw, data):
    ask = services.correction_request(actor=bw.desk, data=data)
    services.correction_decide(actor=bw.manager, correction=ask, approve=True)


# The independent implementation: plain Python over the ledger's rows -----------------------------


def _entries(as_of):
    """(entry, bill) pairs of entries written on or before the Shanghai day ``as_of``."""
    bills = {b.pk: b for b in Bill.objects.all()}
    return [
        (e, bills.get(e.bill_id)) for e in LedgerEntry.objects.all() if timezone.localdate(e.time) <= as_of
    ]


def _collection(as_of):
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry, bill in _entries(as_of):
        if bill is None or bill.kind != "periodic":  # credit, and one-off bills (the deposit)
            continue
        row = sums[(entry.project_id, bill.period)]
        if entry.kind in ("charge", "adjustment"):
            row[0] += entry.amount
        else:
            row[1] -= entry.amount
    out = []
    for (project_id, period), (billed, collected) in sorted(sums.items()):
        rate = (
            (collected * 100 / billed).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if billed > 0
            else None
        )
        out.append((project_id, period, billed, collected, rate))
    return out


def _arrears(as_of):
    units = defaultdict(lambda: [Decimal(0)] * 5)
    for entry, bill in _entries(as_of):
        if bill is None or bill.due_on >= as_of:
            continue
        late = (as_of - bill.due_on).days
        bucket = 1 if late <= 30 else 2 if late <= 90 else 3 if late <= 180 else 4
        units[entry.unit_id][0] += entry.amount
        units[entry.unit_id][bucket] += entry.amount
    return sorted((unit_id, *sums) for unit_id, sums in units.items() if sums[0] > 0)
