"""Races on PostgreSQL: two GMs issuing the statement at once, the re-call job on two consumers at
once, two hand-overs at once — exactly one wins each time."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanjia.core.errors import Conflict
from guanjia.core.roles import Role
from guanjia.emergencies import services
from guanjia.emergencies.models import Recall, Statement
from guanjia.emergencies.tests.conftest import DAY, NIGHT, at, open_fire
from guanjia.notifications.models import Notification
from guanjia.testing import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def race(fn, n=2):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            result = fn(i)
            outcomes.append(result if isinstance(result, int) else "ok")
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


def second_gm(ew):
    return f.make_staff(
        company=ew.company, roles=[Role.PROJECT_MANAGER], projects=[ew.project], name="副经理"
    ).user


def test_two_gms_issue_the_statement_at_once_one_wins(ew):
    incident = open_fire(ew)
    gms = [ew.manager, second_gm(ew)]
    outcomes = race(lambda i: services.statement_issue(actor=gms[i], incident=incident, body=f"声明{i}"))
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert Statement.objects.filter(incident=incident).count() == 1


def test_the_recall_job_on_two_consumers_recalls_once(ew):
    incident = open_fire(ew)
    outcomes = race(lambda i: services.recall_due(now=DAY + datetime.timedelta(minutes=6)))
    assert sum(outcomes) == 6, outcomes
    assert Recall.objects.filter(incident=incident).count() == 6
    assert (
        Notification.objects.filter(dedup_key=f"emergency-{incident.pk}-recall-1", channel="in_app").count()
        == 6
    )


def test_two_hand_overs_at_once_one_wins(ew, monkeypatch):
    at(monkeypatch, NIGHT)
    incident = open_fire(ew)
    gms = [ew.manager, second_gm(ew)]
    outcomes = race(lambda i: services.incident_take_command(actor=gms[i], incident=incident))
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert incident.log.filter(kind="handover").count() == 1
