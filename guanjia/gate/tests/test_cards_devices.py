"""Access cards (issue, revoke on move-out, the daily job, the guard's deactivation list) and the
hardware interface (device token, allow-lists, events once per event id)."""

import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates import services as estates
from guanjia.estates.models import Occupancy
from guanjia.gate import services
from guanjia.gate.models import AccessCard, GateLogEntry, TemporaryVisit
from guanjia.gate.tests.conftest import invite
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def resident_card(gw, number="C1001", **extra):
    data = {"holder_kind": "resident", "number": number, "unit_id": gw.unit.pk, "resident_id": gw.resident.pk}
    data.update(extra)
    return services.card_issue(actor=gw.desk, data=data)


def test_a_card_is_issued_to_someone_living_in_the_unit_only(gw):
    desk = Api(gw.desk)
    wrong = desk.post(
        "gate/cards",
        {
            "holder_kind": "resident",
            "number": "C1",
            "unit_id": gw.unit.pk,
            "resident_id": gw.other_resident.pk,
        },
    )
    assert wrong.status_code == 422 and "resident_id" in wrong.json()["errors"]
    made = desk.post(
        "gate/cards",
        {"holder_kind": "resident", "number": "c1", "unit_id": gw.unit.pk, "resident_id": gw.resident.pk},
    )
    assert made.status_code == 201 and made.json()["number"] == "C1"
    twice = desk.post(
        "gate/cards",
        {"holder_kind": "resident", "number": "C1", "unit_id": gw.unit.pk, "resident_id": gw.resident.pk},
    )
    assert twice.status_code == 422 and "number" in twice.json()["errors"]
    assert [c["number"] for c in Api(gw.resident_user).get("gate/cards").json()["items"]] == ["C1"]
    assert Api(gw.other_resident_user).get("gate/cards").json()["count"] == 0
    assert Api(gw.foreign_admin).get("gate/cards").json()["count"] == 0


def test_move_out_revokes_the_card_and_the_guard_marks_it_switched_off(gw):
    card = resident_card(gw)
    tie = Occupancy.objects.get(resident=gw.resident, unit=gw.unit)
    estates.occupancy_end(actor=gw.desk, occupancy=tie)
    card.refresh_from_db()
    assert card.revoked_at is not None and card.revoke_reason == "move_out"
    todo = Api(gw.guard).get("gate/cards", state="to_deactivate").json()
    assert [c["number"] for c in todo["items"]] == ["C1001"]
    done = Api(gw.guard).post(f"gate/cards/{card.pk}/deactivated")
    assert done.status_code == 200 and done.json()["deactivated_at"]
    assert Api(gw.guard).get("gate/cards", state="to_deactivate").json()["count"] == 0
    assert Api(gw.guard).post(f"gate/cards/{card.pk}/deactivated").status_code == 409


