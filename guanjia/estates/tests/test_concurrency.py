"""Two people doing the same thing at the same moment: exactly one wins, the other gets a clear refusal."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanjia.core.errors import Conflict
from guanjia.estates import services
from guanjia.estates.models import Resident, Unit
from guanjia.testing.world import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def race(fn, n=2):
    """Run ``fn`` in n threads released at the same instant; return their outcomes."""
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        try:
            barrier.wait()
            fn()
            outcomes.append("ok")
        except (Conflict, ValidationError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_desks_creating_the_same_unit_one_wins():
    world = build_world()
    outcomes = race(
        lambda: services.unit_create(
            actor=world.manager,
            data={"building_id": world.building.pk, "floor": 5, "number": "501", "area": "80"},
        )
    )
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert Unit.objects.filter(building=world.building, number="501").count() == 1


def test_two_desks_registering_the_same_phone_one_wins():
    world = build_world()
    outcomes = race(
        lambda: services.resident_create(
            actor=world.desk, data={"project_id": world.project.pk, "name": "赵六", "phone": "13700001111"}
        ),
        n=4,
    )
    assert outcomes.count("ok") == 1, outcomes
    assert Resident.objects.filter(phone="13700001111").count() == 1
