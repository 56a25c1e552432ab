"""REST resources of planned work — preventive maintenance of equipment and cleaning, pest control
and greening of areas: plans (and the fire-safety defaults) and their tasks, with the supervisor's
check."""

import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.core.api import (
    ERROR_RESPONSES,
    FilterSchema,
    Pagination,
    RefId,
    Schema,
    etag,
    ordered,
    register_crud,
)
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.facilities import services
from guanjia.facilities.api.common import router
from guanjia.facilities.choices import (
    AreaKind,
    CheckResult,
    Discipline,
    Frequency,
    LineKind,
    LineResult,
    TaskStatus,
)
from guanjia.facilities.models import MaintenancePlan, MaintenanceTask
from guanjia.staff.choices import Department

# Maintenance plans --------------------------------------------------------------------------------


class ChecklistLine(Schema):
    text: str = Field(..., min_length=1, max_length=200)
    expected: str = Field("", max_length=200)
    kind: LineKind = LineKind.CHECK
    unit: str = Field("", max_length=10)
    min: Decimal | None = Field(None, max_digits=12, decimal_places=3)
    max: Decimal | None = Field(None, max_digits=12, decimal_places=3)
    types: list[str] = Field(
        [],
        max_length=20,
        description="equipment type names the line is about (e.g. 灭火器); empty: every item of the plan",
    )


class ChecklistLineOut(Schema):
    text: str
    expected: str = ""
    kind: LineKind
    unit: str = ""
    min: str | None = None
    max: str | None = None
    types: list[str] = []


class MaintenancePlanOut(Schema):
    id: int
    project_id: int
    name: str
    discipline: Discipline
    equipment_id: int | None
    equipment_type_id: int | None
    area_id: int | None
    area_kind: AreaKind | Literal[""]
    checklist: list[ChecklistLineOut]
    frequency: Frequency
    interval_days: int | None
    window_days: int | None
    starts_on: datetime.date
    team: Department
    assignee_id: int | None
    contractor: str
    checker_id: int | None
    rectify_days: int
    is_active: bool
    template: str


class MaintenancePlanIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=100)
    discipline: Discipline = Discipline.MAINTENANCE
    equipment_id: RefId | None = None
    equipment_type_id: RefId | None = None
    area_id: RefId | None = None
    area_kind: AreaKind | None = None
    checklist: list[ChecklistLine] = Field(..., min_length=1, max_length=60)
    frequency: Frequency
    interval_days: int | None = Field(None, ge=1, le=3660)
    window_days: int | None = Field(None, ge=1, le=366)
    starts_on: datetime.date
    team: Department | None = Field(None, description="default: engineering, environment for area work")
    assignee_id: RefId | None = None
    contractor: str = Field("", max_length=100, description="the outsourced team doing the work, if any")
    checker_id: RefId | None = Field(None, description="the supervisor who checks done tasks (not the doer)")
    rectify_days: int = Field(3, ge=1, le=90)
    is_active: bool = True


class MaintenancePlanPatch(Schema):
    name: str = Field(None, min_length=1, max_length=100)
    discipline: Discipline = None
    equipment_id: RefId | None = None
    equipment_type_id: RefId | None = None
    area_id: RefId | None = None
    area_kind: AreaKind | None = None
    checklist: list[ChecklistLine] = Field(None, min_length=1, max_length=60)
    frequency: Frequency = None
    interval_days: int | None = Field(None, ge=1, le=3660)
    window_days: int | None = Field(None, ge=1, le=366)
    starts_on: datetime.date = None
    team: Department = None
    assignee_id: RefId | None = None
    contractor: str = Field(None, max_length=100)
    checker_id: RefId | None = None
    rectify_days: int = Field(None, ge=1, le=90)
    is_active: bool = None


class PlanFilter(FilterSchema):
    project_id: RefId | None = None
    discipline: Discipline | None = None
    area_id: RefId | None = None
    equipment_id: RefId | None = None
    equipment_type_id: RefId | None = None
    frequency: Frequency | None = None
    is_active: bool | None = None


def _plan_data(data: dict) -> dict:
    if data.get("checklist") is not None:
        data["checklist"] = [
            {
                **line,
                "min": None if line.get("min") is None else str(line["min"]),
                "max": None if line.get("max") is None else str(line["max"]),
            }
            for line in data["checklist"]
        ]
    return data


