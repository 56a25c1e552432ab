"""催缴 by hand from the bill list: each bill ticked reminds its unit's residents once a day, a paid
bill or a unit nobody can be told about is refused by name, another estate's bill is never touched;
and the bill list's export holds exactly the bills the filter shows."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.billing import exports, services
from guanjia.billing.models import Bill
from guanjia.billing.services import common
from guanjia.billing.tests.conftest import generate, pay
from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sibling_bill(bw) -> Bill:
    """A bill of the company's other estate (P2), which P1's desk does not serve."""
    unit = f.UnitFactory(building=f.BuildingFactory(project=bw.sibling_project, name="A座"), number="808")
    f.OccupancyFactory(unit=unit, resident__user=f.UserFactory(company=bw.company))
    return services.bill_one_off(actor=bw.admin, data={"unit_id": unit.pk, "item_id": bw.deposit.pk})


@pytest.fixture
def bills(bw):
    generate(bw)
    owed = Bill.objects.get(unit=bw.unit, period="2026-09")
    paid = Bill.objects.get(unit=bw.other_unit, period="2026-09")
    pay(bw, bw.other_unit, "223.75", "paid-in-full")
    return owed, paid, sibling_bill(bw)


def reminders_to(user) -> int:
    return Notification.objects.filter(
        recipient=user, subject__startswith="缴费提醒", channel="in_app"
    ).count()


def test_bulk_remind_notifies_the_payers_once_a_day_and_names_every_refusal(bw, bills, monkeypatch):
    owed, paid, elsewhere = bills
    # Noon in Shanghai: five minutes later is still the same day, whenever the test runs.
    now = timezone.localtime(common._now()).replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(common, "_now", lambda: now)

    result = services.bills_bulk_remind(actor=bw.desk, ids=[owed.pk, paid.pk, elsewhere.pk])

    got = {item.id: (item.outcome, item.message) for item in result.items}
    assert got[owed.pk] == ("done", "")
    assert got[paid.pk] == ("refused", "账单已结清，无需催缴")
    assert got[elsewhere.pk] == ("refused", "不存在或无权查看")
    assert result.summary() == "已催缴 1 条，未执行 2 条"
    assert reminders_to(bw.resident_user) == 1
    assert reminders_to(bw.other_resident_user) == 0
    owed.refresh_from_db()
    elsewhere.refresh_from_db()
    assert owed.reminded_at == now and elsewhere.reminded_at is None
    change = ObjectChange.objects.filter(object_id=str(owed.pk), changes__has_key="reminded_at").get()
    assert change.actor == bw.desk

    # The same day again: nothing sent, and the desk reads when it went.
    monkeypatch.setattr(common, "_now", lambda: now + datetime.timedelta(minutes=5))
    again = services.bills_bulk_remind(actor=bw.desk, ids=[owed.pk])
    assert again.items[0].outcome == "skipped" and "今天" in again.items[0].message
    assert reminders_to(bw.resident_user) == 1

    # The next day it goes again.
    monkeypatch.setattr(common, "_now", lambda: now + datetime.timedelta(days=1))
    assert services.bills_bulk_remind(actor=bw.desk, ids=[owed.pk]).items[0].outcome == "done"
    assert reminders_to(bw.resident_user) == 2


def test_a_unit_with_no_resident_account_is_refused_with_what_to_do(bw, bills):
    owed, _paid, _elsewhere = bills
    bw.resident.user = None
    bw.resident.save()
    result = services.bills_bulk_remind(actor=bw.desk, ids=[owed.pk])
    assert result.items[0].outcome == "refused" and "请电话或上门催缴" in result.items[0].message


def test_the_bill_list_has_the_bulk_bar_and_reports_each_bill(bw, bills):
    owed, paid, _elsewhere = bills
    desk = login(bw.desk)
    page = desk.get("/billing/", {"period": "2026-09"}).content.decode()
    assert f'name="ids" value="{owed.pk}" form="bulk-form"' in page
    assert "/data/export/bills.xlsx?period=2026-09" in page
    response = desk.post("/billing/remind/", {"ids": [owed.pk, paid.pk], "next": "/billing/?period=2026-09"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "已催缴 1 条，未执行 1 条" in body and "1202 2026-09" in body and "账单已结清" in body
    assert "已催缴" in desk.get("/billing/", {"period": "2026-09"}).content.decode()
    # Someone who may only look at bills has no bulk bar and may not remind.
    hq = login(bw.hq)
    assert 'data-testid="bulk-bar"' not in hq.get("/billing/").content.decode()
    assert hq.post("/billing/remind/", {"ids": [owed.pk]}).status_code == 403


def test_the_api_reminds_with_a_result_per_bill(bw, bills):
    owed, paid, elsewhere = bills
    response = Api(bw.desk).post("bills/remind", {"ids": [owed.pk, paid.pk, elsewhere.pk]})
    assert response.status_code == 200, response.content
    assert [(i["id"], i["outcome"]) for i in response.json()["items"]] == [
        (owed.pk, "done"),
        (paid.pk, "refused"),
        (elsewhere.pk, "refused"),
    ]
    assert Api(bw.desk).post("bills/remind", {"ids": []}).status_code == 422


def test_the_bill_export_is_the_filtered_list(bw, bills):
    owed, _paid, _elsewhere = bills
    services.bill_one_off(
        actor=bw.admin, data={"unit_id": bw.unit.pk, "item_id": bw.deposit.pk, "amount": Decimal("100")}
    )
    desk = login(bw.desk)
    response = desk.get("/data/export/bills.xlsx")
    assert response.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    _form, shown = exports.bills_list(bw.desk, {})
    assert [(r[1], r[2]) for r in rows[1:]] == [(exports.unit_label(b), b.period) for b in shown]
    assert len(rows) - 1 == 3  # P1's two monthly bills and the deposit; never P2's

    filtered = desk.get("/data/export/bills.xlsx", {"period": "2026-09", "status": "open"})
    rows = [list(r) for r in load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True)]
    assert [r[1] for r in rows[1:]] == [exports.unit_label(owed)]
