"""Auto-dispatch when a repair is received: the timeline says why, urgent means told at once,
no rule means the dispatch queue, and the desk's override is recorded."""

import pytest

from guanjia.core.roles import Role
from guanjia.dispatch.tests.conftest import make_rule, on_duty, receive
from guanjia.notifications.models import Notification
from guanjia.testing import factories as f
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def dispatch_event(ticket):
    return TicketEvent.objects.get(ticket=ticket, action=Action.DISPATCH)


def test_a_received_repair_is_dispatched_by_the_rule_and_the_timeline_says_why(dw):
    rule = make_rule(dw)
    dw.tech2.skills.add(dw.water_skill)
    on_duty(dw, dw.tech2)
    ticket = receive(dw)
    assert ticket.status == Status.DISPATCHED
    assert ticket.assignee == dw.tech2
    assert ticket.dispatched_at is not None
    event = dispatch_event(ticket)
    assert event.actor is None
    assert event.data["auto"] is True
    assert event.data["rule"] == rule.pk
    assert "维修工二" in event.data["reason"] and "当班" in event.data["reason"]
    assert event.note.startswith("系统自动派工")


def test_residents_reports_are_dispatched_too(dw):
    make_rule(dw)
    f.make_staff(company=dw.company, roles=[Role.BUTLER], projects=[dw.project]).butler_buildings.set(
        [dw.building]
    )
    dw.tech1.skills.add(dw.water_skill)
    ticket = receive(dw, actor=dw.resident_user)
    assert ticket.assignee == dw.tech1


def test_no_rule_leaves_the_request_received_in_the_dispatch_queue(dw):
    from guanjia.dispatch.selectors import dispatch_queue

    ticket = receive(dw)
    assert ticket.status == Status.RECEIVED and ticket.assignee_id is None
    assert not TicketEvent.objects.filter(ticket=ticket, action=Action.DISPATCH).exists()
    assert ticket in dispatch_queue(dw.desk)


def test_the_desk_dispatching_itself_and_non_repairs_are_left_alone(dw):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    assert receive(dw, auto_dispatch=False).status == Status.RECEIVED
    complaint = receive(dw, kind="complaint")
    assert complaint.status == Status.RECEIVED
    assert receive(dw, category_id=None).status == Status.RECEIVED


def test_an_urgent_request_notifies_the_chosen_person_on_every_channel(
    dw, django_capture_on_commit_callbacks
):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    dw.technician.email = "tech@example.com"
    dw.technician.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(dw, priority="urgent")
    urgent = Notification.objects.filter(recipient=dw.technician, dedup_key=f"urgent-dispatch:{ticket.pk}")
    assert {n.channel for n in urgent} == {"in_app", "email"}
    assert all(ticket.number in n.subject and "紧急" in n.subject for n in urgent)


def test_a_normal_request_sends_no_urgent_notice(dw):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    ticket = receive(dw)
    assert not Notification.objects.filter(dedup_key=f"urgent-dispatch:{ticket.pk}").exists()


def test_the_desk_overriding_an_automatic_dispatch_is_recorded(dw):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    ticket = receive(dw)
    assert ticket.assignee == dw.tech1
    ticket = ticket_services.ticket_act(
        actor=dw.desk,
        ticket=ticket,
        action=Action.REASSIGN,
        data={"assignee_id": dw.tech2.pk, "reason": "业主指定师傅"},
    )
    assert ticket.assignee == dw.tech2
    event = TicketEvent.objects.get(ticket=ticket, action=Action.REASSIGN)
    assert event.data["override_of"] == dw.tech1.pk
    assert event.actor == dw.desk
    # A second reassignment overrides the desk, not the system: nothing more to record.
    ticket = ticket_services.ticket_act(
        actor=dw.desk,
        ticket=ticket,
        action=Action.REASSIGN,
        data={"assignee_id": dw.tech1.pk, "reason": "改回"},
    )
    last = TicketEvent.objects.filter(ticket=ticket, action=Action.REASSIGN).order_by("-id").first()
    assert "override_of" not in last.data


def test_reassigning_a_manual_dispatch_is_no_override(dw):
    ticket = receive(dw)
    ticket = ticket_services.ticket_act(
        actor=dw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": dw.tech1.pk}
    )
    ticket_services.ticket_act(
        actor=dw.desk,
        ticket=ticket,
        action=Action.REASSIGN,
        data={"assignee_id": dw.tech2.pk, "reason": "换人"},
    )
    assert "override_of" not in TicketEvent.objects.get(ticket=ticket, action=Action.REASSIGN).data


def test_nobody_but_the_system_acts_as_the_system(dw):
    """A person cannot borrow the system's right to dispatch: no roles, no dispatch."""
    from guanjia.core.errors import NotAllowed

    ticket = receive(dw)
    with pytest.raises(NotAllowed):
        ticket_services.ticket_act(
            actor=dw.technician, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": dw.tech1.pk}
        )
