"""The fee resources through the API: the scoping battery for each, and the rules users notice."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from guanjia.billing.choices import ChargeKind, Meter
from guanjia.billing.models import (
    Bill,
    ChargeItem,
    LedgerEntry,
    MeterReading,
    Payment,
    ProjectCharge,
    UnitCharge,
)
from guanjia.billing.tests.conftest import generate, pay
from guanjia.core.models import ObjectChange
from guanjia.estates.models import Unit
from guanjia.testing.api import Api, ScopedResourceBattery, ids, snapshot

pytestmark = pytest.mark.django_db


def _item(world, name="物业管理费", kind=ChargeKind.AREA, **extra):
    item, _ = ChargeItem.objects.get_or_create(
        company=world.company, name=name, defaults={"kind": kind, "unit_price": Decimal("2.50"), **extra}
    )
    return item


def _unit_of(project):
    return Unit.objects.filter(project=project).order_by("id").first()


class TestChargeItems(ScopedResourceBattery):
    resource = "charge-items"
    update_payload = {"unit_price": "3.1000"}

    def make(self, world, project):
        return _item(world, name=f"停车费{ChargeItem.objects.count()}", kind=ChargeKind.FIXED)

    def create_payload(self, world):
        return {"name": "垃圾清运费", "kind": "fixed", "unit_price": "15.00"}

    # Charge items belong to the company, not to a project: another project's desk sees them too.
    @pytest.mark.parametrize("intruder", ["foreign_admin", "other_resident_user"])
    def test_out_of_scope_user_cannot_list_read_change_or_delete(self, world, intruder):
        super().test_out_of_scope_user_cannot_list_read_change_or_delete(world, intruder)


class TestProjectCharges(ScopedResourceBattery):
    resource = "project-charges"
    update_payload = {"unit_price": "2.8000"}

    def make(self, world, project):
        item = _item(world, name=f"项目{project.pk}管理费")
        return ProjectCharge.objects.create(company=world.company, project=project, item=item)

    def create_payload(self, world):
        return {
            "project_id": world.project.pk,
            "item_id": _item(world, name="水费新", kind="fixed").pk,
            "scope": "all",
        }


class TestUnitCharges(ScopedResourceBattery):
    resource = "unit-charges"
    updatable = False
    update_payload = {}

    def make(self, world, project):
        item = _item(world, name="车位费", kind=ChargeKind.FIXED)
        return UnitCharge.objects.create(
            company=world.company, project=project, unit=_unit_of(project), item=item
        )

    def create_payload(self, world):
        return {
            "unit_id": world.other_unit.pk,
            "item_id": _item(world, name="车位费", kind="fixed").pk,
            "note": "B2-017",
        }


class TestMeterReadings(ScopedResourceBattery):
    resource = "meter-readings"
    updatable = False
    update_payload = {}

    def make(self, world, project):
        item = _item(world, name="水费", kind=ChargeKind.METERED, meter=Meter.WATER)
        return MeterReading.objects.create(
            company=world.company,
            project=project,
            unit=_unit_of(project),
            item=item,
            period="2026-08",
            reading=Decimal("10"),
            previous=Decimal("10"),
            read_on=datetime.date(2026, 8, 25),
        )

    def create_payload(self, world):
        item = _item(world, name="水费", kind=ChargeKind.METERED, meter=Meter.WATER)
        return {"period": "2026-09", "unit_id": world.other_unit.pk, "item_id": item.pk, "reading": "20.5"}


def test_reading_going_backwards_is_422_naming_reading(bw):
    api = Api(bw.manager)
    body = {"unit_id": bw.unit.pk, "item_id": bw.water.pk, "period": "2026-08", "reading": "100"}
    assert api.post("meter-readings", body).status_code == 201
    response = api.post("meter-readings", {**body, "period": "2026-09", "reading": "99.99"})
    assert response.status_code == 422 and "reading" in response.json()["errors"]


def test_bills_generate_once_and_list_with_amounts(bw):
    api = Api(bw.manager)
    body = {"project_id": bw.project.pk, "period": "2026-09", "due_on": "2026-09-30"}
    assert api.post("bills/generate", body).json() == {"created": 2, "existing": 0, "credit_applied": 0}
    assert api.post("bills/generate", body).json() == {"created": 0, "existing": 2, "credit_applied": 0}
    listed = api.get("bills", project_id=bw.project.pk, period="2026-09", status="open").json()
    assert listed["count"] == 2
    row = next(r for r in listed["items"] if r["unit_id"] == bw.unit.pk)
    assert (row["unit"], row["total"], row["outstanding"], row["status"]) == (
        "1栋-1201",
        "223.75",
        "223.75",
        "open",
    )
    detail = api.get(f"bills/{row['id']}").json()
    assert [line["amount"] for line in detail["lines"]] == ["223.75"]
    assert [e["kind"] for e in detail["entries"]] == ["charge"]
    # The desk takes money but does not issue bills.
    assert Api(bw.desk).post("bills/generate", body).status_code == 403
    # Another company's project is 404, like a missing one.
    assert (
        Api(bw.foreign_admin).post("bills/generate", {**body, "project_id": bw.project.pk}).status_code == 404
    )


def test_payment_posted_twice_returns_the_first_and_receipt(bw):
    generate(bw)
    api = Api(bw.desk)
    body = {"unit_id": bw.unit.pk, "amount": "100.00", "method": "cash", "idempotency_key": "pos-1"}
    first = api.post("payments", body)
    second = api.post("payments", body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and first.json()["receipt_no"] == "JY-SK2026-000001"
    assert Payment.objects.count() == 1
    assert api.post("payments", {**body, "amount": "101.00"}).status_code == 409
    assert api.get("bills", unit_id=bw.unit.pk).json()["items"][0]["status"] == "partial"


def test_another_companys_unit_is_not_reachable(bw):
    generate(bw)
    bill = Bill.objects.get(unit=bw.unit)
    foreign = Api(bw.foreign_admin)
    assert foreign.get(f"bills/{bill.pk}").status_code == 404
    body = {"unit_id": bw.unit.pk, "amount": "100.00", "method": "cash", "idempotency_key": "x"}
    response = foreign.post("payments", body)
    assert response.status_code == 422 and "unit_id" in response.json()["errors"]
    assert foreign.get(f"units/{bw.unit.pk}/statement").status_code == 404
    assert Api(bw.sibling_desk).get(f"bills/{bill.pk}").status_code == 404
    assert Payment.objects.count() == 0


def test_refund_over_paid_is_422_and_approval_by_someone_else(bw):
    generate(bw)
    payment, _ = pay(bw, bw.unit, "223.75", "k")
    desk = Api(bw.desk)
    too_much = desk.post("refunds", {"payment_id": payment.pk, "amount": "300.00", "reason": "多收"})
    assert too_much.status_code == 422 and "amount" in too_much.json()["errors"]
    asked = desk.post("refunds", {"payment_id": payment.pk, "amount": "23.75", "reason": "多收"})
    assert asked.status_code == 201
    pk = asked.json()["id"]
    assert desk.post(f"corrections/{pk}/approve", {}).status_code == 403
    approved = Api(bw.manager).post(f"corrections/{pk}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Api(bw.manager).post(f"corrections/{pk}/approve", {}).status_code == 409
    statement = desk.get(f"units/{bw.unit.pk}/statement").json()
    assert statement["owed"] == "23.75"
    assert [e["kind"] for e in statement["entries"]] == ["charge", "payment", "refund"]


def test_adjustment_needs_a_reason(bw):
    generate(bw)
    bill = Bill.objects.get(unit=bw.unit)
    response = Api(bw.desk).post("adjustments", {"bill_id": bill.pk, "amount": "-10.00", "reason": ""})
    assert response.status_code == 422 and "reason" in response.json()["errors"]


def test_resident_sees_only_own_bills_and_payments(bw):
    generate(bw)
    pay(bw, bw.unit, "10.00", "a")
    pay(bw, bw.other_unit, "10.00", "b")
    mine = Api(bw.resident_user)
    assert ids(mine.get("bills")) == set(Bill.objects.filter(unit=bw.unit).values_list("id", flat=True))
    assert ids(mine.get("payments")) == set(Payment.objects.filter(unit=bw.unit).values_list("id", flat=True))
    other_bill = Bill.objects.get(unit=bw.other_unit)
    assert mine.get(f"bills/{other_bill.pk}").status_code == 404
    assert (
        mine.post(
            "payments", {"unit_id": bw.unit.pk, "amount": "1.00", "method": "cash", "idempotency_key": "r"}
        ).status_code
        == 403
    )
    assert mine.get("corrections").status_code == 403
    assert mine.get("billing/arrears").status_code == 403


def test_figures_through_the_api(bw, clock):
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    clock(datetime.date(2026, 1, 20))
    pay(bw, bw.other_unit, "223.75", "k")
    arrears = Api(bw.manager).get("billing/arrears", on="2026-03-15").json()
    assert [(r["unit"], r["total"], r["d90"]) for r in arrears["items"]] == [("1栋-1201", "223.75", "223.75")]
    rates = Api(bw.hq).get("billing/collection-rate", period_from="2026-01", period_to="2026-01").json()
    assert [(r["project_name"], r["billed"], r["collected"], r["rate"]) for r in rates] == [
        ("金苑小区", "447.50", "223.75", "50.0")
    ]
    assert (
        Api(bw.foreign_admin)
        .get("billing/collection-rate", period_from="2026-01", period_to="2026-01")
        .json()
        == []
    )


def test_figures_are_one_query_whatever_the_number_of_units(bw, clock, django_assert_max_num_queries):
    from guanjia.billing import selectors
    from guanjia.testing import factories as f

    for _ in range(5):
        f.OccupancyFactory(unit=f.UnitFactory(building=bw.building))
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    from guanjia.core.scoping import scope_for

    scope_for(bw.admin)
    with django_assert_max_num_queries(1):
        assert len(list(selectors.arrears(bw.admin, today=datetime.date(2026, 6, 1)))) == 7
    with django_assert_max_num_queries(1):
        assert len(selectors.collection(bw.admin, period_from="2026-01", period_to="2026-12")) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_cashiers_at_once_post_exactly(bw):  # pragma: no cover - runs on the PostgreSQL CI leg
    generate(bw)
    errors = []

    def cashier(user, key):
        try:
            pay(bw, bw.unit, "100.00", key, actor=user)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cashier, args=(u, k)) for u, k in ((bw.desk, "a"), (bw.cashier2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(Payment.objects.values_list("receipt_no", flat=True)) == [
        "JY-SK2026-000001",
        "JY-SK2026-000002",
    ]
    paid = -sum(e.amount for e in LedgerEntry.objects.filter(kind="payment", bill__isnull=False))
    assert paid == Decimal("200.00")


def test_refused_calls_change_nothing(bw):
    generate(bw)
    bill = Bill.objects.get(unit=bw.unit)
    before, changes = snapshot(bill), ObjectChange.objects.count()
    Api(bw.technician).post(
        "payments", {"unit_id": bw.unit.pk, "amount": "1.00", "method": "cash", "idempotency_key": "t"}
    )
    assert snapshot(bill) == before and ObjectChange.objects.count() == changes


def test_door_to_door_visit_is_booked_a_day_ahead_and_closed_once(bw):
    from django.utils import timezone

    desk = Api(bw.desk)
    today = timezone.localtime()
    body = {"unit_id": bw.unit.pk, "collector_id": bw.desk.pk, "visit_at": today.isoformat()}
    same_day = desk.post("collection-visits", body)
    assert same_day.status_code == 422 and "visit_at" in same_day.json()["errors"]
    technician = desk.post("collection-visits", {**body, "collector_id": bw.technician.pk})
    assert technician.status_code == 422 and "collector_id" in technician.json()["errors"]
    tomorrow = (today + datetime.timedelta(days=1)).replace(hour=19, minute=0)
    booked = desk.post(
        "collection-visits", {**body, "visit_at": tomorrow.isoformat(), "note": "业主晚上在家"}
    )
    assert booked.status_code == 201, booked.content
    pk = booked.json()["id"]
    payment, _ = pay(bw, bw.unit, "50.00", "door")
    done = desk.post(f"collection-visits/{pk}/close", {"status": "done", "payment_id": payment.pk})
    assert done.status_code == 200 and done.json()["payment_id"] == payment.pk
    assert desk.post(f"collection-visits/{pk}/close", {"status": "missed"}).status_code == 409
    assert Api(bw.sibling_desk).get(f"collection-visits/{pk}").status_code == 404
