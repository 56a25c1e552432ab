"""Two people acting on the same request at the same moment: exactly one wins, the other gets a 409."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanjia.core.errors import Conflict
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def race(fn, n=2):
    """Run ``fn(i)`` in n threads released at the same instant; return their outcomes."""
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            fn(i)
            outcomes.append("ok")
        except (Conflict, ValidationError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def received(tw) -> Ticket:
    return services.ticket_create(
        actor=tw.desk,
        data={"unit_id": tw.unit.pk, "kind": Kind.HOME_REPAIR, "description": "厨房水管漏水"},
    )


def test_accept_pressed_twice_at_once_is_accepted_once(tw):
    ticket = received(tw)
    services.ticket_act(
        actor=tw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": tw.staff["technician"].pk}
    )
    outcomes = race(lambda i: services.ticket_act(actor=tw.technician, ticket=ticket, action=Action.ACCEPT))
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ACCEPTED
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.ACCEPT).count() == 1


def test_two_dispatchers_sending_different_technicians_at_once_one_wins(tw):
    ticket = received(tw)
    dispatchers = [tw.desk, tw.butler]
    technicians = [tw.staff["technician"].pk, tw.staff["technician2"].pk]
    outcomes = race(
        lambda i: services.ticket_act(
            actor=dispatchers[i], ticket=ticket, action=Action.DISPATCH, data={"assignee_id": technicians[i]}
        )
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.DISPATCHED
    dispatch = TicketEvent.objects.get(ticket=ticket, action=Action.DISPATCH)
    assert stored.assignee.name == dispatch.data["assignee"]  # the timeline names the winner


def test_twenty_requests_received_at_once_get_twenty_consecutive_numbers(tw):
    outcomes = race(lambda i: received(tw), n=20)
    assert outcomes == ["ok"] * 20, outcomes
    numbers = sorted(Ticket.objects.filter(project=tw.project).values_list("number", flat=True))
    assert len(set(numbers)) == 20
    prefix = numbers[0].rsplit("-", 1)[0]
    assert numbers == [f"{prefix}-{n:05d}" for n in range(1, 21)]
