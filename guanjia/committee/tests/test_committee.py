"""The committee's members, meetings and resolutions (closed loop, escalation), and the suggestion
box (deadline in working days, public and private answers, escalation), through the API."""

import datetime

import pytest
from django.utils import timezone

from guanjia.committee.escalation import escalate_due
from guanjia.committee.models import Resolution, ResolutionEscalation, Suggestion, SuggestionEscalation
from guanjia.committee.services.suggestions import answer_due
from guanjia.notifications.models import Notification
from guanjia.sla.models import Calendar
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def member(world, api=None):
    today = timezone.localdate()
    return (api or Api(world.manager)).post(
        "committee/members",
        {
            "project_id": world.project.pk,
            "resident_id": world.resident.pk,
            "role": "chair",
            "term_start": str(today - datetime.timedelta(days=10)),
            "term_end": str(today + datetime.timedelta(days=1000)),
        },
    )


def test_members_meetings_and_the_closed_loop_of_a_resolution(world):
    manager = Api(world.manager)
    added = member(world)
    assert added.status_code == 201, added.content
    assert added.json()["in_office"] is True
    # Only owners of the project: a resident of another project is refused on the field.
    stranger = f.OccupancyFactory(
        unit=f.UnitFactory(building=f.BuildingFactory(project=world.sibling_project))
    )
    refused = manager.post(
        "committee/members",
        {**added.json(), "project_id": world.project.pk, "resident_id": stranger.resident_id},
    )
    assert refused.status_code == 422 and "resident_id" in refused.json()["errors"]
    meeting = manager.post(
        "committee/meetings",
        {
            "project_id": world.project.pk,
            "title": "例会",
            "held_at": timezone.now().isoformat(),
            "agenda": "1. 照明",
            "attendee_ids": [added.json()["id"]],
        },
    )
    assert meeting.status_code == 201 and meeting.json()["attendee_ids"] == [added.json()["id"]]
    minutes = manager.patch(f"committee/meetings/{meeting.json()['id']}", {"minutes": "同意改造"})
    assert minutes.json()["minutes"] == "同意改造"
    technician_member = world.technician.staff_member
    resolution = manager.post(
        "committee/resolutions",
        {
            "project_id": world.project.pk,
            "meeting_id": meeting.json()["id"],
            "title": "车库照明报价",
            "owner_staff_id": technician_member.pk,
            "due_at": (timezone.now() + datetime.timedelta(hours=1)).isoformat(),
        },
    )
    assert resolution.status_code == 201, resolution.content
    rid = resolution.json()["id"]
    # Late: the owner at the deadline, the manager a day later, each once.
    Resolution.objects.filter(pk=rid).update(due_at=timezone.now() - datetime.timedelta(days=2))
    assert escalate_due() == 2 and escalate_due() == 0
    assert ResolutionEscalation.objects.filter(resolution_id=rid).count() == 2
    assert Notification.objects.filter(
        recipient=world.technician, kind="committee.resolution_overdue"
    ).exists()
    assert Notification.objects.filter(recipient=world.manager, kind="committee.resolution_overdue").exists()
    # Only the owner reports it done; someone else confirms.
    assert manager.post(f"committee/resolutions/{rid}/done", {"note": "x"}).status_code == 403
    done = Api(world.technician).post(f"committee/resolutions/{rid}/done", {"note": "报价 2.3 万元"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    confirmed = manager.post(f"committee/resolutions/{rid}/confirm", {"accept": True})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    # Scoping: another project's desk and another company see nothing of it.
    for user in (world.sibling_desk, world.foreign_admin):
        assert Api(user).get(f"committee/resolutions/{rid}").status_code == 404
        assert Api(user).get("committee/members").json()["items"] == []
    assert Api(world.resident_user).get("committee/members").status_code == 403


def test_the_one_who_reported_cannot_confirm(world):
    member_id = member(world).json()["id"]
    manager = Api(world.manager)
    rid = manager.post(
        "committee/resolutions",
        {
            "project_id": world.project.pk,
            "title": "张贴表决公告",
            "owner_member_id": member_id,
            "due_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
        },
    ).json()["id"]
    assert manager.post(f"committee/resolutions/{rid}/done", {"note": "已张贴"}).status_code == 200
    assert manager.post(f"committee/resolutions/{rid}/confirm", {}).status_code == 403
    assert Api(world.admin).post(f"committee/resolutions/{rid}/confirm", {}).status_code == 200


def test_suggestions_answered_publicly_or_privately(world):
    resident, neighbour = Api(world.resident_user), Api(world.other_resident_user)
    public = resident.client.post(
        "/api/v1/suggestions", {"body": "游乐区加遮阳棚", "public": "true"}, headers=resident.headers
    )
    assert public.status_code == 201, public.content
    private = resident.client.post(
        "/api/v1/suggestions", {"body": "楼上噪音", "public": "false"}, headers=resident.headers
    )
    assert Notification.objects.filter(recipient=world.desk, kind="committee.suggestion").exists()
    desk = Api(world.desk)
    # A private one cannot be answered publicly (422 naming the field).
    refused = desk.post(f"suggestions/{private.json()['id']}/answer", {"answer": "已协调", "public": True})
    assert refused.status_code == 422 and "public" in refused.json()["errors"]
    assert desk.post(f"suggestions/{private.json()['id']}/answer", {"answer": "已协调"}).status_code == 200
    assert (
        desk.post(
            f"suggestions/{public.json()['id']}/answer", {"answer": "六月安装", "public": True}
        ).status_code
        == 200
    )
    assert desk.post(f"suggestions/{public.json()['id']}/answer", {"answer": "again"}).status_code == 409
    # The neighbour reads the public answer (without the author's name), never the private one.
    seen = {s["id"]: s for s in neighbour.get("suggestions").json()["items"]}
    assert set(seen) == {public.json()["id"]} and seen[public.json()["id"]]["resident"] == ""
    assert neighbour.get(f"suggestions/{private.json()['id']}").status_code == 404
    mine = resident.get(f"suggestions/{private.json()['id']}").json()
    assert mine["answer"] == "已协调" and mine["mine"] is True
    assert Notification.objects.filter(
        recipient=world.resident_user, kind="committee.suggestion_answered"
    ).exists()
    # Another project's resident, another project's desk, another company: nothing.
    sibling = f.make_resident_user(
        f.OccupancyFactory(
            unit=f.UnitFactory(building=f.BuildingFactory(project=world.sibling_project))
        ).resident
    )
    for user in (sibling, world.sibling_desk, world.foreign_admin):
        assert Api(user).get(f"suggestions/{public.json()['id']}").status_code == 404
    assert Api(world.desk).post("suggestions", {}).status_code in (403, 422)


def test_the_deadline_is_three_working_days_and_a_late_answer_escalates(world):
    calendar = Calendar.objects.create(company=world.company, name="工作日", kind="business")
    # Friday 10:00 Shanghai: three working days (8:30–17:30) later is Wednesday 10:00.
    friday = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    due = answer_due(world.company.pk, friday).astimezone(friday.tzinfo)
    assert (due.weekday(), due.hour) == (2, 10)
    # A holiday on the Monday moves it to Thursday.
    calendar.days.create(company=world.company, date=datetime.date(2026, 12, 7), is_working=False)
    assert answer_due(world.company.pk, friday).astimezone(friday.tzinfo).weekday() == 3
    resident = Api(world.resident_user)
    sid = resident.client.post("/api/v1/suggestions", {"body": "路灯不亮"}, headers=resident.headers).json()[
        "id"
    ]
    Suggestion.objects.filter(pk=sid).update(due_at=timezone.now() - datetime.timedelta(days=2))
    assert escalate_due() == 2 and escalate_due() == 0
    assert SuggestionEscalation.objects.filter(suggestion_id=sid).count() == 2
    overdue = Api(world.manager).get("suggestions", status="open").json()["items"]
    assert overdue[0]["overdue"] is True