register_crud(
    router,
    name="maintenance_plan",
    plural="maintenance-plans",
    model=MaintenancePlan,
    out=MaintenancePlanOut,
    create_in=MaintenancePlanIn,
    update_in=MaintenancePlanPatch,
    filters=PlanFilter,
    orderings=["name", "starts_on", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=lambda *, actor, data: services.plan_create(actor=actor, data=_plan_data(data)),
    update=lambda *, actor, maintenance_plan, data: services.plan_update(
        actor=actor, plan=maintenance_plan, data=_plan_data(data)
    ),
    delete=lambda *, actor, maintenance_plan: services.plan_delete(actor=actor, plan=maintenance_plan),
)


class FireDefaultsIn(Schema):
    project_id: RefId
    starts_on: datetime.date | None = None


@router.post(
    "/maintenance-plans/fire-defaults",
    response={201: list[MaintenancePlanOut], **ERROR_RESPONSES},
    operation_id="maintenance_plan_fire_defaults",
    summary="Apply the default fire-safety plans to a project",
)
def fire_defaults(request, payload: FireDefaultsIn):
    """Weekly, monthly, half-yearly and yearly fire-safety plans (seed 000) for every 消防 item of the
    project. Applying twice adds nothing."""
    require(request.user, Perm.CHANGE_FACILITIES)
    project = visible_or_404(Project.objects, payload.project_id, request.user)
    return 201, services.fire_plans_apply(actor=request.user, project=project, starts_on=payload.starts_on)


# Maintenance tasks --------------------------------------------------------------------------------


class LineResultOut(Schema):
    position: int
    text: str
    result: LineResult
    reading: Decimal | None
    note: str
    repair_ticket_id: int | None = Field(None, alias="repair.ticket_id")


class TaskOut(Schema):
    id: int
    project_id: int
    plan_id: int
    discipline: Discipline
    equipment_id: int | None
    area_id: int | None
    period_start: datetime.date
    period_end: datetime.date
    due_at: datetime.datetime
    overdue: bool
    checklist: list[ChecklistLineOut]
    team: Department
    assignee_id: int | None
    status: TaskStatus
    scanned_at: datetime.datetime | None
    scanned_by_id: int | None
    done_at: datetime.datetime | None
    done_by_id: int | None
    failed_lines: int
    note: str
    checker_id: int | None
    check_result: CheckResult | Literal[""]
    checked_at: datetime.datetime | None
    checked_by_id: int | None
    check_note: str
    results: list[LineResultOut]

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status != TaskStatus.DONE and obj.due_at < timezone.now()

    @staticmethod
    def resolve_results(obj) -> list:
        return list(obj.results.all())


class TaskFilter(FilterSchema):
    project_id: RefId | None = None
    plan_id: RefId | None = None
    discipline: Discipline | None = None
    equipment_id: RefId | None = None
    area_id: RefId | None = None
    status: TaskStatus | None = None
    check_result: CheckResult | None = None
    overdue: bool | None = None
    due_at__gte: datetime.datetime | None = None
    due_at__lt: datetime.datetime | None = None

    def filter_overdue(self, value):
        if value is None:
            return Q()
        late = Q(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS], due_at__lt=timezone.now())
        return late if value else ~late


def _tasks(request):
    require(request.user, Perm.VIEW_FACILITIES)
    return MaintenanceTask.objects.visible_to(request.user).prefetch_related("results__repair")


@router.get(
    "/maintenance-tasks",
    response={200: list[TaskOut], **ERROR_RESPONSES},
    operation_id="maintenance_task_list",
    summary="List maintenance tasks",
)
@paginate(Pagination)
def task_list(request, filters: TaskFilter = Query(...), ordering: str | None = None):
    """Tasks generated from the plans, soonest due first; ``overdue=true`` for the late ones."""
    return ordered(
        filters.filter(_tasks(request)).order_by("due_at", "id"), ordering, ["due_at", "period_start"]
    )


@router.get(
    "/maintenance-tasks/{int:pk}",
    response={200: TaskOut, **ERROR_RESPONSES},
    operation_id="maintenance_task_get",
    summary="Get a maintenance task",
)
def task_get(request, pk: int, response: HttpResponse):
    task = visible_or_404(_tasks(request), pk, request.user)
    response["ETag"] = etag(task)
    return task


class LineResultIn(Schema):
    position: int = Field(..., ge=1, le=60)
    result: LineResult | None = None
    reading: Decimal | None = Field(None, max_digits=15, decimal_places=3)
    note: str = Field("", max_length=300)


class TaskActionIn(Schema):
    code: str | None = Field(None, max_length=40, description="start: the secret in the item's QR label")
    results: list[LineResultIn] | None = Field(
        None, max_length=60, description="complete: one per checklist line"
    )
    note: str = Field("", max_length=500)
    assignee_id: RefId | None = Field(None, description="assign: the staff member")
    passed: bool | None = Field(None, description="check: true accepts the work, false sends it back")


@router.post(
    "/maintenance-tasks/{int:pk}/{action}",
    response={200: TaskOut, **ERROR_RESPONSES},
    operation_id="maintenance_task_act",
    summary="Act on a maintenance task",
)
def task_act(
    request, pk: int, action: Literal["start", "complete", "assign", "check"], payload: TaskActionIn
):
    """``start`` with the QR ``code`` of the item or area (records the scan); ``complete`` with
    ``results`` (readings out of range fail; on an item each failed line raises or joins a repair
    request); ``assign`` with ``assignee_id``; ``check`` (the supervisor, not the doer) with
    ``passed`` and, to send the work back, a ``note``."""
    task = visible_or_404(_tasks(request), pk, request.user)
    if action == "start":
        services.task_start(actor=request.user, task=task, code=payload.code or "")
    elif action == "complete":
        services.task_complete(
            actor=request.user,
            task=task,
            results=[r.model_dump() for r in payload.results or []],
            note=payload.note,
        )
    elif action == "check":
        if payload.passed is None:
            raise ValidationError({"passed": _("请选择验收合格或退回返工")})
        services.task_check(actor=request.user, task=task, passed=payload.passed, note=payload.note)
    else:
        services.task_assign(actor=request.user, task=task, assignee_id=payload.assignee_id)
    return _tasks(request).get(pk=pk)
