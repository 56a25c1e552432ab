"""Plates, the vehicle register, parking spaces rented through the fee ledger, temporary vehicles and
their fee, the blacklist; isolation across companies."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.billing import services as billing
from guanjia.billing.models import BillLine, UnitCharge
from guanjia.gate import services
from guanjia.gate.fees import parking_fee
from guanjia.gate.models import ParkingSpace, TemporaryVisit, Vehicle
from guanjia.gate.plates import is_plate, normalize_plate
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "plate", ["粤B12345", "京A1234学", "粤BD12345", "沪ADA1234", "粤B12345D", "川AZ9X88"]
)
def test_chinese_plates_are_recognised(plate):
    assert is_plate(plate)


@pytest.mark.parametrize(
    "plate", ["粤B1234", "粤BI2345", "AB12345", "粤B123456", "粤BX12345", "粤B1234D5", "美A12345"]
)
def test_other_strings_are_not_plates(plate):
    assert not is_plate(plate)


def test_what_a_guard_types_is_normalised():
    assert normalize_plate(" 粤b·d1234 5 ") == "粤BD12345"


TARIFF = {"free_minutes": 30, "per_hour": Decimal("5.00"), "daily_cap": Decimal("40.00")}
T0 = datetime.datetime(2026, 12, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("minutes", "fee"),
    [
        (0, "0.00"),
        (30, "0.00"),
        (31, "5.00"),
        (60, "5.00"),
        (61, "10.00"),
        (600, "40.00"),
        (1441, "45.00"),
        (2880, "80.00"),
    ],
)
def test_the_temporary_parking_fee(minutes, fee):
    assert parking_fee(T0, T0 + datetime.timedelta(minutes=minutes), **TARIFF) == Decimal(fee)


@given(st.integers(min_value=0, max_value=10 * 1440))
def test_the_fee_never_exceeds_the_caps_and_grows_with_time(minutes):
    fee = parking_fee(T0, T0 + datetime.timedelta(minutes=minutes), **TARIFF)
    later = parking_fee(T0, T0 + datetime.timedelta(minutes=minutes + 1), **TARIFF)
    assert Decimal("0") <= fee <= later
    assert fee <= TARIFF["daily_cap"] * (minutes // 1440 + 1)


def test_the_vehicle_register_refuses_bad_and_duplicate_plates_and_is_scoped(gw):
    desk = Api(gw.desk)
    made = desk.post(
        "gate/vehicles", {"unit_id": gw.unit.pk, "plate": "粤BD12345", "owner_id": gw.resident.pk}
    )
    assert made.status_code == 201, made.content
    again = desk.post("gate/vehicles", {"unit_id": gw.other_unit.pk, "plate": "粤bd12345"})
    assert again.status_code == 422 and "plate" in again.json()["errors"]
    bad = desk.post("gate/vehicles", {"unit_id": gw.unit.pk, "plate": "粤B1234"})
    assert bad.status_code == 422 and "plate" in bad.json()["errors"]
    not_theirs = desk.post(
        "gate/vehicles", {"unit_id": gw.unit.pk, "plate": "粤B55555", "owner_id": gw.other_resident.pk}
    )
    assert not_theirs.status_code == 422 and "owner_id" in not_theirs.json()["errors"]
    assert [v["plate"] for v in Api(gw.resident_user).get("gate/vehicles").json()["items"]] == ["粤BD12345"]
    assert Api(gw.other_resident_user).get("gate/vehicles").json()["count"] == 0
    assert Api(gw.foreign_admin).get("gate/vehicles").json()["count"] == 0
    assert (
        Api(gw.foreign_admin).patch(f"gate/vehicles/{made.json()['id']}", {"color": "红"}).status_code == 404
    )
    # A resident may look, not change.
    assert (
        Api(gw.resident_user).post("gate/vehicles", {"unit_id": gw.unit.pk, "plate": "粤B77777"}).status_code
        == 403
    )
    assert Vehicle.objects.count() == 1


def test_renting_a_space_bills_its_rent_with_the_units_monthly_bill(gw):
    space = services.space_create(actor=gw.manager, data={"project_id": gw.project.pk, "number": "B-012"})
    rented = Api(gw.manager).post(
        f"gate/spaces/{space.pk}/rent", {"unit_id": gw.unit.pk, "monthly_rent": "300.00"}
    )
    assert rented.status_code == 200, rented.content
    assert rented.json()["kind"] == "rented"
    registration = UnitCharge.objects.get(unit=gw.unit)
    assert registration.unit_price == Decimal("300.00") and registration.item.name == "车位租赁费"
    period = billing.current_period()
    billing.bills_generate(actor=gw.manager, project=gw.project, period=period)
    line = BillLine.objects.get(item=registration.item)
    assert line.bill.unit_id == gw.unit.pk and line.amount == Decimal("300.00")
    # A second space for the same household is refused naming the unit; the desk may not rent at all.
    second = services.space_create(actor=gw.manager, data={"project_id": gw.project.pk, "number": "B-013"})
    refused = Api(gw.manager).post(
        f"gate/spaces/{second.pk}/rent", {"unit_id": gw.unit.pk, "monthly_rent": "300"}
    )
    assert refused.status_code == 422 and "unit_id" in refused.json()["errors"]
    assert (
        Api(gw.desk)
        .post(f"gate/spaces/{second.pk}/rent", {"unit_id": gw.other_unit.pk, "monthly_rent": "300"})
        .status_code
        == 403
    )
    released = Api(gw.manager).post(f"gate/spaces/{space.pk}/release")
    assert released.status_code == 200 and released.json()["kind"] == "temporary"
    assert not UnitCharge.objects.filter(unit=gw.unit).exists()
    assert ParkingSpace.objects.get(pk=second.pk).kind == "temporary"


def test_a_temporary_vehicle_pays_by_the_tariff_at_the_exit(gw):
    Api(gw.manager)._call(
        "put",
        "gate/tariff",
        {"project_id": gw.project.pk, "free_minutes": 15, "per_hour": "6", "daily_cap": "50"},
    )
    guard = Api(gw.guard)
    with mock.patch("guanjia.gate.services.common._now", return_value=T0):
        entered = guard.post("gate/temporary", {"gate_id": gw.gate.pk, "plate": "浙A12345"})
    assert entered.status_code == 201, entered.content
    visit_id = entered.json()["id"]
    with mock.patch("guanjia.gate.services.common._now", return_value=T0):
        twice = guard.post("gate/temporary", {"gate_id": gw.gate.pk, "plate": "浙A12345"})
    assert twice.status_code == 409
    with mock.patch(
        "guanjia.gate.services.common._now", return_value=T0 + datetime.timedelta(hours=2, minutes=10)
    ):
        short = guard.post(f"gate/temporary/{visit_id}/exit", {"gate_id": gw.gate.pk, "paid": "10"})
        assert short.status_code == 422 and "paid" in short.json()["errors"]
        paid = guard.post(f"gate/temporary/{visit_id}/exit", {"gate_id": gw.gate.pk, "pay_method": "wechat"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["fee"] == "18.00" and paid.json()["paid"] == "18.00"
    visit = TemporaryVisit.objects.get(pk=visit_id)
    assert visit.cashier_id == gw.guard.pk and visit.pay_method == "wechat"
    # Residents' cars are not temporary; another company's guard sees none of it.
    services.vehicle_create(actor=gw.desk, data={"unit_id": gw.unit.pk, "plate": "粤B11111"})
    resident_car = guard.post("gate/temporary", {"gate_id": gw.gate.pk, "plate": "粤B11111"})
    assert resident_car.status_code == 422 and "plate" in resident_car.json()["errors"]
    assert Api(gw.foreign_guard).get("gate/temporary").json()["count"] == 0
    assert (
        Api(gw.foreign_guard)
        .post(f"gate/temporary/{visit_id}/exit", {"gate_id": gw.foreign_gate.pk})
        .status_code
        == 404
    )


def test_the_guard_is_warned_of_a_blacklisted_plate(gw):
    added = Api(gw.guard).post(
        "gate/blacklist", {"project_id": gw.project.pk, "plate": "粤B66666", "reason": "多次强闯道闸"}
    )
    assert added.status_code == 201
    facts = Api(gw.guard).get("gate/plate-check", project_id=gw.project.pk, plate="粤b66666").json()
    assert facts["blacklisted"] and facts["blacklist_reason"] == "多次强闯道闸"
    assert Api(gw.foreign_guard).get("gate/blacklist").json()["count"] == 0
    bad = Api(gw.guard).post("gate/blacklist", {"project_id": gw.project.pk, "plate": "ABC", "reason": "x"})
    assert bad.status_code == 422 and "plate" in bad.json()["errors"]
