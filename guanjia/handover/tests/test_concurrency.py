"""Two desks completing one handover at once: exactly one wins, the other gets 409 (the row lock
serialises them); one owner occupancy. Real concurrent transactions need PostgreSQL; the sequential
409 runs everywhere (test_flow, test_api)."""

import pytest
from django.db import connection

from guanjia.estates.models import Occupancy
from guanjia.handover import services
from guanjia.handover.models import Appointment
from guanjia.handover.tests.conftest import book, inspect_all, ready_to_complete
from guanjia.tickets.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def test_two_desks_complete_at_once_one_wins(hw):
    appointment = book(hw)
    inspect_all(hw, appointment, defects=0)
    ready_to_complete(hw, appointment)
    people = [hw.desk, hw.butler]
    outcomes = race(
        lambda i: services.appointment_complete(
            actor=people[i], appointment=Appointment.objects.get(pk=appointment.pk)
        )
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert Occupancy.objects.current().filter(unit=hw.new_unit, relation="owner").count() == 1
