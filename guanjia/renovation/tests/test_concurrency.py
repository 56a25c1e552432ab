"""Two deciders pressing at once: exactly one wins, the other gets 409 (the row lock serialises them).
Real concurrent transactions need PostgreSQL; the sequential 409 runs everywhere (test_api)."""

import pytest
from django.db import connection

from guanjia.renovation import services
from guanjia.renovation.choices import RenovationStatus
from guanjia.renovation.models import Renovation
from guanjia.renovation.tests.conftest import application
from guanjia.tickets.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def test_approve_and_reject_at_once_one_wins(rw):
    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    calls = [
        lambda: services.renovation_approve(
            actor=rw.engineer, renovation=Renovation.objects.get(pk=renovation.pk)
        ),
        lambda: services.renovation_reject(
            actor=rw.manager, renovation=Renovation.objects.get(pk=renovation.pk), reason="资料不全"
        ),
    ]
    outcomes = race(lambda i: calls[i]())
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    renovation.refresh_from_db()
    assert renovation.status in (RenovationStatus.APPROVED, RenovationStatus.REJECTED)
    assert renovation.events.filter(action__in=["engineering_approved", "rejected"]).count() == 1


def test_two_engineers_approve_at_once_one_wins(rw):
    from guanjia.core.roles import Role
    from guanjia.staff.choices import Department
    from guanjia.testing import factories as f

    second = f.make_staff(
        company=rw.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[rw.project],
        department=Department.ENGINEERING,
        name="工程主管二",
    ).user
    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    people = [rw.engineer, second]
    outcomes = race(
        lambda i: services.renovation_approve(
            actor=people[i], renovation=Renovation.objects.get(pk=renovation.pk)
        )
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert renovation.events.filter(action="engineering_approved").count() == 1
