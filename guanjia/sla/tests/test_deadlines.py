"""Stored deadlines: which policy applies, when each stage's clock starts and stops, holds that
pause it, rework rounds, and "overdue" read from the stored due time everywhere."""

import datetime

import pytest
from django.utils import timezone

from guanjia.sla import services
from guanjia.sla.choices import CalendarKind, Stage
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy, TicketDeadline
from guanjia.sla.tests.helpers import M, act, dispatch, receive
from guanjia.testing.api import Api
from guanjia.tickets.choices import Action, Kind, Priority
from guanjia.tickets.models import TicketCategory, TicketEvent

pytestmark = pytest.mark.django_db


def deadlines(ticket):
    return {(d.stage, d.round): d for d in TicketDeadline.objects.filter(ticket=ticket)}


def test_defaults_are_created_once_with_this_and_next_years_holidays(tw):
    services.sla_defaults_ensure(company=tw.company, today=datetime.date(2026, 3, 1))
    services.sla_defaults_ensure(company=tw.company, today=datetime.date(2026, 3, 1))
    assert set(Calendar.objects.filter(company=tw.company).values_list("kind", flat=True)) == {
        CalendarKind.ALWAYS,
        CalendarKind.BUSINESS,
    }
    days = dict(CalendarDay.objects.filter(company=tw.company).values_list("date", "is_working"))
    assert days[datetime.date(2026, 10, 1)] is False  # 国庆节
    assert days[datetime.date(2026, 10, 10)] is True  # a Saturday worked (调休)
    assert SlaPolicy.objects.filter(company=tw.company).count() == 5
    assert not SlaPolicy.objects.filter(company=tw.other_company).exists()


def test_the_most_specific_policy_applies(tw):
    SlaPolicy.objects.filter(company=tw.company).delete()
    water = tw.leak.parent
    ticket = receive(tw, category_id=tw.leak.pk, priority=Priority.URGENT)
    ladder = [
        {"name": "默认"},
        {"name": "类型", "kind": Kind.HOME_REPAIR},
        {"name": "紧急", "priority": Priority.URGENT},
        {"name": "水电", "category": water},
        {"name": "漏水", "category": tw.leak},
        {"name": "漏水急", "category": tw.leak, "priority": Priority.URGENT},
        {"name": "项目", "project": tw.project},
        {"name": "项目急", "project": tw.project, "priority": Priority.URGENT},
        {"name": "项目水电", "project": tw.project, "category": water},
        {"name": "项目漏水急", "project": tw.project, "category": tw.leak, "priority": Priority.URGENT},
    ]
    for values in ladder:
        SlaPolicy.objects.create(company=tw.company, response_minutes=30, **values)
        assert services.policy_for(ticket).name == values["name"]
    # Not this request's: another project, another priority, inactive.
    SlaPolicy.objects.create(
        company=tw.company, name="别的项目", project=tw.sibling_project, category=tw.leak
    )
    SlaPolicy.objects.create(
        company=tw.company, name="一般", project=tw.project, category=tw.leak, priority="normal"
    )
    SlaPolicy.objects.filter(name="项目漏水急").update(is_active=False)
    assert services.policy_for(ticket).name == "项目水电"


def test_an_ordinary_repair_is_answered_and_attended_within_15_minutes_as_seed_000_says(tw):
    """Seed 000: 工程保修维护反应快速，要做到随传随到，最慢不得超过15分钟 — for every repair, not only urgent ones."""
    now = timezone.now()
    ticket = receive(tw, when=now, category_id=tw.leak.pk)
    got = deadlines(ticket)
    assert set(got) == {(Stage.RESPONSE, 0), (Stage.ON_SITE, 0), (Stage.COMPLETE, 0)}
    assert got[Stage.RESPONSE, 0].due_at == now + 15 * M
    assert got[Stage.ON_SITE, 0].due_at == now + 15 * M
    assert got[Stage.COMPLETE, 0].due_at == now + 24 * 60 * M
    event = TicketEvent.objects.get(ticket=ticket, action=Action.CREATE)
    assert event.data["deadlines"]["started"] == [Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE]


def test_a_company_can_still_change_the_shipped_default(tw):
    SlaPolicy.objects.filter(company=tw.company, name="公司默认（一般报修）").update(
        response_minutes=20, on_site_minutes=None
    )
    now = timezone.now()
    got = deadlines(receive(tw, when=now, category_id=tw.leak.pk))
    assert set(got) == {(Stage.RESPONSE, 0), (Stage.COMPLETE, 0)}
    assert got[Stage.RESPONSE, 0].due_at == now + 20 * M


