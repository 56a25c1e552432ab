"""Demo data of fees: charge items, three months of bills, payments and arrears; seeding again adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from guanjia.billing import selectors
from guanjia.billing.models import Bill, ChargeItem, MeterReading, Payment
from guanjia.core.models import Company
from guanjia.notifications.models import Notification
from guanjia.staff.models import StaffMember

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


@pytest.mark.django_db
def test_demo_has_bills_payments_and_arrears_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    company = (
        Company.objects.get(short_code="JY")
        if Company.objects.filter(short_code="JY").exists()
        else Company.objects.first()
    )
    counts = (
        ChargeItem.objects.count(),
        Bill.objects.count(),
        Payment.objects.count(),
        MeterReading.objects.count(),
    )
    assert counts[0] >= 4 and counts[1] > 100 and counts[2] > 50 and counts[3] > 100
    admin = StaffMember.objects.filter(company=company, roles__role="company_admin").first().user
    rates = selectors.collection(admin, period_from="2000-01", period_to="2100-12")
    # This month is young: only the payments already made count (the demo writes none ahead of now).
    assert rates and all(0 <= r["rate"] <= 100 for r in rates if r["rate"] is not None)
    assert any(r["rate"] and r["rate"] > 50 for r in rates)
    assert list(selectors.arrears(admin, today=timezone.localdate()))
    assert (
        Notification.objects.count() == 0
        or not Notification.objects.filter(dedup_key__startswith="billing").exists()
    )
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    assert (
        ChargeItem.objects.count(),
        Bill.objects.count(),
        Payment.objects.count(),
        MeterReading.objects.count(),
    ) == counts
