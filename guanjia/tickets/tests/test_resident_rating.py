"""The resident rates (or asks for rework) as soon as the work is done, from the page the
"completed" notification opens; the call-back still happens, and both answers are kept and shown."""

import pytest
from django.urls import reverse

from guanjia.core.errors import Conflict
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import FollowUpTask, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def completed(tw) -> Ticket:
    ticket = services.ticket_create(
        actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "厨房水管漏水"}
    )
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    act(tw.technician, ticket, Action.ACCEPT)
    act(tw.technician, ticket, Action.ARRIVE)
    return act(tw.technician, ticket, Action.COMPLETE, resolution="更换了三通接头")


def test_the_completed_notification_opens_a_page_to_rate_at_once(
    tw, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = completed(tw)
    note = Notification.objects.filter(recipient=tw.resident_user, object_id=str(ticket.pk)).latest("id")
    assert note.url == reverse("portal_ticket_detail", args=[ticket.pk]) + "?action=rate#actions"
    assert "请您为本次服务评价" in note.body

    client.force_login(tw.resident_user)
    page = client.get(note.url).content.decode()
    assert 'data-action-form="rate" open' in page  # the rating, opened: what they came to do
    assert 'data-action-form="reopen"' in page  # or ask for the work to be done again

    response = client.post(
        reverse("portal_act", args=[ticket.pk, Action.RATE]),
        {"rate-score": "4", "rate-comment": "师傅很准时", "expected_version": ticket.version},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.rating == 4 and ticket.rating_comment == "师傅很准时"
    assert ticket.status == Status.COMPLETED and ticket.closed_at is None  # the call-back still comes
    assert FollowUpTask.objects.get(ticket=ticket).is_open
    page = client.get(note.url).content.decode()
    assert 'data-testid="rating"' in page and 'data-action-form="rate"' not in page  # rated once
    assert "您已评价，我们还会回访" in page and "工单关闭" not in page


def test_the_call_back_after_the_residents_rating_closes_and_both_are_kept(tw, client):
    ticket = completed(tw)
    act(tw.resident_user, ticket, Action.RATE, score=3, comment="修好了但地上没擦")
    with pytest.raises(Conflict):  # one rating per round
        act(tw.resident_user, ticket, Action.RATE, score=5)
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=True, score=4, comment="已致歉，下次注意清洁")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert (ticket.rating, ticket.follow_up_score, ticket.follow_up_satisfied) == (3, 4, True)
    assert not FollowUpTask.objects.filter(ticket=ticket).open().exists()

    client.force_login(tw.desk)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "3/5" in page and "修好了但地上没擦" in page and "4/5" in page
    client.force_login(tw.resident_user)
    page = client.get(reverse("portal_ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="rating"' in page and 'data-testid="follow-up"' in page
    api = Api(tw.resident_user).get(f"tickets/{ticket.pk}").json()
    assert (api["rating"], api["follow_up_score"]) == (3, 4)


def test_without_an_early_rating_the_loop_is_as_before(tw):
    ticket = completed(tw)
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=True, score=5)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.FOLLOWED_UP
    done = act(tw.resident_user, ticket, Action.RATE, score=5)
    assert done.status == Status.CLOSED and done.closed_at is not None


def test_rework_asks_for_a_new_rating_and_the_old_one_stays_in_the_timeline(tw):
    ticket = completed(tw)
    act(tw.resident_user, ticket, Action.RATE, score=2, comment="还在滴水")
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=False, score=2, root_cause="接头未拧紧")
    ticket.refresh_from_db()
    assert ticket.status == Status.REWORK and ticket.rating is None
    assert TicketEvent.objects.get(ticket=ticket, action=Action.RATE).data["score"] == 2


def test_the_resident_rating_does_not_stop_the_call_back_clock(tw):
    ticket = completed(tw)
    act(tw.resident_user, ticket, Action.RATE, score=5)
    running = {d.stage for d in ticket.deadlines.filter(done_at__isnull=True)}
    assert running == {"follow_up"}
