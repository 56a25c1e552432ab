"""Late fees (滞纳金): off by default; a daily rate from the grace date on the principal still owed,
never on the late fee itself, up to a cap; the same amounts however often or late the job runs;
waived only by a second person; shown apart on the bill."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.billing import selectors, services
from guanjia.billing.choices import EntryKind
from guanjia.billing.models import Bill, LedgerEntry
from guanjia.billing.selectors import q2
from guanjia.billing.services.late_fees import late_fee_due
from guanjia.billing.tests.conftest import at, generate, pay
from guanjia.core.errors import NotAllowed

D = datetime.date


def turn_on(w, **extra):
    data = {
        "project_id": w.project.pk,
        "enabled": True,
        "daily_rate": Decimal("0.0005"),
        "grace_days": 5,
        "cap_percent": Decimal("10"),
        "starts_on": D(2026, 9, 1),
        **extra,
    }
    return services.late_fee_policy_set(actor=w.manager, data=data)


def bill_of(w, unit=None):
    return Bill.objects.get(unit=unit or w.unit, period="2026-09")


def late(bill):
    return selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get().late_fee


def test_off_by_default(bw, clock):
    clock(D(2026, 9, 1))
    generate(bw)
    assert services.late_fees_accrue(as_of=D(2026, 12, 31))["bills"] == 0
    assert not LedgerEntry.objects.filter(kind=EntryKind.LATE_FEE).exists()


def test_accrues_from_the_grace_date_the_same_however_often_or_late_the_job_runs(bw, clock):
    clock(D(2026, 9, 1))
    generate(bw)  # 223.75 each, due 2026-09-30
    turn_on(bw)
    assert services.late_fees_accrue(as_of=D(2026, 10, 5))["bills"] == 0  # within the grace days
    # Unit 1201: the job every day; unit 1202 is only in the last run (the worker was down): same.
    for day in range(6, 11):
        services.late_fees_accrue(as_of=D(2026, 10, day))
    services.late_fees_accrue(as_of=D(2026, 10, 10))  # twice the same day: nothing more
    first, second = bill_of(bw), bill_of(bw, bw.other_unit)
    # 5 days × 223.75 × 0.0005 = 0.559375 → 0.56
    assert late(first) == late(second) == Decimal("0.56")
    row = selectors.with_amounts(Bill.objects.filter(pk=first.pk)).get()
    assert row.outstanding == Decimal("224.31") and row.billed - row.late_fee == Decimal("223.75")


def test_a_payment_stops_it_and_it_never_compounds_nor_passes_the_cap(bw, clock):
    clock(D(2026, 9, 1))
    generate(bw)
    turn_on(bw, cap_percent=Decimal("1"))  # at most 2.24
    clock(D(2026, 10, 8))
    pay(bw, bw.unit, "223.75", "k-1")  # at 10:00 on 10-08: that day still counts (owed at its start)
    services.late_fees_accrue(as_of=D(2027, 6, 30))
    assert late(bill_of(bw)) == q2(Decimal("223.75") * Decimal("0.0005") * 3)  # 10-06 … 10-08
    assert late(bill_of(bw, bw.other_unit)) == Decimal("2.24")  # the cap, not 0.0005 × 273 days
    # The late fee still owed does not earn a late fee: later runs add nothing.
    services.late_fees_accrue(as_of=D(2027, 12, 31))
    assert late(bill_of(bw)) == Decimal("0.34")


def test_waived_only_by_a_second_person_and_not_made_up_again(bw, clock):
    clock(D(2026, 9, 1))
    generate(bw)
    turn_on(bw)
    services.late_fees_accrue(as_of=D(2026, 10, 10))
    bill = bill_of(bw)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as too_much:
        services.correction_request(
            actor=bw.desk, data={"kind": "late_waiver", "bill_id": bill.pk, "amount": "0.57", "reason": "x"}
        )
    assert "amount" in too_much.value.message_dict
    waiver = services.correction_request(
        actor=bw.manager,
        data={"kind": "late_waiver", "bill_id": bill.pk, "amount": "0.56", "reason": "首次逾期"},
    )
    with pytest.raises(NotAllowed):
        services.correction_decide(actor=bw.manager, correction=waiver, approve=True)
    services.correction_decide(actor=bw.manager2, correction=waiver, approve=True)
    assert late(bill) == Decimal("0.00")
    services.late_fees_accrue(as_of=D(2026, 10, 10))
    assert late(bill) == Decimal("0.00")
    services.late_fees_accrue(as_of=D(2026, 10, 11))  # one more day: 0.111875 → 0.11 more
    assert late(bill) == Decimal("0.11")


def test_policy_input_is_checked(bw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as bad:
        turn_on(bw, daily_rate=Decimal("0.5"))
    assert "daily_rate" in bad.value.message_dict


# The rule as a function of the history ---------------------------------------------------------------

POLICY = SimpleNamespace(
    grace_days=3, starts_on=D(2026, 1, 1), daily_rate=Decimal("0.0005"), cap_percent=Decimal("20")
)
BILL = SimpleNamespace(due_on=D(2026, 1, 31))
cents = st.integers(min_value=1, max_value=5_000_00).map(lambda c: Decimal(c) / 100)


@settings(max_examples=200, deadline=None)
@given(
    charge=cents,
    payments=st.lists(st.tuples(st.integers(min_value=0, max_value=200), cents), max_size=5),
    runs=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8),
)
def test_late_fee_is_monotone_capped_and_the_same_however_the_runs_fall(charge, payments, runs):
    start = at(D(2026, 1, 1))
    entries = [(start, EntryKind.CHARGE, charge)]
    for offset, amount in sorted(payments):
        entries.append((at(D(2026, 2, 1) + datetime.timedelta(days=offset)), EntryKind.PAYMENT, -amount))
    entries.sort(key=lambda e: e[0])
    cap = q2(charge * POLICY.cap_percent / 100)
    written, last = Decimal(0), Decimal(0)
    end = D(2026, 2, 1) + datetime.timedelta(days=max(runs))
    for offset in sorted(runs):
        due = late_fee_due(BILL, POLICY, D(2026, 2, 1) + datetime.timedelta(days=offset), entries)
        assert due >= last and due <= cap and due == q2(due)
        written += max(due - written, Decimal(0))  # what the job writes: the difference
        last = due
    assert written == late_fee_due(BILL, POLICY, end, entries)
    # Constant principal until the first payment: the closed form, before the cap.
    if not payments:
        days = max((end - D(2026, 2, 3)).days, 0)  # from 02-04, the day after the grace date
        assert written == min(q2(charge * POLICY.daily_rate * days), cap), (end, days, runs)
