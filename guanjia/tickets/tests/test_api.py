"""The closed loop through the API: receive → dispatch → accept → arrive → complete → follow up →
rate → closed, and everything that must be refused along the way."""

import pytest

from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def report(tw, **extra):
    body = {
        "unit_id": tw.unit.pk,
        "category_id": tw.leak.pk,
        "description": "厨房水管漏水，地上都是水",
    } | extra
    response = Api(tw.resident_user).post("tickets", body)
    assert response.status_code == 201, response.content
    return response.json()


def act(user, ticket_id, action, **body):
    return Api(user).post(f"tickets/{ticket_id}/{action}", body)


def test_the_whole_loop_for_a_residents_repair(tw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tid = _the_whole_loop(tw)
    # After commit, the people concerned heard about it.
    assert Notification.objects.filter(recipient=tw.technician, object_id=str(tid)).exists()
    assert Notification.objects.filter(recipient=tw.resident_user, object_id=str(tid)).exists()
    assert Notification.objects.filter(recipient=tw.butler, object_id=str(tid)).exists()


def _the_whole_loop(tw):
    ticket = report(tw, priority="urgent")
    assert ticket["status"] == "received"
    assert ticket["first_contact"]["name"] == "楼栋管家"  # the building butler owns portal requests
    assert ticket["number"].startswith("JY-")
    tid = ticket["id"]
    tech = tw.staff["technician"].pk

    assert act(tw.butler, tid, "dispatch", assignee_id=tech).json()["status"] == "dispatched"
    assert act(tw.technician, tid, "accept").json()["status"] == "accepted"
    assert act(tw.technician, tid, "arrive").json()["status"] == "on_site"
    done = act(
        tw.technician,
        tid,
        "complete",
        resolution="更换三通接头",
        materials=[{"name": "三通接头", "quantity": "1", "unit": "个", "cost": "12.50"}],
        charges=[{"description": "三通接头", "quantity": "1", "unit_price": "25.00"}],
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    assert done.json()["charges"][0]["amount"] == "25.00"
    assert (
        act(tw.butler, tid, "follow_up", satisfied=True, score=5, comment="业主很满意").json()["status"]
        == "followed_up"
    )
    closed = act(tw.resident_user, tid, "rate", score=5, comment="师傅很专业")
    assert closed.json()["status"] == "closed"

    stored = Ticket.objects.get(pk=tid)
    assert all(
        [
            stored.dispatched_at,
            stored.accepted_at,
            stored.arrived_at,
            stored.completed_at,
            stored.followed_up_at,
            stored.closed_at,
        ]
    )
    actions = list(TicketEvent.objects.filter(ticket_id=tid).values_list("action", flat=True))
    assert actions == ["create", "dispatch", "accept", "arrive", "complete", "follow_up", "rate"]
    timeline = Api(tw.resident_user).get(f"tickets/{tid}/events").json()
    assert [e["action"] for e in timeline] == actions
    return tid


def test_unsatisfied_follow_up_sends_it_back_into_rework_with_a_root_cause(tw):
    tid = report(tw)["id"]
    act(tw.butler, tid, "dispatch", assignee_id=tw.staff["technician"].pk)
    for step in ["accept", "arrive"]:
        act(tw.technician, tid, step)
    act(tw.technician, tid, "complete", resolution="紧固")
    missing = act(tw.butler, tid, "follow_up", satisfied=False, score=2)
    assert missing.status_code == 422 and "root_cause" in missing.json()["errors"]
    rework = act(tw.butler, tid, "follow_up", satisfied=False, score=2, root_cause="接头老化，未更换")
    assert rework.json()["status"] == "rework"
    assert rework.json()["rework_count"] == 1
    again = act(tw.butler, tid, "dispatch", assignee_id=tw.staff["technician2"].pk)
    assert again.status_code == 422 and "root_cause" in again.json()["errors"]
    assert (
        act(
            tw.butler, tid, "dispatch", assignee_id=tw.staff["technician2"].pk, root_cause="更换新接头"
        ).status_code
        == 200
    )


def test_resident_can_reopen_instead_of_rating(tw):
    tid = report(tw)["id"]
    act(tw.butler, tid, "dispatch", assignee_id=tw.staff["technician"].pk)
    act(tw.technician, tid, "accept")
    act(tw.technician, tid, "arrive")
    act(tw.technician, tid, "complete", resolution="处理好了")
    reopened = act(tw.resident_user, tid, "reopen", reason="还在漏")
    assert reopened.json()["status"] == "rework"
    assert reopened.json()["assignee"] is None


def test_an_illegal_action_is_409_naming_what_is_allowed_now(tw):
    tid = report(tw)["id"]
    response = act(tw.butler, tid, "complete", resolution="x")
    assert response.status_code == 409
    assert "派工" in response.json()["detail"]


def test_only_the_assignee_accepts_and_others_get_403(tw):
    tid = report(tw)["id"]
    act(tw.butler, tid, "dispatch", assignee_id=tw.staff["technician"].pk)
    assert act(tw.technician2, tid, "accept").status_code == 403
    assert act(tw.desk, tid, "accept").status_code == 403
    assert Ticket.objects.get(pk=tid).status == "dispatched"


def test_the_doer_cannot_do_the_follow_up_call(tw):
    tid = report(tw)["id"]
    # The butler dispatches to themselves … and then may not check their own work.
    act(tw.butler, tid, "dispatch", assignee_id=tw.staff["butler"].pk)
    act(tw.butler, tid, "accept")
    act(tw.butler, tid, "arrive")
    act(tw.butler, tid, "complete", resolution="自己修好了")
    assert act(tw.butler, tid, "follow_up", satisfied=True, score=5).status_code == 403
    assert act(tw.desk, tid, "follow_up", satisfied=True, score=5).status_code == 200


def test_other_company_and_other_project_get_404_and_nothing_changes(tw):
    tid = report(tw)["id"]
    for intruder in (tw.foreign_admin, tw.sibling_desk, tw.other_resident_user):
        api = Api(intruder)
        assert api.get(f"tickets/{tid}").status_code == 404
        assert api.get(f"tickets/{tid}/events").status_code == 404
        assert api.post(f"tickets/{tid}/cancel", {"reason": "x"}).status_code == 404
        assert tid not in {t["id"] for t in api.get("tickets").json()["items"]}
    assert Ticket.objects.get(pk=tid).status == "received"


def test_residents_report_only_for_their_own_units(tw):
    response = Api(tw.resident_user).post("tickets", {"unit_id": tw.other_unit.pk, "description": "x"})
    assert response.status_code == 422
    assert "unit_id" in response.json()["errors"]


def test_hand_over_of_first_contact_is_explicit_and_recorded(tw):
    tid = report(tw)["id"]
    assert act(tw.desk, tid, "handover", first_contact_id=tw.staff["desk"].pk, reason="x").status_code == 403
    moved = act(tw.butler, tid, "handover", first_contact_id=tw.staff["desk"].pk, reason="休假")
    assert moved.json()["first_contact"]["id"] == tw.staff["desk"].pk
    event = TicketEvent.objects.filter(ticket_id=tid, action="handover").get()
    assert event.data["first_contact"] == ["楼栋管家", "前台"]
    mine = Api(tw.desk).get("tickets", first_contact="me").json()["items"]
    assert [t["id"] for t in mine] == [tid]


def test_my_work_is_the_assignees_list(tw):
    first, second = report(tw)["id"], report(tw)["id"]
    act(tw.butler, first, "dispatch", assignee_id=tw.staff["technician"].pk)
    act(tw.butler, second, "dispatch", assignee_id=tw.staff["technician2"].pk)
    mine = Api(tw.technician).get("tickets", assignee="me").json()["items"]
    assert [t["id"] for t in mine] == [first]


def test_complaints_get_a_first_feedback_and_are_resolved_by_the_desk(tw):
    created = Api(tw.desk).post(
        "tickets",
        {
            "kind": "complaint",
            "unit_id": tw.unit.pk,
            "resident_id": tw.resident.pk,
            "channel": "phone",
            "description": "楼上装修噪音太大",
        },
    )
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert act(tw.desk, tid, "first_feedback", feedback="已联系楼上业主，今天起中午不施工").json()[
        "first_feedback_at"
    ]
    assert act(tw.desk, tid, "complete", resolution="已协调").json()["status"] == "completed"
    # Repairs may not use the desk shortcut.
    repair = report(tw)["id"]
    assert act(tw.desk, repair, "complete", resolution="x").status_code == 409


def test_paid_service_booking_becomes_a_request_with_a_charge_confirmed_once(tw):
    from guanjia.tickets.models import PaidService

    service = PaidService.objects.get(company=tw.company, name="油烟机清洗")
    created = Api(tw.resident_user).post(
        "tickets", {"unit_id": tw.unit.pk, "paid_service_id": service.pk, "description": "周六上午"}
    )
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert created.json()["charges"][0]["amount"] == "120.00"
    act(tw.butler, tid, "dispatch", assignee_id=tw.staff["technician"].pk)
    act(tw.technician, tid, "accept")
    act(tw.technician, tid, "arrive")
    act(tw.technician, tid, "complete", resolution="已清洗")
    assert act(tw.butler, tid, "confirm_charges").status_code == 200
    second = act(tw.butler, tid, "confirm_charges")
    assert second.status_code == 409


def test_numbers_are_sequential_per_project_and_month(tw):
    numbers = [report(tw)["number"] for _ in range(3)]
    tails = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert tails == [tails[0], tails[0] + 1, tails[0] + 2]


def test_missing_required_field_is_422_naming_it(tw):
    tid = report(tw)["id"]
    response = act(tw.butler, tid, "dispatch")
    assert response.status_code == 422
    assert "assignee_id" in response.json()["errors"]
    foreign_staff = tw.staff["sibling_desk"].pk
    response = act(tw.butler, tid, "dispatch", assignee_id=foreign_staff)
    assert response.status_code == 422 and "assignee_id" in response.json()["errors"]


def test_tickets_are_journaled_too(tw):
    tid = report(tw)["id"]
    assert ObjectChange.objects.filter(
        content_type__model="ticket", object_id=str(tid), action="create"
    ).exists()


def test_cursor_pagination_walks_every_request_once(tw):
    made = {report(tw)["id"] for _ in range(7)}
    api, seen, cursor = Api(tw.desk), [], None
    while True:
        params = {"page_size": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get("tickets", **params).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and made <= set(seen)


def test_list_runs_the_same_number_of_queries_whatever_the_page_size(tw):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = Api(tw.hq)
    report(tw)
    api.get("tickets")  # warm the token and scope paths
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("tickets", page_size=1).json()["items"]) == 1
    for _ in range(12):
        report(tw)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("tickets", page_size=50).json()["items"]) == 13
    assert len(many) == len(one)


def test_list_rows_and_the_detail_say_what_each_request_is(tw):
    """Rows are read as plain values with the related names as subqueries: the place, the
    category, the people and "overdue" must read as the request's own page does."""
    import datetime

    from django.utils import timezone

    from guanjia.sla.models import TicketDeadline

    home = report(tw)
    common = (
        Api(tw.desk)
        .post(
            "tickets",
            {
                "kind": "common_repair",
                "building_id": tw.building.pk,
                "location": "大堂",
                "description": "灯不亮",
            },
        )
        .json()
    )
    act(tw.desk, home["id"], "dispatch", assignee_id=tw.staff["technician"].pk)
    TicketDeadline.objects.filter(ticket_id=common["id"]).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    rows = {r["id"]: r for r in Api(tw.desk).get("tickets", project_id=tw.project.pk).json()["items"]}
    assert rows[home["id"]]["place"] == "1栋-1201"
    assert rows[home["id"]]["category_name"] == "漏水"
    assert rows[home["id"]]["assignee"] == {
        "id": tw.staff["technician"].pk,
        "name": tw.staff["technician"].name,
    }
    assert rows[home["id"]]["first_contact"]["name"] == "楼栋管家"
    assert rows[home["id"]]["overdue"] is False
    assert rows[common["id"]]["place"] == "1栋 大堂"
    assert rows[common["id"]]["assignee"] is None
    assert rows[common["id"]]["first_contact"]["id"] == tw.staff["desk"].pk
    assert rows[common["id"]]["overdue"] is True
    assert [r["id"] for r in Api(tw.desk).get("tickets", overdue="true").json()["items"]] == [common["id"]]

    detail = Api(tw.desk).get(f"tickets/{home['id']}").json()
    assert {k: detail[k] for k in rows[home["id"]]} == rows[home["id"]]
    assert detail["contact_phone_masked"].count("*") >= 4
    assert detail["photos"] == detail["charges"] == detail["materials"] == []
    assert "reassign" in detail["allowed_actions"] and "accept" not in detail["allowed_actions"]
    assert "accept" in Api(tw.technician).get(f"tickets/{home['id']}").json()["allowed_actions"]


def test_the_detail_shows_photos_charges_and_materials_once_there_are_some(tw, settings, tmp_path):
    from guanjia.tickets.tests.test_views import png

    settings.MEDIA_ROOT = tmp_path
    ticket = report(tw)
    api = Api(tw.resident_user)
    uploaded = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/photos", {"file": png(), "stage": "report"}, headers=api.headers
    )
    assert uploaded.status_code == 201, uploaded.content
    detail = api.get(f"tickets/{ticket['id']}").json()
    assert [p["id"] for p in detail["photos"]] == [uploaded.json()["id"]]
    assert detail["photos"][0]["url"] and detail["photos"][0]["thumbnail_url"]
    assert detail["charges"] == detail["materials"] == []
