"""A request that changed under the person acting on it: the refusal says so (409, the new state),
so the app or page refreshes — 403 stays for what the person could never do."""

import pytest
from django.urls import reverse

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.testing.api import Api
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def dispatched(tw) -> Ticket:
    ticket = services.ticket_create(
        actor=tw.desk, data={"unit_id": tw.unit.pk, "kind": "home_repair", "description": "卫生间漏水"}
    )
    return services.ticket_act(
        actor=tw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": tw.staff["technician"].pk}
    )


def reassign(tw, ticket) -> Ticket:
    return services.ticket_act(
        actor=tw.desk,
        ticket=ticket,
        action=Action.REASSIGN,
        data={"assignee_id": tw.staff["technician2"].pk, "reason": "原师傅在别的楼栋"},
    )


def test_accepting_a_request_reassigned_a_moment_ago_is_409_naming_the_new_state_in_the_api(tw):
    ticket = dispatched(tw)
    api = Api(tw.technician)
    seen = api.get(f"tickets/{ticket.pk}").json()
    assert "accept" in seen["allowed_actions"] and seen["version"]
    reassign(tw, ticket)  # meanwhile, at the desk

    response = api.post(f"tickets/{ticket.pk}/accept", {"expected_version": seen["version"]})
    assert response.status_code == 409, response.content
    assert "已派工" in response.json()["detail"] and "维修工二" in response.json()["detail"]
    assert "刷新" in response.json()["detail"]
    assert not TicketEvent.objects.filter(ticket=ticket, action=Action.ACCEPT).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED

    # Refreshed, the same person sees it is no longer theirs: now "not allowed" is the truth.
    fresh = api.get(f"tickets/{ticket.pk}").json()
    assert "accept" not in fresh["allowed_actions"]
    response = api.post(f"tickets/{ticket.pk}/accept", {"expected_version": fresh["version"]})
    assert response.status_code == 403


def test_completed_under_the_technician_is_409_too(tw):
    ticket = dispatched(tw)
    seen = Ticket.objects.get(pk=ticket.pk).version
    services.ticket_act(actor=tw.desk, ticket=ticket, action=Action.CANCEL, data={"reason": "业主已自行修好"})
    with pytest.raises(Conflict) as refused:
        services.ticket_act(actor=tw.technician, ticket=ticket, action=Action.ACCEPT, expected_version=seen)
    assert "已取消" in refused.value.message and refused.value.extra["status"] == Status.CANCELLED


def test_what_a_person_could_never_do_stays_403(tw):
    ticket = dispatched(tw)
    current = Ticket.objects.get(pk=ticket.pk).version
    # The other technician was never sent: unchanged request, still not theirs.
    with pytest.raises(NotAllowed):
        services.ticket_act(
            actor=tw.technician2, ticket=ticket, action=Action.ACCEPT, expected_version=current
        )
    # A client that sends no version keeps the old answer.
    reassign(tw, ticket)
    with pytest.raises(NotAllowed):
        services.ticket_act(actor=tw.technician, ticket=ticket, action=Action.ACCEPT)


def test_a_change_that_does_not_matter_does_not_refuse(tw):
    ticket = dispatched(tw)
    seen = Ticket.objects.get(pk=ticket.pk).version
    services.ticket_act(actor=tw.desk, ticket=ticket, action=Action.COMMENT, data={"note": "业主下午在家"})
    done = services.ticket_act(
        actor=tw.technician, ticket=ticket, action=Action.ACCEPT, expected_version=seen
    )
    assert done.status == Status.ACCEPTED


def test_the_technicians_my_work_button_after_a_reassign_says_refresh_not_forbidden(tw, client):
    ticket = dispatched(tw)
    client.force_login(tw.technician)
    page = client.get(reverse("my_work")).content.decode()
    version = Ticket.objects.get(pk=ticket.pk).version
    assert f'name="expected_version" value="{version}"' in page
    reassign(tw, ticket)

    response = client.post(
        reverse("ticket_act", args=[ticket.pk, Action.ACCEPT]),
        {"expected_version": version, "next": reverse("my_work")},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "工单在您打开后已有变化" in body and "维修工二" in body
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED
