"""The rules finance staff and residents notice: a bill once, a payment once, money exact."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from guanjia.billing import selectors, services
from guanjia.billing.choices import BillStatus, EntryKind
from guanjia.billing.models import Bill, LedgerEntry, Payment
from guanjia.billing.tests.conftest import generate, pay
from guanjia.core.errors import Conflict, NotAllowed

pytestmark = pytest.mark.django_db


def outstanding(bill):
    return selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get().outstanding


def test_generating_twice_creates_one_bill_per_unit_with_area_fee(bw):
    first = generate(bw)
    again = generate(bw)
    assert first["created"] == 2 and again == {"created": 0, "existing": 2, "credit_applied": 0}
    bill = Bill.objects.get(unit=bw.unit, period="2026-09")
    assert bill.total == Decimal("223.75") and bill.due_on == datetime.date(2026, 9, 30)
    assert [(line.description, line.amount) for line in bill.lines.all()] == [
        ("物业管理费", Decimal("223.75"))
    ]
    assert outstanding(bill) == Decimal("223.75")
    assert LedgerEntry.objects.filter(bill=bill, kind=EntryKind.CHARGE).count() == 1


def test_metered_usage_is_billed_and_meters_never_run_backwards(bw):
    services.reading_record(
        actor=bw.manager,
        data={"unit_id": bw.unit.pk, "item_id": bw.water.pk, "period": "2026-08", "reading": 100},
    )
    services.reading_record(
        actor=bw.manager,
        data={"unit_id": bw.unit.pk, "item_id": bw.water.pk, "period": "2026-09", "reading": 112.5},
    )
    services.reading_record(
        actor=bw.manager,
        data={"unit_id": bw.other_unit.pk, "item_id": bw.water.pk, "period": "2026-09", "reading": "5"},
    )
    with pytest.raises(ValidationError) as exc:
        services.reading_record(
            actor=bw.manager,
            data={"unit_id": bw.other_unit.pk, "item_id": bw.water.pk, "period": "2026-10", "reading": "4"},
        )
    assert "reading" in exc.value.message_dict
    generate(bw)
    bill = Bill.objects.get(unit=bw.unit, period="2026-09")
    water = bill.lines.get(item=bw.water)
    assert (water.quantity, water.amount) == (Decimal("12.50"), Decimal("52.50"))
    assert bill.total == Decimal("276.25")


def test_payment_goes_to_oldest_bill_first_and_the_rest_is_credit_used_by_the_next_bill(bw):
    generate(bw, "2026-08", datetime.date(2026, 8, 31))
    generate(bw, "2026-09")
    payment, created = pay(bw, bw.unit, "300.00", "k1")
    assert created and payment.receipt_no == "JY-SK2026-000001"
    aug, sep = Bill.objects.filter(unit=bw.unit).order_by("period")
    assert outstanding(aug) == 0 and outstanding(sep) == Decimal("147.50")
    pay(bw, bw.unit, "200.00", "k2")
    assert outstanding(sep) == 0
    assert selectors.unit_balance(bw.unit.pk) == {
        "owed": Decimal("0.00"),
        "credit": Decimal("52.50"),
        "balance": Decimal("-52.50"),
    }
    generate(bw, "2026-10", datetime.date(2026, 10, 31))
    oct_ = Bill.objects.get(unit=bw.unit, period="2026-10")
    assert outstanding(oct_) == Decimal("171.25")
    assert selectors.unit_balance(bw.unit.pk)["credit"] == 0


def test_posting_the_same_payment_twice_returns_the_first(bw):
    generate(bw)
    first, created = pay(bw, bw.unit, "100.00", "same-key")
    again, created_again = pay(bw, bw.unit, "100.00", "same-key", actor=bw.cashier2)
    assert created and not created_again and again.pk == first.pk
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    with pytest.raises(Conflict):
        pay(bw, bw.unit, "99.00", "same-key")
    # The same bank transfer reference is the same money, whatever key the client sends.
    t1, _ = pay(bw, bw.unit, "50.00", "t1", method="transfer", reference="BANK-1")
    t2, made = pay(bw, bw.unit, "50.00", "t2", method="transfer", reference="BANK-1")
    assert t1.pk == t2.pk and not made


def test_amounts_are_exact_cents(bw):
    with pytest.raises(ValidationError) as exc:
        pay(bw, bw.unit, "10.005", "k")
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError):
        pay(bw, bw.unit, "-1", "k")


def test_refund_needs_another_person_and_cannot_exceed_what_was_paid(bw):
    generate(bw)
    payment, _ = pay(bw, bw.unit, "223.75", "k")
    with pytest.raises(ValidationError) as exc:
        services.correction_request(
            actor=bw.desk,
            data={"kind": "refund", "payment_id": payment.pk, "amount": "223.76", "reason": "多收"},
        )
    assert "amount" in exc.value.message_dict
    refund = services.correction_request(
        actor=bw.desk, data={"kind": "refund", "payment_id": payment.pk, "amount": "23.75", "reason": "多收"}
    )
    with pytest.raises(NotAllowed):
        services.correction_decide(actor=bw.desk, correction=refund, approve=True)  # a cashier cannot approve
    services.correction_decide(actor=bw.manager, correction=refund, approve=True)
    bill = Bill.objects.get(unit=bw.unit)
    assert outstanding(bill) == Decimal("23.75")
    with pytest.raises(Conflict):
        services.correction_decide(actor=bw.manager, correction=refund, approve=True)
    # Refunds pending or approved count against what is refundable.
    with pytest.raises(ValidationError):
        services.correction_request(
            actor=bw.desk,
            data={"kind": "refund", "payment_id": payment.pk, "amount": "200.01", "reason": "x"},
        )


def test_the_one_who_asks_for_an_adjustment_cannot_approve_it(bw):
    generate(bw)
    bill = Bill.objects.get(unit=bw.unit)
    with pytest.raises(ValidationError) as exc:
        services.correction_request(
            actor=bw.manager, data={"kind": "adjustment", "bill_id": bill.pk, "amount": "-10"}
        )
    assert "reason" in exc.value.message_dict
    waiver = services.correction_request(
        actor=bw.manager,
        data={"kind": "adjustment", "bill_id": bill.pk, "amount": "-23.75", "reason": "空置减免"},
    )
    with pytest.raises(NotAllowed):
        services.correction_decide(actor=bw.manager, correction=waiver, approve=True)
    services.correction_decide(actor=bw.manager2, correction=waiver, approve=True)
    assert outstanding(bill) == Decimal("200.00")
    with pytest.raises(ValidationError):
        services.correction_request(
            actor=bw.manager,
            data={"kind": "adjustment", "bill_id": bill.pk, "amount": "-200.01", "reason": "x"},
        )


def test_deposit_refund_releases_the_deposit(bw):
    bill = services.bill_one_off(
        actor=bw.manager, data={"unit_id": bw.unit.pk, "item_id": bw.deposit.pk, "key": "d1"}
    )
    assert (
        services.bill_one_off(
            actor=bw.manager, data={"unit_id": bw.unit.pk, "item_id": bw.deposit.pk, "key": "d1"}
        ).pk
        == bill.pk
    )
    payment, _ = pay(bw, bw.unit, "2000.00", "k")
    refund = services.correction_request(
        actor=bw.desk,
        data={"kind": "refund", "payment_id": payment.pk, "amount": "2000", "reason": "装修验收合格"},
    )
    services.correction_decide(actor=bw.manager, correction=refund, approve=True)
    annotated = selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get()
    assert annotated.outstanding == 0 and annotated.status == BillStatus.PAID


def test_arrears_ageing_and_collection_rate(bw, clock):
    clock(datetime.date(2026, 10, 1))
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    generate(bw, "2026-09", datetime.date(2026, 9, 30))
    pay(bw, bw.other_unit, "447.50", "k")  # 1202 pays both months
    pay(bw, bw.unit, "100.00", "k2")  # 1201 pays part of January
    rows = selectors.shape_arrears(selectors.arrears(bw.admin, today=datetime.date(2026, 10, 15)))
    assert rows == [
        {
            "as_of": datetime.date(2026, 10, 15),
            "unit_id": bw.unit.pk,
            "unit": "1栋-1201",
            "project_id": bw.project.pk,
            "project_name": "金苑小区",
            "total": Decimal("347.50"),
            "d30": Decimal("223.75"),
            "d90": Decimal("0.00"),
            "d180": Decimal("0.00"),
            "older": Decimal("123.75"),
        }
    ]
    rates = {
        r["period"]: r for r in selectors.collection(bw.admin, period_from="2026-01", period_to="2026-12")
    }
    assert rates["2026-01"]["billed"] == Decimal("447.50") and rates["2026-01"]["collected"] == Decimal(
        "323.75"
    )
    assert rates["2026-01"]["rate"] == Decimal("72.3")
    assert rates["2026-09"]["rate"] == Decimal("50.0")
