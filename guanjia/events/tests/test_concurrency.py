"""Households asking for the last seat at the same instant: exactly one gets it, the other is refused
(or waits, when it asked for the waiting list). The event's row lock serialises them — on PostgreSQL
(``SELECT … FOR UPDATE``) and on SQLite as deployed (a file; the IMMEDIATE transaction's write lock)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanjia.core.errors import Conflict
from guanjia.events import services
from guanjia.events.models import EventSignup
from guanjia.events.tests.conftest import published

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _real_concurrency():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite shares one cache between threads and refuses a second writer instead "
            "of waiting: run with GUANJIA_TEST_DB_FILE=1"
        )


def race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            signup = call()
            outcomes.append(signup.status)
        except (Conflict, ValidationError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_four_households_for_the_last_seat_one_winner(ew):
    event = published(ew, capacity=3)
    services.signup_create(actor=ew.resident_user, event=event, people=2)
    users = [user for _unit, user in ew.households]
    outcomes = race([lambda u=u: services.signup_create(actor=u, event=event, people=1) for u in users])
    assert outcomes == ["Conflict", "Conflict", "Conflict", "confirmed"], outcomes
    assert services.seats_taken(event) == 3


def test_with_the_waiting_list_one_gets_the_seat_and_the_others_wait_in_order(ew):
    event = published(ew, capacity=1)
    users = [user for _unit, user in ew.households[:3]]
    outcomes = race(
        [lambda u=u: services.signup_create(actor=u, event=event, people=1, waitlist=True) for u in users]
    )
    assert outcomes == ["confirmed", "waiting", "waiting"], outcomes
    waiting = EventSignup.objects.filter(event=event, status="waiting").order_by("queued_at", "id")
    assert [services.waiting_position(s) for s in waiting] == [1, 2]
