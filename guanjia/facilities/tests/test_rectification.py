"""Rectification deadlines (限期整改): a repair request raised by a failed checklist line and still
open when its deadline passes escalates — the assignee first, then the engineering heads and project
managers — each step exactly once however often (and however late) the job runs."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from guanjia.facilities import services, tasks
from guanjia.facilities.models import EquipmentRepair, MaintenanceTask, RepairEscalation
from guanjia.facilities.services import maintenance_overdue
from guanjia.facilities.tests.conftest import at
from guanjia.facilities.tests.test_maintenance import JAN1, _do, _results, weekly_plan
from guanjia.notifications.models import Notification
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Status
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _failed_repair(fw, frozen, *, assign=True) -> EquipmentRepair:
    frozen(at(JAN1))
    plan = weekly_plan(fw, rectify_days=3)
    _do(fw, MaintenanceTask.objects.get(plan=plan), _results(fw, leak="fail"))
    repair = EquipmentRepair.objects.select_related("ticket").get()
    if assign:
        Ticket.objects.filter(pk=repair.ticket_id).update(
            assignee=StaffMember.objects.get(user=fw.technician)
        )
    return repair


def _notes(user, repair, step):
    return Notification.objects.filter(
        recipient=user, dedup_key=f"facilities-repair-{repair.pk}-step-{step}", channel="in_app"
    )


def test_an_open_repair_past_its_deadline_escalates_each_step_once(fw, frozen):
    repair = _failed_repair(fw, frozen)
    assert repair.rectify_by == at(JAN1) + datetime.timedelta(days=3)
    assert services.escalate_overdue_repairs(now=repair.rectify_by - datetime.timedelta(minutes=1)) == 0

    late = repair.rectify_by + datetime.timedelta(minutes=5)
    assert services.escalate_overdue_repairs(now=late) == 1
    assert services.escalate_overdue_repairs(now=late) == 0  # a double run
    assert _notes(fw.technician, repair, 1).count() == 1  # the assignee first
    assert not _notes(fw.head, repair, 1).exists()
    repair.refresh_from_db()
    assert repair.escalation_step == 1

    next_day = repair.rectify_by + datetime.timedelta(days=1, minutes=1)
    assert services.escalate_overdue_repairs(now=next_day) == 1
    assert services.escalate_overdue_repairs(now=next_day) == 0
    assert _notes(fw.head, repair, 2).count() == 1  # then the engineering head
    assert _notes(fw.manager, repair, 2).count() == 1  # and the project manager
    assert list(RepairEscalation.objects.filter(repair=repair).values_list("step", flat=True)) == [1, 2]
    assert services.escalate_overdue_repairs(now=next_day + datetime.timedelta(days=30)) == 0


def test_after_downtime_both_steps_are_taken_once_in_order(fw, frozen):
    repair = _failed_repair(fw, frozen)
    much_later = repair.rectify_by + datetime.timedelta(days=10)
    assert services.escalate_overdue_repairs(now=much_later) == 2
    assert services.escalate_overdue_repairs(now=much_later) == 0
    steps = list(RepairEscalation.objects.filter(repair=repair).order_by("id").values_list("step", flat=True))
    assert steps == [1, 2]


def test_without_an_assignee_the_first_step_goes_to_the_engineering_heads(fw, frozen):
    repair = _failed_repair(fw, frozen, assign=False)
    assert services.escalate_overdue_repairs(now=repair.rectify_by + datetime.timedelta(hours=1)) == 1
    assert _notes(fw.head, repair, 1).count() == 1


def test_a_repair_finished_in_time_never_escalates(fw, frozen):
    repair = _failed_repair(fw, frozen)
    Ticket.objects.filter(pk=repair.ticket_id).update(status=Status.CLOSED)
    # even before the sync job closed the link
    assert services.escalate_overdue_repairs(now=repair.rectify_by + datetime.timedelta(days=2)) == 0
    assert services.sync_repairs() == 1
    assert services.escalate_overdue_repairs(now=repair.rectify_by + datetime.timedelta(days=2)) == 0
    assert not RepairEscalation.objects.exists()


def test_the_constraint_refuses_a_second_row_for_a_step(fw, frozen):
    repair = _failed_repair(fw, frozen)
    services.escalate_overdue_repairs(now=repair.rectify_by + datetime.timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        RepairEscalation.objects.create(
            company=repair.company, project=repair.project, repair=repair, step=1, happened_at=timezone.now()
        )
    # A racing consumer that lost the insert takes no step and sends nothing more.
    repair.escalation_step = 0
    assert (
        maintenance_overdue._take_repair_step(repair, 1, repair.rectify_by + datetime.timedelta(hours=2))
        is False
    )
    assert _notes(fw.technician, repair, 1).count() == 1


def test_the_follow_up_job_escalates_rectifications(fw, frozen):
    repair = _failed_repair(fw, frozen)
    frozen(repair.rectify_by + datetime.timedelta(days=2))
    result = tasks.run_follow_up()
    assert result["repair_escalations"] == 2
    assert tasks.run_follow_up()["repair_escalations"] == 0


def test_overdue_rectification_shows_on_the_item_page_and_home(fw, frozen, client):
    repair = _failed_repair(fw, frozen)
    services.escalate_overdue_repairs(now=timezone.now() + datetime.timedelta(days=400))
    client.force_login(fw.manager)
    page = client.get(reverse("facilities:equipment", args=[fw.pump.pk])).content.decode()
    assert "整改逾期" in page and repair.ticket.number in page
    home = client.get(reverse("facilities:home")).content.decode()
    assert 'data-testid="overdue-repairs"' in home and repair.ticket.number in home
