"""Two technicians taking the last washer at once: one issue, the other a 422 on the quantity, and
the shelf at zero, never below — on PostgreSQL (row lock + conditional update) and on SQLite as
deployed (a file; the IMMEDIATE transaction's write lock)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanjia.core.errors import Conflict
from guanjia.stores import services
from guanjia.stores.choices import MovementKind
from guanjia.stores.models import Movement, Stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _real_concurrency():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite shares one cache between threads and refuses a second writer instead "
            "of waiting: run with GUANJIA_TEST_DB_FILE=1"
        )


def test_two_issues_of_the_last_unit_have_one_winner(sw):
    services.movement_issue(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "2", "ticket_id": sw.ticket.pk},
    )
    people = [sw.technician, sw.manager]
    barrier = threading.Barrier(2)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            services.movement_issue(
                actor=people[i],
                data={
                    "store_id": sw.store.pk,
                    "item_id": sw.washer.pk,
                    "quantity": "1",
                    "ticket_id": sw.ticket.pk,
                },
            )
            outcomes.append("ok")
        except (Conflict, ValidationError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ValidationError", "ok"], outcomes
    assert Stock.objects.get(store=sw.store, item=sw.washer).on_hand == 0
    assert Movement.objects.filter(kind=MovementKind.ISSUE).count() == 2
    assert sw.ticket.materials.count() == 2