def test_urgent_on_site_15_minutes_cleaning_30_minutes_complaints_24_hours(tw):
    now = timezone.now()
    urgent = receive(tw, when=now, category_id=tw.leak.pk, priority=Priority.URGENT)
    assert deadlines(urgent)[Stage.ON_SITE, 0].due_at == now + 15 * M
    litter = TicketCategory.objects.get(company=tw.company, name="垃圾")  # under 保洁
    cleaning = receive(tw, when=now, category_id=litter.pk, kind=Kind.COMMON_REPAIR)
    assert deadlines(cleaning)[Stage.COMPLETE, 0].due_at == now + 30 * M
    complaint = receive(tw, when=now, kind=Kind.COMPLAINT)
    assert set(deadlines(complaint)) == {(Stage.FEEDBACK, 0)}
    assert deadlines(complaint)[Stage.FEEDBACK, 0].due_at == now + 24 * 60 * M
    act(tw, tw.desk, complaint, Action.FIRST_FEEDBACK, when=now + 60 * M, feedback="已联系物业经理")
    assert deadlines(complaint)[Stage.FEEDBACK, 0].done_at == now + 60 * M


def test_each_action_stops_its_clock_and_rework_starts_a_new_round(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    dispatch(tw, ticket, t0 + 5 * M)
    act(tw, tw.technician, ticket, Action.ACCEPT, when=t0 + 10 * M)
    assert deadlines(ticket)[Stage.RESPONSE, 0].done_at == t0 + 10 * M
    act(tw, tw.technician, ticket, Action.ARRIVE, when=t0 + 20 * M)
    act(tw, tw.technician, ticket, Action.COMPLETE, when=t0 + 90 * M, resolution="换了阀门")
    got = deadlines(ticket)
    assert got[Stage.COMPLETE, 0].done_at == t0 + 90 * M
    assert got[Stage.FOLLOW_UP, 0].due_at == t0 + 90 * M + 24 * 60 * M
    act(
        tw,
        tw.desk,
        ticket,
        Action.FOLLOW_UP,
        when=t0 + 120 * M,
        satisfied=False,
        score=2,
        root_cause="阀门型号不对",
    )
    got = deadlines(ticket)
    assert got[Stage.FOLLOW_UP, 0].done_at == t0 + 120 * M
    assert got[Stage.RESPONSE, 1].due_at == t0 + 135 * M
    assert got[Stage.COMPLETE, 1].done_at is None
    event = TicketEvent.objects.filter(ticket=ticket, action=Action.FOLLOW_UP).get()
    assert event.data["deadlines"] == {
        "done": [Stage.FOLLOW_UP],
        "started": [Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE],
    }


def test_a_hold_pauses_the_clock_and_resume_moves_the_due_time_by_the_time_held(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    act(tw, tw.desk, ticket, Action.HOLD, when=t0 + 10 * M, reason="业主不在家")
    assert deadlines(ticket)[Stage.RESPONSE, 0].paused_at == t0 + 10 * M
    act(tw, tw.desk, ticket, Action.RESUME, when=t0 + 70 * M)
    response = deadlines(ticket)[Stage.RESPONSE, 0]
    assert response.due_at == t0 + 75 * M  # 15 minutes allowed + 60 minutes held
    assert response.paused_seconds == 3600 and response.paused_at is None
    event = TicketEvent.objects.get(ticket=ticket, action=Action.RESUME)
    assert event.data["deadlines"]["resumed"][Stage.RESPONSE]["held_minutes"] == 60


def test_a_policy_that_does_not_pause_on_hold_keeps_the_clock_running(tw):
    SlaPolicy.objects.filter(company=tw.company).update(pause_on_hold=False)
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    act(tw, tw.desk, ticket, Action.HOLD, when=t0 + 10 * M, reason="等配件")
    act(tw, tw.desk, ticket, Action.RESUME, when=t0 + 70 * M)
    assert deadlines(ticket)[Stage.RESPONSE, 0].due_at == t0 + 15 * M


def test_cancel_finishes_every_running_deadline(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    act(tw, tw.desk, ticket, Action.CANCEL, when=t0 + 5 * M, reason="业主自行处理")
    assert all(d.done_at == t0 + 5 * M for d in deadlines(ticket).values())


def test_a_stored_deadline_does_not_move_when_the_policy_changes(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    SlaPolicy.objects.filter(company=tw.company).update(response_minutes=5)
    assert deadlines(ticket)[Stage.RESPONSE, 0].due_at == t0 + 15 * M
    assert (
        receive(tw, when=t0, category_id=tw.leak.pk).deadlines.get(stage=Stage.RESPONSE).due_at == t0 + 5 * M
    )


def test_business_hours_policy_counts_working_time(tw):
    business = Calendar.objects.get(company=tw.company, kind=CalendarKind.BUSINESS)
    SlaPolicy.objects.filter(company=tw.company).update(calendar=business)
    friday_evening = datetime.datetime(
        2026, 11, 27, 17, 20, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    ticket = receive(tw, when=friday_evening, category_id=tw.leak.pk)
    # 10 working minutes on Friday, the other 5 on Monday morning.
    monday = datetime.datetime(2026, 11, 30, 8, 35, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert deadlines(ticket)[Stage.RESPONSE, 0].due_at == monday


def test_a_request_past_its_deadline_is_overdue_everywhere_before_any_job_runs(tw, client):
    late = receive(tw, category_id=tw.leak.pk, description="楼道灯坏了")
    on_time = receive(tw, category_id=tw.leak.pk, description="门禁失灵")
    TicketDeadline.objects.filter(ticket=late, stage__in=[Stage.RESPONSE, Stage.ON_SITE]).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    api = Api(tw.desk)
    ids = [t["id"] for t in api.get("tickets", overdue="true").json()["items"]]
    assert ids == [late.pk]
    ids = [t["id"] for t in api.get("tickets", overdue="false").json()["items"]]
    assert late.pk not in ids and on_time.pk in ids
    ids = [t["id"] for t in api.get("tickets", due_within_minutes=40).json()["items"]]
    assert on_time.pk in ids and late.pk not in ids
    assert api.get(f"tickets/{late.pk}").json()["overdue"] is True
    assert api.get(f"tickets/{on_time.pk}").json()["overdue"] is False
    assert api.get("tickets", due_within_minutes=0).status_code == 422

    client.force_login(tw.desk)
    page = client.get("/tickets/", {"overdue": "1"}).content.decode()
    assert late.number in page and on_time.number not in page
    assert 'data-testid="overdue-badge"' in page
    page = client.get(f"/tickets/{late.pk}/").content.decode()
    assert 'data-testid="deadline-overdue"' in page and "超时" in page
    page = client.get(f"/tickets/{on_time.pk}/").content.decode()
    assert 'data-testid="deadline-overdue"' not in page and 'data-testid="deadlines"' in page


def test_the_overdue_filter_lists_exactly_the_late_requests(tw):
    late = [receive(tw, category_id=tw.leak.pk, description=f"灯坏了 {n}") for n in range(2)]
    on_time = receive(tw, category_id=tw.leak.pk, description="门禁失灵")
    TicketDeadline.objects.filter(ticket__in=late, stage__in=[Stage.RESPONSE, Stage.ON_SITE]).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    api = Api(tw.desk)
    ids = {t["id"] for t in api.get("tickets", overdue="true").json()["items"]}
    assert ids == {t.pk for t in late}
    ids = {t["id"] for t in api.get("tickets", overdue="false").json()["items"]}
    assert on_time.pk in ids and not ids & {t.pk for t in late}
    # Another company's late requests never widen the list.
    assert Api(tw.foreign_admin).get("tickets", overdue="true").json()["items"] == []


def test_the_deadlines_api(tw):
    ticket = receive(tw, category_id=tw.leak.pk)
    rows = Api(tw.desk).get(f"tickets/{ticket.pk}/deadlines").json()
    assert [(r["stage"], r["overdue"], r["escalation_step"]) for r in rows] == [
        ("response", False, 0),
        ("on_site", False, 0),
        ("complete", False, 0),
    ]
    assert Api(tw.sibling_desk).get(f"tickets/{ticket.pk}/deadlines").status_code == 404
    policies = Api(tw.desk).get("sla/policies").json()["items"]
    assert {p["name"] for p in policies} >= {"公司默认（一般报修）", "急修"}
    assert Api(tw.foreign_admin).get("sla/policies").json()["items"] == []


def test_the_resident_and_the_desk_see_the_promised_time_on_the_request(tw, client):
    now = timezone.now()
    ticket = receive(tw, when=now, category_id=tw.leak.pk, resident_id=tw.resident.pk)
    due = timezone.localtime(now + 15 * M).strftime("%m-%d %H:%M")
    promise = f"承诺 15 分钟内上门（{due} 前）"
    client.force_login(tw.resident_user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="promise"' in page and promise in page
    client.force_login(tw.desk)
    assert promise in client.get(f"/tickets/{ticket.pk}/").content.decode()
    # Once the technician is there, the next promise is the completion.
    dispatch(tw, ticket, now + 1 * M)
    act(tw, tw.technician, ticket, Action.ACCEPT, when=now + 2 * M)
    act(tw, tw.technician, ticket, Action.ARRIVE, when=now + 10 * M)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "前完工" in page and "分钟内上门" not in page


def test_the_desk_reads_the_promise_back_to_the_caller(tw, client):
    client.force_login(tw.desk)
    response = client.post(
        "/tickets/new/",
        {
            "unit_id": tw.unit.pk,
            "kind": "home_repair",
            "priority": "normal",
            "channel": "phone",
            "description": "卫生间下水堵了",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "承诺" in response.content.decode() and "前上门" in response.content.decode()
