"""Jobs racing on several consumers, and two people at once: the unique constraints and row locks make
each task, escalation step, missed checkpoint and scan happen exactly once."""

import datetime

import pytest
from django.db import connection

from guanjia.facilities import services
from guanjia.facilities.models import MaintenanceTask, MissedCheckpoint, PatrolRound, TaskEscalation
from guanjia.facilities.services import common
from guanjia.facilities.tests.conftest import at
from guanjia.notifications.models import Notification
from guanjia.tickets.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]

JAN1 = datetime.date(2026, 1, 1)


def _plan(fw):
    return services.plan_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "周检",
            "equipment_id": fw.pump.pk,
            "frequency": "weekly",
            "starts_on": JAN1,
            "checklist": [{"text": "无渗漏"}],
        },
    )


def test_generation_on_four_consumers_at_once_makes_each_task_once(fw, frozen):
    frozen(at(JAN1))
    plan = _plan(fw)
    later = at(JAN1 + datetime.timedelta(days=90))
    outcomes = race(lambda i: services.generate_tasks(now=later), n=4)
    assert outcomes == ["ok"] * 4
    starts = list(MaintenanceTask.objects.filter(plan=plan).values_list("period_start", flat=True))
    assert len(starts) == len(set(starts)) == 14


def test_escalation_on_two_consumers_notifies_once(fw, frozen):
    frozen(at(JAN1))
    task = MaintenanceTask.objects.get(plan=_plan(fw))
    outcomes = race(lambda i: services.escalate_overdue_tasks(now=task.due_at + datetime.timedelta(hours=1)))
    assert outcomes == ["ok", "ok"]
    assert TaskEscalation.objects.filter(task=task).count() == 1
    assert (
        Notification.objects.filter(
            recipient=fw.head, channel="in_app", dedup_key__contains="-step-1"
        ).count()
        == 1
    )


def test_closing_rounds_on_two_consumers_flags_once(fw, frozen):
    frozen(at(JAN1))
    route = services.route_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "夜巡",
            "department": "security",
            "round_times": "22:00",
            "checkpoints": [{"name": "东门"}, {"name": "西门"}],
        },
    )
    services.generate_rounds(now=at(JAN1, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(JAN1, 22))
    outcomes = race(lambda i: services.close_rounds(now=at(JAN1, 23) + datetime.timedelta(minutes=1)))
    assert outcomes == ["ok", "ok"]
    assert MissedCheckpoint.objects.filter(round=patrol).count() == 2
    assert Notification.objects.filter(recipient=fw.security_head, channel="in_app").count() == 1


def test_the_same_checkpoint_scanned_twice_at_once_counts_once(fw, frozen):
    route = services.route_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "夜巡",
            "department": "security",
            "round_times": "22:00",
            "checkpoints": [{"name": "东门"}],
        },
    )
    now = common._now()
    patrol = PatrolRound.objects.create(
        company=fw.company,
        project=fw.project,
        route=route,
        window_start=now - datetime.timedelta(minutes=1),
        window_end=now + datetime.timedelta(minutes=59),
        checkpoint_count=1,
    )
    code = route.checkpoints.get().qr_token
    outcomes = race(lambda i: services.round_scan(actor=fw.guard, patrol=patrol, code=code))
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert patrol.scans.count() == 1
