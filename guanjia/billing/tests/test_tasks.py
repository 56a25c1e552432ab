"""The jobs: monthly generation and arrears reminders, each idempotent."""

import datetime

import pytest

from guanjia.billing import services, tasks
from guanjia.billing.models import Bill
from guanjia.billing.tests.conftest import generate, pay
from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_monthly_generation_twice_issues_each_bill_once(bw):
    first = tasks.run_generation()
    second = tasks.run_generation()
    assert first == 2 and second == 0
    period = services.current_period()
    assert Bill.objects.filter(period=period).count() == 2
    bill = Bill.objects.filter(period=period).first()
    change = ObjectChange.objects.filter(object_id=str(bill.pk), content_type__model="bill").get()
    assert change.source == "job" and change.actor is None


def test_reminders_once_per_bill_and_month_and_only_to_the_units_people(bw):
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    pay(bw, bw.other_unit, "223.75", "k")  # 1202 has paid: no reminder
    made = services.remind_arrears(today=datetime.date(2026, 2, 5))
    again = services.remind_arrears(today=datetime.date(2026, 2, 15))
    assert made >= 1 and again == 0
    reminded = set(Notification.objects.values_list("recipient_id", flat=True))
    assert reminded == {bw.resident_user.pk}
    # Next month the bill, still unpaid, is reminded again.
    assert services.remind_arrears(today=datetime.date(2026, 3, 5)) == made
