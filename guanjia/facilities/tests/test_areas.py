"""Planned environmental work over areas (保洁, 消杀, 绿化) on the maintenance machinery: plans over an
area or a kind of area, tasks once per period, the QR scan in the area, an outsourced doer and the
company supervisor's check (never the doer), missed tasks escalating, the lists by discipline and
their export, and isolation between companies and projects."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.facilities import services
from guanjia.facilities.choices import AreaKind, CheckResult, Discipline, Frequency, TaskStatus
from guanjia.facilities.models import Area, MaintenanceTask, TaskEscalation
from guanjia.facilities.tests.conftest import at
from guanjia.notifications.models import Notification
from guanjia.staff.choices import Department
from guanjia.testing.api import Api, ScopedResourceBattery, ids
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db

MON = datetime.date(2026, 3, 2)  # a Monday


def cleaning_plan(ew, **extra):
    data = {
        "project_id": ew.project.pk,
        "name": "大堂日常保洁",
        "discipline": Discipline.CLEANING,
        "area_kind": AreaKind.LOBBY,
        "frequency": Frequency.DAILY,
        "starts_on": MON,
        "assignee_id": ew.cleaner.pk,
        "contractor": "洁美保洁",
        "checker_id": ew.env_head.pk,
        "checklist": [{"text": "地面干净无水渍", "expected": "无垃圾、无水渍"}, {"text": "玻璃门无手印"}],
        **extra,
    }
    return services.plan_create(actor=ew.manager, data=data)


def do_task(ew, task, *, results=None):
    services.task_start(actor=ew.cleaner.user, task=task, code=task.area.qr_token)
    return services.task_complete(
        actor=ew.cleaner.user,
        task=task,
        results=results or [{"position": 1, "result": "pass"}, {"position": 2, "result": "pass"}],
    )


def test_a_plan_over_a_kind_of_area_makes_one_task_per_area_and_day_exactly_once(ew, frozen):
    frozen(at(MON))
    plan = cleaning_plan(ew)
    assert plan.team == Department.ENVIRONMENT  # environmental work defaults to its department
    tasks = MaintenanceTask.objects.filter(plan=plan)
    # Today and the week ahead, for both lobbies, not the garden.
    assert tasks.count() == 2 * 7
    assert set(tasks.values_list("area_id", flat=True)) == {ew.lobby1.pk, ew.lobby2.pk}
    assert set(tasks.values_list("discipline", flat=True)) == {Discipline.CLEANING}
    assert set(tasks.values_list("checker_id", flat=True)) == {ew.env_head.pk}
    first = tasks.get(area=ew.lobby1, period_start=MON)
    assert first.due_at == services.local_midnight(MON + datetime.timedelta(days=1))
    # The job run again, late, twice: nothing more for the same days; a new day adds its pair.
    assert services.generate_tasks(now=at(MON)) == 0
    assert services.generate_tasks(now=at(MON + datetime.timedelta(days=1))) == 2
    assert services.generate_tasks(now=at(MON + datetime.timedelta(days=1))) == 0
    # A retired area gets no new work; its untouched future tasks go.
    services.area_update(actor=ew.manager, area=ew.lobby2, data={"is_active": False})
    assert not tasks.filter(area=ew.lobby2, period_start__gt=MON).exists()


def test_a_plan_must_fit_its_discipline_and_checker_differs_from_doer(ew, frozen):
    frozen(at(MON))
    with pytest.raises(ValidationError) as err:
        cleaning_plan(ew, area_kind=None, area_id=None)
    assert "area_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        cleaning_plan(ew, area_kind=None, equipment_id=ew.pump.pk)
    assert "equipment_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        cleaning_plan(ew, area_kind=None, area_id=ew.garden.pk, discipline=Discipline.MAINTENANCE)
    assert "area_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        cleaning_plan(ew, checker_id=ew.cleaner.pk)
    assert "checker_id" in err.value.message_dict
    assert not MaintenanceTask.objects.filter(area__isnull=False).exists()


def test_a_cleaner_does_the_task_in_the_area_and_the_supervisor_checks_it(ew, frozen):
    frozen(at(MON))
    plan = cleaning_plan(ew, area_kind=None, area_id=ew.lobby1.pk)
    task = MaintenanceTask.objects.get(plan=plan, period_start=MON)
    # The equipment's code does not start an area's task: the scan proves being in the area.
    with pytest.raises(ValidationError) as err:
        services.task_start(actor=ew.cleaner.user, task=task, code=ew.pump.qr_token)
    assert "code" in err.value.message_dict
    do_task(
        ew,
        task,
        results=[{"position": 1, "result": "pass"}, {"position": 2, "result": "fail", "note": "门上手印"}],
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.failed_lines == 1
    assert not Ticket.objects.exists()  # an area's failed line is the checker's, not a repair request
    # The doer cannot check their own work; neither can a colleague without the right.
    with pytest.raises(NotAllowed):
        services.task_check(actor=ew.cleaner.user, task=task, passed=True)
    with pytest.raises(NotAllowed):
        services.task_check(actor=ew.technician, task=task, passed=True)
    # A rejection needs a reason, goes back to the doer and tells them.
    with pytest.raises(ValidationError) as err:
        services.task_check(actor=ew.env_head.user, task=task, passed=False)
    assert "note" in err.value.message_dict
    services.task_check(actor=ew.env_head.user, task=task, passed=False, note="玻璃门重擦")
    task.refresh_from_db()
    assert (task.status, task.check_result) == (TaskStatus.IN_PROGRESS, CheckResult.REJECTED)
    assert not task.results.exists()
    assert Notification.objects.filter(recipient=ew.cleaner.user, kind="facilities.task_rejected").exists()
    services.task_complete(
        actor=ew.cleaner.user,
        task=task,
        results=[{"position": 1, "result": "pass"}, {"position": 2, "result": "pass"}],
    )
    services.task_check(actor=ew.env_head.user, task=task, passed=True)
    task.refresh_from_db()
    assert task.check_result == CheckResult.PASSED and task.checked_by == ew.env_head.user
    with pytest.raises(Conflict):
        services.task_check(actor=ew.manager, task=task, passed=False, note="再来")
    changes = ObjectChange.objects.filter(content_type__model="maintenancetask", object_id=str(task.pk))
    assert changes.filter(changes__has_key="check_result").count() >= 2


def test_a_missed_cleaning_task_escalates_to_doer_supervisor_and_manager_once(ew, frozen):
    frozen(at(MON))
    plan = cleaning_plan(ew, area_kind=None, area_id=ew.lobby1.pk)
    task = MaintenanceTask.objects.get(plan=plan, period_start=MON)
    late = task.due_at + datetime.timedelta(hours=2)
    assert services.escalate_overdue_tasks(now=late) >= 1
    assert services.escalate_overdue_tasks(now=late) == 0
    assert list(TaskEscalation.objects.filter(task=task).values_list("step", flat=True)) == [1]
    step1 = Notification.objects.filter(dedup_key=f"facilities-task-{task.pk}-step-1", channel="in_app")
    assert {n.recipient_id for n in step1} == {ew.cleaner.user_id, ew.env_head.user_id}
    assert "1栋大堂" in step1.first().subject
    services.escalate_overdue_tasks(now=task.due_at + datetime.timedelta(days=1, hours=1))
    assert Notification.objects.filter(
        recipient=ew.manager, dedup_key=f"facilities-task-{task.pk}-step-2"
    ).exists()


def test_task_list_filters_by_discipline_and_exports_what_it_shows(ew, frozen, client):
    frozen(at(MON))
    cleaning_plan(ew, area_kind=None, area_id=ew.lobby1.pk)
    services.plan_create(
        actor=ew.manager,
        data={
            "project_id": ew.project.pk,
            "name": "花园月度消杀",
            "discipline": Discipline.PEST_CONTROL,
            "area_id": ew.garden.pk,
            "frequency": Frequency.MONTHLY,
            "starts_on": MON,
            "checklist": [{"text": "投放鼠药并登记"}],
        },
    )
    client.force_login(ew.manager)
    page = client.get(reverse("facilities:task_list"), {"discipline": "pest_control"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "花园月度消杀" in body and "大堂日常保洁" not in body
    response = client.get(reverse("facilities:task_export"), {"discipline": "cleaning"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][1] == "工作类别"
    assert len(rows) == 1 + 7 and {r[3] for r in rows[1:]} == {"1栋大堂"}
    assert {r[8] for r in rows[1:]} == {"洁美保洁"}
    plans = client.get(reverse("facilities:plan_list"), {"discipline": "pest_control"}).content.decode()
    assert "花园月度消杀" in plans and "大堂日常保洁" not in plans


def test_area_phone_page_from_the_qr_label_starts_the_work(ew, frozen, client):
    frozen(at(MON))
    plan = cleaning_plan(ew, area_kind=None, area_id=ew.lobby1.pk)
    task = MaintenanceTask.objects.get(plan=plan, period_start=MON)
    client.force_login(ew.cleaner.user)
    page = client.get(reverse("facilities:area_qr", args=[ew.lobby1.qr_token]))
    assert page.status_code == 200 and 'data-testid="start-task"' in page.content.decode()
    client.post(reverse("facilities:task_start", args=[task.pk]), {"code": ew.lobby1.qr_token})
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.scanned_by == ew.cleaner.user
    # Another company's login finds no such area.
    client.force_login(ew.foreign_admin)
    assert client.get(reverse("facilities:area_qr", args=[ew.lobby1.qr_token])).status_code == 404
    assert client.get(reverse("facilities:task", args=[task.pk])).status_code == 404


def test_api_check_action_and_filters(ew, frozen):
    frozen(at(MON))
    plan = cleaning_plan(ew, area_kind=None, area_id=ew.lobby1.pk)
    task = MaintenanceTask.objects.get(plan=plan, period_start=MON)
    cleaner = Api(ew.cleaner.user)
    assert cleaner.post(f"maintenance-tasks/{task.pk}/start", {"code": ew.lobby1.qr_token}).status_code == 200
    done = cleaner.post(
        f"maintenance-tasks/{task.pk}/complete",
        {"results": [{"position": 1, "result": "pass"}, {"position": 2, "result": "pass"}]},
    )
    assert (
        done.status_code == 200
        and done.json()["area_id"] == ew.lobby1.pk
        and done.json()["equipment_id"] is None
    )
    assert cleaner.post(f"maintenance-tasks/{task.pk}/check", {"passed": True}).status_code == 403
    supervisor = Api(ew.env_head.user)
    assert supervisor.post(f"maintenance-tasks/{task.pk}/check", {}).json()["errors"].keys() == {"passed"}
    checked = supervisor.post(f"maintenance-tasks/{task.pk}/check", {"passed": True})
    assert checked.status_code == 200 and checked.json()["check_result"] == "passed"
    listed = supervisor.get("maintenance-tasks", discipline="cleaning", check_result="passed")
    assert ids(listed) == {task.pk}
    assert not ids(Api(ew.foreign_admin).get("maintenance-tasks", discipline="cleaning"))
    bad = Api(ew.manager).post(
        "maintenance-plans",
        {
            "project_id": ew.project.pk,
            "name": "错配",
            "discipline": "maintenance",
            "area_id": ew.garden.pk,
            "frequency": "weekly",
            "starts_on": "2026-03-02",
            "checklist": [{"text": "x"}],
        },
    )
    assert bad.status_code == 422 and "area_id" in bad.json()["errors"]


class TestAreas(ScopedResourceBattery):
    resource = "areas"
    update_payload = {"name": "1栋大堂（东）", "kind": "corridor"}

    def make(self, world, project):
        return Area.objects.create(
            company=project.company,
            project=project,
            kind=AreaKind.STAIRS,
            name=f"楼梯间{Area.objects.count() + 1}",
            qr_token=services.new_token(),
        )

    def create_payload(self, world):
        return {"project_id": world.project.pk, "kind": "lobby", "name": "3栋大堂", "place": "一层"}
