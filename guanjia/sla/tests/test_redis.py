"""The escalation job through a real Redis queue with two consumers: each step exactly once.

Runs only where REDIS_URL is set (CI starts a throw-away redis-server for it: ``pytest -m redis``)."""

import os
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from guanjia.sla import services
from guanjia.sla.models import Escalation, TicketDeadline
from guanjia.sla.tests.helpers import receive
from guanjia.tickets.choices import Action
from guanjia.tickets.models import TicketEvent

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server at REDIS_URL"),
]


def test_two_consumers_of_a_redis_queue_take_each_step_once(tw):
    from huey import RedisHuey

    huey = RedisHuey(name=f"guanjia-test-{uuid.uuid4().hex}", url=os.environ["REDIS_URL"], immediate=False)
    later = timezone.now() + timezone.timedelta(days=5)
    tickets = [receive(tw, category_id=tw.leak.pk, description=f"漏水 {i}") for i in range(3)]
    # SQLite cannot take two writers at once; there the consumers' database work takes turns.
    sqlite_turns = threading.Lock() if connection.vendor == "sqlite" else None

    @huey.task()
    def escalate():
        if sqlite_turns is None:
            return services.escalate_due(now=later)
        with sqlite_turns:
            return services.escalate_due(now=later)

    try:
        escalate()
        escalate()  # the job enqueued twice (a late run overlapping the next one)
        assert huey.pending_count() == 2
        barrier = threading.Barrier(2)
        results, errors = [], []

        def consumer():
            try:
                barrier.wait()
                task = huey.dequeue()
                results.append(huey.execute(task))
            except Exception as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=consumer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert huey.pending_count() == 0
        # Five days on, every clock of every request has passed all four steps of the ladder, and
        # each step was taken once however the two consumers shared the work.
        clocks = {t.pk: TicketDeadline.objects.filter(ticket=t).count() for t in tickets}
        assert all(clocks.values())
        assert sum(results) == 4 * sum(clocks.values()) == Escalation.objects.count()
        for ticket in tickets:
            assert Escalation.objects.filter(ticket=ticket).count() == 4 * clocks[ticket.pk]
            assert (
                TicketEvent.objects.filter(ticket=ticket, action=Action.ESCALATE).count()
                == 4 * clocks[ticket.pk]
            )
    finally:
        huey.storage.flush_all()
