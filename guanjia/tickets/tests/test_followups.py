"""Follow-up calls (回访): a task for the first-contact person when a repair is completed or a
complaint answered, scheduled outside quiet hours, closed by the call, given up after N tries."""

import datetime

import pytest
from django.urls import reverse

from guanjia.notifications.quiet_hours import TZ
from guanjia.testing.api import Api
from guanjia.tickets import followups, services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import FollowUpOutcome, FollowUpTask, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def clock(monkeypatch):
    """Set the moment of the next ticket actions: ``clock("2026-11-25T22:00")``."""

    def set_to(text: str) -> datetime.datetime:
        moment = at(text)
        monkeypatch.setattr(services, "_now", lambda: moment)
        return moment

    return set_to


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def completed(tw) -> Ticket:
    """A resident's repair, owned by the building butler, completed by the technician."""
    ticket = services.ticket_create(
        actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "厨房水管漏水"}
    )
    if ticket.status == Status.RECEIVED:
        act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    ticket.refresh_from_db()
    assignee = ticket.assignee.user
    act(assignee, ticket, Action.ACCEPT)
    act(assignee, ticket, Action.ARRIVE)
    return act(assignee, ticket, Action.COMPLETE, resolution="更换水管接头")


def test_completing_a_repair_makes_a_task_for_the_first_contact(tw, clock):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    task = FollowUpTask.objects.get(ticket=ticket)
    assert task.owner == tw.staff["butler"] and task.owner_id == ticket.first_contact_id
    assert task.scheduled_for == at("2026-11-25T10:00")
    assert (
        task.outcome == FollowUpOutcome.PENDING and task.round == 0 and task.project_id == ticket.project_id
    )


def test_a_repair_completed_at_22_00_is_called_back_at_08_00(tw, clock):
    clock("2026-11-25T22:00")
    task = FollowUpTask.objects.get(ticket=completed(tw))
    assert task.scheduled_for == at("2026-11-26T08:00")
    # Not on the butler's list before then; on it from then on.
    assert list(followups.my_due_tasks(tw.butler, now=at("2026-11-26T07:59"))) == []
    assert list(followups.my_due_tasks(tw.butler, now=at("2026-11-26T08:00"))) == [task]


def test_a_complaint_gets_its_task_at_first_feedback_and_only_one(tw, clock):
    clock("2026-11-25T12:00")  # lunch: the call waits until 13:30
    ticket = services.ticket_create(
        actor=tw.desk,
        data={
            "kind": "complaint",
            "unit_id": tw.unit.pk,
            "resident_id": tw.resident.pk,
            "description": "噪音",
        },
    )
    act(tw.desk, ticket, Action.FIRST_FEEDBACK, feedback="已联系楼上业主")
    act(tw.desk, ticket, Action.COMPLETE, resolution="已协调")
    task = FollowUpTask.objects.get(ticket=ticket)
    assert task.owner == tw.staff["desk"] and task.scheduled_for == at("2026-11-25T13:30")


def test_the_follow_up_call_closes_the_task(tw, clock):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    clock("2026-11-25T15:00")
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=True, score=5)
    task = FollowUpTask.objects.get(ticket=ticket)
    assert task.outcome == FollowUpOutcome.SATISFIED and task.closed_at == at("2026-11-25T15:00")
    assert task.attempts == 1 and not task.is_open


def test_an_unsatisfied_call_closes_the_task_and_the_rework_gets_a_new_one(tw, clock):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=False, score=2, root_cause="接头未拧紧")
    first = FollowUpTask.objects.get(ticket=ticket)
    assert first.outcome == FollowUpOutcome.UNSATISFIED
    ticket.refresh_from_db()
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk, root_cause="接头未拧紧")
    act(tw.technician, ticket, Action.ACCEPT)
    act(tw.technician, ticket, Action.ARRIVE)
    act(tw.technician, ticket, Action.COMPLETE, resolution="重新安装")
    second = FollowUpTask.objects.exclude(pk=first.pk).get(ticket=ticket)
    assert second.round == 1 and second.is_open


def test_unreachable_three_times_gives_up_and_says_so_in_the_timeline(tw, clock):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    task = FollowUpTask.objects.get(ticket=ticket)
    task = followups.followup_unreachable(actor=tw.butler, task=task, now=at("2026-11-25T10:05"))
    assert task.outcome == FollowUpOutcome.UNREACHABLE and task.attempts == 1
    assert task.scheduled_for == at("2026-11-25T13:30")  # two hours later is lunch: after it
    task = followups.followup_unreachable(actor=tw.butler, task=task, now=at("2026-11-25T20:00"))
    assert task.scheduled_for == at("2026-11-26T08:00")  # never at night
    task = followups.followup_unreachable(
        actor=tw.butler, task=task, note="电话关机", now=at("2026-11-26T08:10")
    )
    assert task.outcome == FollowUpOutcome.GAVE_UP and task.attempts == 3 and not task.is_open
    event = TicketEvent.objects.filter(ticket=ticket).order_by("-id").first()
    assert (
        event.action == Action.COMMENT and event.data == {"follow_up": "gave_up"} and event.note == "电话关机"
    )
    # A task given up is not tried again.
    with pytest.raises(Exception, match="已结束"):
        followups.followup_unreachable(actor=tw.butler, task=task)


def test_the_follow_up_rate(tw, clock):
    clock("2026-11-25T10:00")
    done = completed(tw)
    completed(tw)
    act(tw.butler, done, Action.FOLLOW_UP, satisfied=True, score=4)
    clock("2026-11-25T22:00")
    completed(tw)  # due tomorrow morning
    rate = followups.followup_rate(FollowUpTask.objects.all(), now=at("2026-11-25T23:00"))
    assert (rate.due, rate.done, rate.rate) == (2, 1, 0.5)
    assert followups.followup_rate(FollowUpTask.objects.none()).rate is None


def test_the_page_lists_my_due_calls_and_records_unreachable(tw, clock, client):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    task = FollowUpTask.objects.get(ticket=ticket)
    client.force_login(tw.butler)
    page = client.get(reverse("ticket_followups"))
    assert page.status_code == 200
    html = page.content.decode()
    assert ticket.number in html and "满意" in html and "联系不上" in html
    assert f"{reverse('ticket_detail', args=[ticket.pk])}?action=follow_up" in html
    response = client.post(reverse("ticket_followup_unreachable", args=[task.pk]), follow=True)
    assert response.redirect_chain == [(reverse("ticket_followups"), 302)]
    assert "再次回访" in response.content.decode()
    task.refresh_from_db()
    assert task.attempts == 1 and task.outcome == FollowUpOutcome.UNREACHABLE
    # Someone else's list does not show it.
    client.force_login(tw.technician)
    assert ticket.number not in client.get(reverse("ticket_followups")).content.decode()


def test_the_api_lists_mine_and_records_unreachable(tw, clock):
    clock("2026-11-25T10:00")
    ticket = completed(tw)
    task = FollowUpTask.objects.get(ticket=ticket)
    mine = Api(tw.butler).get("followups?mine=true")
    assert mine.status_code == 200
    assert [row["ticket_number"] for row in mine.json()["items"]] == [ticket.number]
    assert Api(tw.technician).get("followups?mine=true").json()["items"] == []
    answer = Api(tw.butler).post(f"followups/{task.pk}/unreachable", {"note": "无人接听"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["attempts"] == 1 and answer.json()["outcome"] == "unreachable"
    # Another company's people do not find it.
    assert Api(tw.foreign_admin).post(f"followups/{task.pk}/unreachable", {}).status_code == 404
    assert Api(tw.resident_user).get("followups").json()["items"] == []