def test_the_daily_job_revokes_expired_departed_and_moved_out_cards_once(gw):
    expired = resident_card(
        gw,
        "C1",
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    member = f.make_staff(company=gw.company, roles=[Role.TECHNICIAN], projects=[gw.project], name="离职员工")
    staff_card = services.card_issue(
        actor=gw.desk,
        data={"holder_kind": "staff", "number": "S1", "staff_id": member.pk, "project_id": gw.project.pk},
    )
    member.deleted_at = timezone.now()
    member.save()
    planned = resident_card(gw, "C2")
    Occupancy.objects.filter(resident=gw.resident, unit=gw.unit).update(
        start_on=timezone.localdate() - datetime.timedelta(days=400),
        end_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    kept = services.card_issue(
        actor=gw.desk,
        data={
            "holder_kind": "resident",
            "number": "C3",
            "unit_id": gw.other_unit.pk,
            "resident_id": gw.other_resident.pk,
        },
    )
    assert services.revoke_due_cards() == 3
    assert services.revoke_due_cards() == 0
    reasons = dict(AccessCard.objects.values_list("number", "revoke_reason"))
    assert reasons == {"C1": "expiry", "S1": "departure", "C2": "move_out", "C3": ""}
    assert expired and staff_card and planned and kept


def test_a_gate_device_reads_its_allow_list_and_posts_events_once(gw):
    services.vehicle_create(actor=gw.desk, data={"unit_id": gw.unit.pk, "plate": "粤B11111"})
    services.blacklist_add(
        actor=gw.guard, data={"project_id": gw.project.pk, "plate": "粤B66666", "reason": "强闯"}
    )
    resident_card(gw, "C9")
    visitor = invite(gw, plate="粤BD22222")
    issued = Api(gw.manager).post(f"gate/gates/{gw.gate.pk}/device-token")
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("gd_") and token not in str(gw.gate.__class__.objects.get(pk=gw.gate.pk).__dict__)
    device = Api()
    device.headers = {"X-Gate-Token": token}
    assert Api().get("gate/device/allow-list").status_code == 401
    wrong = Api()
    wrong.headers = {"X-Gate-Token": "gd_wrong"}
    assert wrong.get("gate/device/allow-list").status_code == 401
    lists = device.get("gate/device/allow-list").json()
    assert lists["plates"] == ["粤B11111"] and lists["cards"] == ["C9"]
    assert lists["visitor_plates"] == ["粤BD22222"] and lists["visitor_tokens"] == [visitor.token]
    assert lists["blacklisted_plates"] == ["粤B66666"]

    swipe = device.post("gate/device/events", {"event_id": "e1", "kind": "card", "value": "c9"})
    assert swipe.status_code == 200 and swipe.json() == {**swipe.json(), "allow": True, "duplicate": False}
    again = device.post("gate/device/events", {"event_id": "e1", "kind": "card", "value": "c9"})
    assert again.json()["duplicate"] and again.json()["allow"]
    assert GateLogEntry.objects.filter(device_event_id="e1").count() == 1
    assert not device.post("gate/device/events", {"event_id": "e2", "kind": "card", "value": "NOPE"}).json()[
        "allow"
    ]
    assert not device.post(
        "gate/device/events", {"event_id": "e3", "kind": "plate_in", "value": "粤B66666"}
    ).json()["allow"]
    earlier = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    came = device.post(
        "gate/device/events", {"event_id": "e4", "kind": "plate_in", "value": "浙A12345", "time": earlier}
    ).json()
    assert came["allow"] and TemporaryVisit.objects.filter(plate="浙A12345", left_at__isnull=True).exists()
    leaving = device.post(
        "gate/device/events", {"event_id": "e5", "kind": "plate_out", "value": "浙A12345"}
    ).json()
    assert not leaving["allow"] and "待缴费" in leaving["reason"]
    went = device.post(
        "gate/device/events", {"event_id": "e6", "kind": "visitor_in", "value": visitor.token}
    ).json()
    assert went["allow"]
    twice = device.post(
        "gate/device/events", {"event_id": "e7", "kind": "visitor_in", "value": visitor.token}
    ).json()
    assert not twice["allow"] and "入场" in twice["reason"]
    bad = device.post("gate/device/events", {"event_id": "e8", "kind": "bogus", "value": "x"})
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    ancient = {"event_id": "e9", "kind": "card", "value": "C9", "time": "2001-01-01T00:00:00Z"}
    refused = device.post("gate/device/events", ancient)
    assert refused.status_code == 422 and "time" in refused.json()["errors"]


def test_a_device_token_opens_only_its_own_gate(gw):
    services.vehicle_create(actor=gw.desk, data={"unit_id": gw.unit.pk, "plate": "粤B11111"})
    token = services.gate_issue_device_token(actor=gw.foreign_admin, gate=gw.foreign_gate)
    device = Api()
    device.headers = {"X-Gate-Token": token}
    assert device.get("gate/device/allow-list").json()["plates"] == []
    # A device token is no user's token.
    device.headers = {"Authorization": f"Bearer {token}"}
    assert device.get("gate/vehicles").status_code == 401
