"""Preventive maintenance: generation exactly once (double runs, gaps), the fire defaults over a year,
editing plans, doing tasks, failed lines becoming repair requests, overdue escalation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.facilities import services
from guanjia.facilities.choices import EquipmentStatus, Frequency, TaskStatus
from guanjia.facilities.models import EquipmentRepair, MaintenancePlan, MaintenanceTask, TaskEscalation
from guanjia.facilities.tests.conftest import at
from guanjia.notifications.models import Notification
from guanjia.tickets.choices import Channel, Kind, Status
from guanjia.tickets.models import Ticket

JAN1 = datetime.date(2026, 1, 1)
YEAR_END = datetime.date(2027, 1, 1)


def weekly_plan(fw, **extra):
    data = {
        "project_id": fw.project.pk,
        "name": "泵房每周巡检",
        "equipment_id": fw.pump.pk,
        "frequency": Frequency.WEEKLY,
        "starts_on": JAN1,
        "checklist": [
            {"text": "泵体无渗漏", "expected": "无渗漏"},
            {"text": "出口压力", "kind": "reading", "unit": "MPa", "min": "0.3", "max": "0.8"},
        ],
        **extra,
    }
    return services.plan_create(actor=fw.manager, data=data)


@pytest.mark.django_db
def test_generation_is_exactly_once_under_double_runs(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    first = MaintenanceTask.objects.filter(plan=plan).count()
    # Periods starting before Jan 1 + 7 days: only the first week.
    assert first == 2 - 1  # Jan 1 only (Jan 8 is not before the horizon)
    assert services.generate_tasks(now=at(JAN1)) == 0
    assert services.generate_tasks(now=at(JAN1)) == 0
    assert MaintenanceTask.objects.filter(plan=plan).count() == first


@pytest.mark.django_db
def test_generation_catches_up_after_a_gap_without_duplicates(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    services.generate_tasks(now=at(JAN1 + datetime.timedelta(days=3)))
    before = MaintenanceTask.objects.filter(plan=plan).count()
    assert before == 2  # Jan 1, and Jan 8 (within the week ahead)
    # Down for two months: the next run makes every missed week, once.
    later = JAN1 + datetime.timedelta(days=60)
    created = services.generate_tasks(now=at(later))
    services.generate_tasks(now=at(later))
    starts = list(
        MaintenanceTask.objects.filter(plan=plan)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    assert starts == [JAN1 + datetime.timedelta(weeks=k) for k in range(len(starts))]
    assert starts[-1] < later + services.GENERATE_AHEAD <= starts[-1] + datetime.timedelta(weeks=1)
    assert created == len(starts) - before
    assert len(set(starts)) == len(starts)


@pytest.mark.django_db
def test_the_unique_constraint_refuses_a_second_task_for_a_period(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    task = MaintenanceTask.objects.get(plan=plan)
    clone = MaintenanceTask(
        company_id=task.company_id,
        project_id=task.project_id,
        plan=plan,
        equipment=task.equipment,
        period_start=task.period_start,
        period_end=task.period_end,
        due_at=task.due_at,
        team=task.team,
    )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.django_db
def test_fire_defaults_make_the_expected_tasks_over_a_year(fw, frozen):
    frozen(at(JAN1))
    plans = services.fire_plans_apply(actor=fw.manager, project=fw.project, starts_on=JAN1)
    assert services.fire_plans_apply(actor=fw.manager, project=fw.project, starts_on=JAN1) == plans
    assert MaintenancePlan.objects.filter(project=fw.project).count() == 4
    # The job runs through the year (every 3 days, some runs doubled, one long outage).
    day = JAN1
    while day < YEAR_END:
        if not datetime.date(2026, 5, 1) <= day < datetime.date(2026, 6, 15):
            services.generate_tasks(now=at(day))
            if day.day == 1:
                services.generate_tasks(now=at(day, 10))
        day += datetime.timedelta(days=3)
    counts = {
        plan.template: MaintenanceTask.objects.filter(plan=plan, period_end__lte=YEAR_END).count()
        for plan in plans
    }
    assert counts == {"fire_weekly": 52, "fire_monthly": 12, "fire_half_yearly": 2, "fire_yearly": 1}
    weekly = plans[0]
    assert weekly.checklist[0]["text"] == "检查各处消防栓、消防水管"
    assert len(weekly.checklist) == 5
    half = MaintenanceTask.objects.filter(plan=plans[2]).order_by("period_start")
    assert [t.period_start for t in half[:2]] == [JAN1, datetime.date(2026, 7, 1)]
    # The half-yearly window is 30 days from the period start, in Shanghai time.
    assert half[0].due_at == services.local_midnight(datetime.date(2026, 1, 31))


@pytest.mark.django_db
def test_fire_defaults_cover_every_fire_item_and_only_fire_items(fw, frozen):
    frozen(at(JAN1))
    extinguisher_type = fw.types["消防"].children.get(name="灭火器")
    services.equipment_create(
        actor=fw.manager,
        data={"project_id": fw.project.pk, "type_id": extinguisher_type.pk, "name": "1栋灭火器组"},
    )
    services.equipment_create(
        actor=fw.manager,
        data={"project_id": fw.project.pk, "type_id": fw.types["电梯"].pk, "name": "1栋1号梯"},
    )
    plans = services.fire_plans_apply(actor=fw.manager, project=fw.project, starts_on=JAN1)
    weekly = MaintenanceTask.objects.filter(plan=plans[0])
    assert sorted(t.equipment.name for t in weekly) == ["1栋消防泵房", "1栋灭火器组"]


@pytest.mark.django_db
def test_editing_a_plan_changes_future_tasks_only(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    services.generate_tasks(now=at(datetime.date(2026, 1, 10)))
    current = MaintenanceTask.objects.get(plan=plan, period_start=datetime.date(2026, 1, 8))
    future = MaintenanceTask.objects.get(plan=plan, period_start=datetime.date(2026, 1, 15))
    frozen(at(datetime.date(2026, 1, 10)))
    services.plan_update(
        actor=fw.manager, plan=plan, data={"checklist": [{"text": "新检查项", "expected": "正常"}]}
    )
    current.refresh_from_db()
    assert current.checklist[0]["text"] == "泵体无渗漏"  # already begun: unchanged
    assert not MaintenanceTask.objects.filter(pk=future.pk).exists()
    remade = MaintenanceTask.objects.get(plan=plan, period_start=datetime.date(2026, 1, 15))
    assert remade.checklist == [{"text": "新检查项", "expected": "正常", "kind": "check"}]
    assert MaintenanceTask.objects.filter(plan=plan).count() == 3


@pytest.mark.django_db
def test_plan_input_is_checked_naming_the_field(fw):
    with pytest.raises(ValidationError) as err:
        weekly_plan(fw, checklist=[{"text": "压力", "kind": "reading", "min": "2", "max": "1"}])
    assert "checklist.0.max" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        weekly_plan(fw, frequency=Frequency.EVERY_N_DAYS)
    assert "interval_days" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        weekly_plan(fw, equipment_type_id=fw.types["消防"].pk)
    assert "equipment_id" in err.value.message_dict
    with pytest.raises(NotAllowed):
        services.plan_create(actor=fw.technician, data={"project_id": fw.project.pk})
    assert not MaintenancePlan.objects.exists()


def _results(fw, *, leak="pass", pressure="0.5"):
    return [{"position": 1, "result": leak}, {"position": 2, "reading": pressure}]


@pytest.mark.django_db
def test_a_task_needs_the_items_qr_scan_before_results(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    task = MaintenanceTask.objects.get(plan=plan)
    with pytest.raises(Conflict):
        services.task_complete(actor=fw.technician, task=task, results=_results(fw))
    with pytest.raises(ValidationError) as err:
        services.task_start(actor=fw.technician, task=task, code="wrong")
    assert "code" in err.value.message_dict
    services.task_start(actor=fw.technician, task=task, code=fw.pump.qr_token)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.scanned_by == fw.technician
    with pytest.raises(Conflict):  # someone who did not scan cannot fill it in
        services.task_complete(actor=fw.head, task=task, results=_results(fw))
    with pytest.raises(ValidationError) as err:
        services.task_complete(actor=fw.technician, task=task, results=[{"position": 1, "result": "pass"}])
    assert "results.1" in err.value.message_dict
    services.task_complete(actor=fw.technician, task=task, results=_results(fw))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.failed_lines == 0
    assert not Ticket.objects.exists()
    with pytest.raises(Conflict):
        services.task_complete(actor=fw.technician, task=task, results=_results(fw))


@pytest.mark.django_db
def test_a_future_task_cannot_be_started(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    services.generate_tasks(now=at(datetime.date(2026, 1, 3)))
    nxt = MaintenanceTask.objects.get(plan=plan, period_start=datetime.date(2026, 1, 8))
    frozen(at(datetime.date(2026, 1, 3)))
    with pytest.raises(Conflict):
        services.task_start(actor=fw.technician, task=nxt, code=fw.pump.qr_token)


def _do(fw, task, results):
    services.task_start(actor=fw.technician, task=task, code=fw.pump.qr_token)
    return services.task_complete(actor=fw.technician, task=task, results=results)


@pytest.mark.django_db
def test_failed_line_becomes_a_repair_request_linked_both_ways(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    task = MaintenanceTask.objects.get(plan=plan)
    _do(fw, task, _results(fw, leak="fail"))
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.channel) == (Kind.COMMON_REPAIR, Channel.MAINTENANCE)
    assert ticket.category.name == "消防"
    assert ticket.building_id == fw.building.pk and "1栋消防泵房" in ticket.location
    assert "限期整改" in ticket.description
    repair = EquipmentRepair.objects.get()
    assert repair.ticket == ticket and repair.equipment == fw.pump
    assert repair.rectify_by == at(JAN1) + datetime.timedelta(days=plan.rectify_days)
    assert ticket.facility_repair == repair  # and back from the request
    line = task.results.get(position=1)
    assert line.result == "fail" and line.repair == repair
    fw.pump.refresh_from_db()
    assert fw.pump.status == EquipmentStatus.FAULTY
    assert ObjectChange.objects.filter(object_repr__contains="fail").exists()

    # The next week's failure joins the open request instead of opening another.
    services.generate_tasks(now=at(datetime.date(2026, 1, 8)))
    frozen(at(datetime.date(2026, 1, 8)))
    second = MaintenanceTask.objects.get(plan=plan, period_start=datetime.date(2026, 1, 8))
    _do(fw, second, _results(fw, leak="fail"))
    assert Ticket.objects.count() == 1
    assert second.results.get(position=1).repair == repair

    # The request is closed: the item goes back in service (once, however often the job runs).
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    assert services.sync_repairs() == 1
    assert services.sync_repairs() == 0
    fw.pump.refresh_from_db()
    assert fw.pump.status == EquipmentStatus.IN_SERVICE


@pytest.mark.django_db
def test_reading_out_of_range_fails_and_raises_a_request(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    task = MaintenanceTask.objects.get(plan=plan)
    _do(fw, task, _results(fw, pressure="0.95"))
    line = task.results.get(position=2)
    assert line.result == "fail" and line.reading == Decimal("0.950")
    assert "超出范围" in line.note
    assert Ticket.objects.get().facility_repair.equipment == fw.pump
    task.refresh_from_db()
    assert task.failed_lines == 1


@pytest.mark.django_db
def test_reading_must_be_a_number(fw, frozen):
    frozen(at(JAN1))
    task = MaintenanceTask.objects.get(plan=weekly_plan(fw))
    services.task_start(actor=fw.technician, task=task, code=fw.pump.qr_token)
    with pytest.raises(ValidationError) as err:
        services.task_complete(actor=fw.technician, task=task, results=_results(fw, pressure="high"))
    assert "results.1.reading" in err.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and not task.results.exists()


@pytest.mark.django_db
def test_overdue_task_escalates_each_step_exactly_once(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    task = MaintenanceTask.objects.get(plan=plan)
    assert task.due_at == services.local_midnight(datetime.date(2026, 1, 8))
    assert services.escalate_overdue_tasks(now=at(datetime.date(2026, 1, 7))) == 0
    late = task.due_at + datetime.timedelta(hours=1)
    assert services.escalate_overdue_tasks(now=late) == 1
    assert services.escalate_overdue_tasks(now=late) == 0
    assert TaskEscalation.objects.filter(task=task).count() == 1
    head_notes = Notification.objects.filter(
        recipient=fw.head, dedup_key__startswith=f"facilities-task-{task.pk}-"
    )
    assert head_notes.filter(channel="in_app").count() == 1
    # After a long outage both remaining steps are taken once, in order.
    much_later = task.due_at + datetime.timedelta(days=5)
    assert services.escalate_overdue_tasks(now=much_later) == 1
    assert services.escalate_overdue_tasks(now=much_later) == 0
    assert list(TaskEscalation.objects.filter(task=task).values_list("step", flat=True)) == [1, 2]
    assert Notification.objects.filter(
        recipient=fw.manager, dedup_key=f"facilities-task-{task.pk}-step-2"
    ).exists()


@pytest.mark.django_db
def test_done_task_does_not_escalate(fw, frozen):
    frozen(at(JAN1))
    task = MaintenanceTask.objects.get(plan=weekly_plan(fw))
    _do(fw, task, _results(fw))
    assert services.escalate_overdue_tasks(now=task.due_at + datetime.timedelta(days=3)) == 0


@pytest.mark.django_db
def test_scrapping_an_item_drops_its_untouched_future_tasks(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    services.generate_tasks(now=at(datetime.date(2026, 1, 5)))
    assert MaintenanceTask.objects.filter(plan=plan).count() == 2
    services.equipment_update(actor=fw.manager, equipment=fw.pump, data={"status": EquipmentStatus.SCRAPPED})
    assert MaintenanceTask.objects.filter(plan=plan).count() == 1
    assert services.generate_tasks(now=at(datetime.date(2026, 2, 5))) == 0
