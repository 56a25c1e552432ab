"""The API: scoping across companies, projects and units (404 like missing, nothing changed), the
resident's own record, bad input naming the field (422), a second completion 409, exports."""

import datetime

import pytest

from guanjia.core.models import ObjectChange
from guanjia.estates.models import Occupancy
from guanjia.handover.models import Appointment
from guanjia.handover.tests.conftest import OWNER_ID, book, booking, inspect_all, ready_to_complete, signature
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def _json(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}


def _names(response, field: str) -> bool:
    return any(key == field or key.endswith(f".{field}") for key in response.json()["errors"])


def test_desk_books_and_outsiders_never_see_it(hw):
    desk = Api(hw.desk)
    response = desk.post("handovers", _json(booking(hw.new_unit)))
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    # The ID number and the phone are masked in every answer.
    assert body["owner_id_number"] == OWNER_ID[:3] + "*" * 11 + OWNER_ID[-4:]
    assert "12345678" not in body["owner_phone"]
    assert desk.post(f"handovers/{pk}/inspection").json()["inspection"]["items"]
    count = ObjectChange.objects.count()
    for outsider in (hw.foreign_admin, hw.sibling_desk, hw.other_resident_user, hw.resident_user):
        api = Api(outsider)
        assert api.get(f"handovers/{pk}").status_code == 404
        assert pk not in [r["id"] for r in api.get("handovers").json()["items"]]
        assert api.post(f"handovers/{pk}/complete").status_code == 404
        assert api.post(f"handovers/{pk}/record", {"documents": ["id_card"]}).status_code == 404
    item_id = Appointment.objects.get(pk=pk).inspection.items.first().pk
    assert (
        Api(hw.foreign_admin).get("handover-ready-units").json()["items"][0]["unit_id"] == hw.foreign_unit.pk
    )
    assert Api(hw.sibling_desk).get("handover-ready-units").json()["items"] == []
    assert Api(hw.foreign_admin).get("takeovers").json()["items"] == []
    assert ObjectChange.objects.count() == count
    assert Api().get("handovers").status_code == 401
    assert Api(hw.admin).get(f"handovers/{pk}").status_code == 200
    assert item_id


def test_another_companys_unit_is_404_and_bad_input_422(hw):
    desk = Api(hw.desk)
    assert desk.post("handovers", _json(booking(hw.foreign_unit))).status_code == 404
    assert Api(hw.foreign_admin).post("handovers", _json(booking(hw.new_unit))).status_code == 404
    bad = desk.post("handovers", _json(booking(hw.new_unit, owner_id_number="123")))
    assert bad.status_code == 422 and _names(bad, "owner_id_number")
    assert desk.post("handovers", _json(booking(hw.new_unit))).status_code == 201
    overlap = desk.post("handovers", _json(booking(hw.new_unit)))
    assert overlap.status_code == 422 and _names(overlap, "starts_at")
    assert Appointment.objects.count() == 1
    pk = Appointment.objects.get().pk
    keys = desk.post(f"handovers/{pk}/record", {"keys": {"door": 99}})
    assert keys.status_code == 422 and _names(keys, "keys")
    desk.post(f"handovers/{pk}/inspection")
    item = Appointment.objects.get(pk=pk).inspection.items.first()
    no_photo = desk.client.post(
        f"/api/v1/handover-items/{item.pk}", {"result": "defect", "note": "门锁坏"}, headers=desk.headers
    )
    assert no_photo.status_code == 422 and _names(no_photo, "photos")
    unsigned = desk.post(f"handovers/{pk}/complete")
    assert unsigned.status_code == 422


def test_completion_twice_is_409_and_the_owner_sees_the_record(hw):
    appointment = book(hw)
    inspect_all(hw, appointment, defects=1)
    ready_to_complete(hw, appointment)
    desk = Api(hw.desk)
    assert desk.post(f"handovers/{appointment.pk}/complete").status_code == 200
    again = Api(hw.butler).post(f"handovers/{appointment.pk}/complete")
    assert again.status_code == 409
    resident = Occupancy.objects.current().get(unit=hw.new_unit).resident
    owner = Api(f.make_resident_user(resident))
    mine = owner.get("handovers").json()["items"]
    assert [r["id"] for r in mine] == [appointment.pk]
    assert len(mine[0]["inspection"]["defects"]) == 1
    assert mine[0]["inspection"]["defects"][0]["ticket_number"]
    # A resident can read but not act.
    assert owner.post(f"handovers/{appointment.pk}/cancel").status_code in (403, 409)


def test_takeover_over_the_api(hw):
    manager = Api(hw.manager)
    response = manager.post(
        "takeovers",
        {
            "project_id": hw.project.pk,
            "title": "二期接管",
            "developer": "金苑地产",
            "developer_contact": "王工",
            "developer_phone": "13800002222",
            "planned_on": "2026-12-20",
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    body = manager.post(f"takeovers/{pk}/inspection").json()
    assert body["inspection"]["kind"] == "takeover"
    unsigned = manager.post(f"takeovers/{pk}/accept", {"signature": signature()})
    assert unsigned.status_code == 422 and _names(unsigned, "inspection")
    assert Api(hw.foreign_admin).get(f"takeovers/{pk}").status_code == 404
    checklist = manager.get(f"handover-checklists/{hw.project.pk}/handover").json()
    assert checklist and checklist[0]["room"]
    assert Api(hw.foreign_admin).get(f"handover-checklists/{hw.project.pk}/handover").status_code == 404
