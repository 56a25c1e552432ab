"""Demo data of facilities: every demo project has a ledger, the fire plans, months of task history
and patrol routes with rounds; seeding again adds nothing."""

import io

import pytest
from django.core.management import call_command

from guanjia.estates.models import Project
from guanjia.facilities.choices import TaskStatus
from guanjia.facilities.models import (
    CheckpointScan,
    Equipment,
    EquipmentRepair,
    MaintenancePlan,
    MaintenanceTask,
    MissedCheckpoint,
    PatrolRound,
    PatrolRoute,
)
from guanjia.notifications.models import Notification

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


def _counts():
    models = [Equipment, MaintenancePlan, MaintenanceTask, PatrolRoute, PatrolRound, CheckpointScan]
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_every_demo_project_has_facilities_and_seeding_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    first = _counts()
    for project in Project.objects.all():
        assert Equipment.objects.filter(project=project).count() >= 10
        templates = set(MaintenancePlan.objects.filter(project=project).values_list("template", flat=True))
        assert {"fire_weekly", "fire_monthly", "fire_half_yearly", "fire_yearly"} <= templates
        tasks = MaintenanceTask.objects.filter(project=project)
        done = tasks.filter(status=TaskStatus.DONE)
        assert done.count() >= 30
        months = {t.period_start.replace(day=1) for t in done}
        assert len(months) >= 3  # a few months of history
        assert PatrolRoute.objects.filter(project=project).exists()
        assert PatrolRound.objects.filter(project=project, closed_at__isnull=False).count() >= 10
    assert EquipmentRepair.objects.exists()  # some checks failed and became repair requests
    # The weekly fire check asks the extinguishers about extinguishers only (not hydrants, doors, lights).
    weekly = MaintenanceTask.objects.filter(plan__template="fire_weekly", equipment__type__name="灭火器")
    assert weekly.exists()
    assert {tuple(line["text"] for line in task.checklist) for task in weekly} == {("检查各类手提灭火器",)}
    assert MissedCheckpoint.objects.exists()
    assert not Notification.objects.filter(
        dedup_key__startswith="facilities-"
    ).exists()  # history is not news
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    assert _counts() == first
