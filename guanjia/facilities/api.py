"""REST resources of facilities: equipment, maintenance plans and tasks, costs, patrol routes and rounds.

Every handler is thin: ``visible_to`` for reads, a service for writes (journaled, 422/403/404/409).
"""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, FilterLookup, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import (
    ERROR_RESPONSES,
    FilterSchema,
    Pagination,
    RefId,
    Schema,
    check_if_match,
    etag,
    ordered,
    register_crud,
)
from guanjia.core.roles import Perm, require
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.facilities import selectors, services
from guanjia.facilities.choices import (
    CostKind,
    EquipmentStatus,
    Frequency,
    LineKind,
    LineResult,
    RoundStatus,
    RouteKind,
    TaskStatus,
)
from guanjia.facilities.models import (
    Checkpoint,
    CheckpointScan,
    Equipment,
    EquipmentCost,
    EquipmentType,
    MaintenancePlan,
    MaintenanceTask,
    PatrolFinding,
    PatrolRound,
    PatrolRoute,
)
from guanjia.staff.choices import Department

router = Router(tags=["facilities"])
Text = Annotated[str, Field(max_length=200)]


# Equipment types ----------------------------------------------------------------------------------


class EquipmentTypeOut(Schema):
    id: int
    name: str
    parent_id: int | None


@router.get(
    "/equipment-types",
    response={200: list[EquipmentTypeOut], **ERROR_RESPONSES},
    operation_id="equipment_type_list",
    summary="List equipment types",
)
def equipment_type_list(request):
    """The company's equipment type tree, flat (``parent_id`` links a type to the one above)."""
    require(request.user, Perm.VIEW_FACILITIES)
    return list(EquipmentType.objects.visible_to(request.user).order_by("parent_id", "name", "id"))


# Equipment ----------------------------------------------------------------------------------------


class EquipmentOut(Schema):
    id: int
    project_id: int
    type_id: int
    code: str
    name: str
    building_id: int | None
    floor: str
    room: str
    serial_no: str
    model_no: str
    vendor: str
    contractor: str
    contract_starts: datetime.date | None
    contract_ends: datetime.date | None
    installed_on: datetime.date | None
    warranty_until: datetime.date | None
    status: EquipmentStatus
    notes: str
    qr_url: str

    @staticmethod
    def resolve_qr_url(obj) -> str:
        from django.urls import reverse

        return reverse("facilities:qr", args=[obj.qr_token])


class EquipmentIn(Schema):
    project_id: RefId
    type_id: RefId
    code: str = Field("", max_length=30)
    name: str = Field(..., min_length=1, max_length=100)
    building_id: RefId | None = None
    floor: str = Field("", max_length=10)
    room: str = Field("", max_length=60)
    serial_no: str = Field("", max_length=60)
    model_no: str = Field("", max_length=60)
    vendor: str = Field("", max_length=100)
    contractor: str = Field("", max_length=100)
    contract_starts: datetime.date | None = None
    contract_ends: datetime.date | None = None
    installed_on: datetime.date | None = None
    warranty_until: datetime.date | None = None
    status: EquipmentStatus = EquipmentStatus.IN_SERVICE
    notes: str = Field("", max_length=1000)


class EquipmentPatch(Schema):
    type_id: RefId = None
    code: str = Field(None, min_length=1, max_length=30)
    name: str = Field(None, min_length=1, max_length=100)
    building_id: RefId | None = None
    floor: str = Field(None, max_length=10)
    room: str = Field(None, max_length=60)
    serial_no: str = Field(None, max_length=60)
    model_no: str = Field(None, max_length=60)
    vendor: str = Field(None, max_length=100)
    contractor: str = Field(None, max_length=100)
    contract_starts: datetime.date | None = None
    contract_ends: datetime.date | None = None
    installed_on: datetime.date | None = None
    warranty_until: datetime.date | None = None
    status: EquipmentStatus = None
    notes: str = Field(None, max_length=1000)


class EquipmentFilter(FilterSchema):
    project_id: RefId | None = None
    type_id: RefId | None = None
    building_id: RefId | None = None
    status: EquipmentStatus | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = Field(
        None, max_length=100
    )


register_crud(
    router,
    name="equipment",
    plural="equipment",
    model=Equipment,
    out=EquipmentOut,
    create_in=EquipmentIn,
    update_in=EquipmentPatch,
    filters=EquipmentFilter,
    orderings=["code", "name", "installed_on", "warranty_until", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.equipment_create,
    update=services.equipment_update,
    delete=services.equipment_delete,
)


# Costs --------------------------------------------------------------------------------------------


class CostOut(Schema):
    id: int
    equipment_id: int
    kind: CostKind
    incurred_on: datetime.date
    amount: Decimal
    contractor: str
    invoice_no: str
    description: str


class CostIn(Schema):
    equipment_id: RefId
    kind: CostKind = CostKind.REPAIR
    incurred_on: datetime.date
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    contractor: str = Field("", max_length=100)
    invoice_no: str = Field("", max_length=40)
    description: str = Field("", max_length=200)


class CostFilter(FilterSchema):
    equipment_id: RefId | None = None
    project_id: RefId | None = None
    kind: CostKind | None = None
    incurred_on__gte: datetime.date | None = None
    incurred_on__lt: datetime.date | None = None


register_crud(
    router,
    name="equipment_cost",
    plural="equipment-costs",
    model=EquipmentCost,
    out=CostOut,
    create_in=CostIn,
    update_in=None,
    filters=CostFilter,
    orderings=["incurred_on", "amount"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.cost_create,
    update=None,
    delete=lambda *, actor, equipment_cost: services.cost_delete(actor=actor, cost=equipment_cost),
)


class CostTotalOut(Schema):
    key: int | str
    label: str
    manual: Decimal
    repairs: Decimal
    total: Decimal = Field(..., description="manual + repairs: the company's cost")
    billed: Decimal = Field(
        ..., description="confirmed charges of the repair requests, paid by residents; not in total"
    )


@router.get(
    "/equipment-cost-totals",
    response={200: list[CostTotalOut], **ERROR_RESPONSES},
    operation_id="equipment_cost_totals",
    summary="Cost totals per item, type, project or year",
)
def cost_totals(
    request,
    by: Literal["equipment", "type", "project", "year"] = "equipment",
    year: int | None = Query(None, ge=2000, le=2100),
    project_id: RefId | None = None,
):
    """Invoices entered by hand plus the material cost of the items' repair requests."""
    require(request.user, Perm.VIEW_FACILITIES)
    return selectors.cost_totals(request.user, by=by, year=year, project_id=project_id)


# Maintenance plans --------------------------------------------------------------------------------


class ChecklistLine(Schema):
    text: str = Field(..., min_length=1, max_length=200)
    expected: str = Field("", max_length=200)
    kind: LineKind = LineKind.CHECK
    unit: str = Field("", max_length=10)
    min: Decimal | None = Field(None, max_digits=12, decimal_places=3)
    max: Decimal | None = Field(None, max_digits=12, decimal_places=3)


class ChecklistLineOut(Schema):
    text: str
    expected: str = ""
    kind: LineKind
    unit: str = ""
    min: str | None = None
    max: str | None = None


class PlanOut(Schema):
    id: int
    project_id: int
    name: str
    equipment_id: int | None
    equipment_type_id: int | None
    checklist: list[ChecklistLineOut]
    frequency: Frequency
    interval_days: int | None
    window_days: int | None
    starts_on: datetime.date
    team: Department
    assignee_id: int | None
    rectify_days: int
    is_active: bool
    template: str


class PlanIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=100)
    equipment_id: RefId | None = None
    equipment_type_id: RefId | None = None
    checklist: list[ChecklistLine] = Field(..., min_length=1, max_length=60)
    frequency: Frequency
    interval_days: int | None = Field(None, ge=1, le=3660)
    window_days: int | None = Field(None, ge=1, le=366)
    starts_on: datetime.date
    team: Department = Department.ENGINEERING
    assignee_id: RefId | None = None
    rectify_days: int = Field(3, ge=1, le=90)
    is_active: bool = True


class PlanPatch(Schema):
    name: str = Field(None, min_length=1, max_length=100)
    equipment_id: RefId | None = None
    equipment_type_id: RefId | None = None
    checklist: list[ChecklistLine] = Field(None, min_length=1, max_length=60)
    frequency: Frequency = None
    interval_days: int | None = Field(None, ge=1, le=3660)
    window_days: int | None = Field(None, ge=1, le=366)
    starts_on: datetime.date = None
    team: Department = None
    assignee_id: RefId | None = None
    rectify_days: int = Field(None, ge=1, le=90)
    is_active: bool = None


class PlanFilter(FilterSchema):
    project_id: RefId | None = None
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
    out=PlanOut,
    create_in=PlanIn,
    update_in=PlanPatch,
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
    response={201: list[PlanOut], **ERROR_RESPONSES},
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
    equipment_id: int
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
    equipment_id: RefId | None = None
    status: TaskStatus | None = None
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


@router.post(
    "/maintenance-tasks/{int:pk}/{action}",
    response={200: TaskOut, **ERROR_RESPONSES},
    operation_id="maintenance_task_act",
    summary="Act on a maintenance task",
)
def task_act(request, pk: int, action: Literal["start", "complete", "assign"], payload: TaskActionIn):
    """``start`` with the QR ``code`` (records the scan); ``complete`` with ``results`` (readings out of
    range fail; each failed line raises or joins a repair request); ``assign`` with ``assignee_id``."""
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
    else:
        services.task_assign(actor=request.user, task=task, assignee_id=payload.assignee_id)
    return _tasks(request).get(pk=pk)


# Patrol routes ------------------------------------------------------------------------------------


class CheckpointOut(Schema):
    id: int
    position: int
    name: str
    building_id: int | None
    place: str
    expected_from: int | None = Field(
        None, description="minutes after the round starts; empty = whole window"
    )
    expected_to: int | None
    is_active: bool
    qr_url: str

    @staticmethod
    def resolve_qr_url(obj) -> str:
        from django.urls import reverse

        return reverse("facilities:checkpoint_qr", args=[obj.qr_token])


class CheckpointIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    building_id: RefId | None = None
    place: str = Field("", max_length=100)
    expected_from: int | None = Field(None, ge=0, le=720)
    expected_to: int | None = Field(None, ge=0, le=720)


class CheckpointPatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    building_id: RefId | None = None
    place: str = Field(None, max_length=100)
    expected_from: int | None = Field(None, ge=0, le=720)
    expected_to: int | None = Field(None, ge=0, le=720)


class CheckpointOrderIn(Schema):
    order: list[int] = Field(..., min_length=1, max_length=100, description="ids of every active checkpoint")


class RouteOut(Schema):
    id: int
    project_id: int
    name: str
    kind: RouteKind
    department: Department
    round_times: str
    window_minutes: int
    weekdays: str
    supervisor_id: int | None
    is_active: bool
    checkpoints: list[CheckpointOut]

    @staticmethod
    def resolve_checkpoints(obj) -> list:
        return [c for c in obj.checkpoints.all() if c.is_active]


class RouteIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=60)
    kind: RouteKind = RouteKind.OTHER
    department: Department = Department.SECURITY
    round_times: str = Field(..., min_length=4, max_length=100)
    window_minutes: int = Field(60, ge=5, le=720)
    weekdays: str = Field("0123456", min_length=1, max_length=7)
    supervisor_id: RefId | None = None
    checkpoints: list[CheckpointIn] = Field(..., min_length=1, max_length=100)


class RoutePatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    kind: RouteKind = None
    department: Department = None
    round_times: str = Field(None, min_length=4, max_length=100)
    window_minutes: int = Field(None, ge=5, le=720)
    weekdays: str = Field(None, min_length=1, max_length=7)
    supervisor_id: RefId | None = None
    is_active: bool = None
    checkpoints: list[CheckpointIn] = Field(None, max_length=100, description="appended after the last point")


class RouteFilter(FilterSchema):
    project_id: RefId | None = None
    kind: RouteKind | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="patrol_route",
    plural="patrol-routes",
    model=PatrolRoute,
    out=RouteOut,
    create_in=RouteIn,
    update_in=RoutePatch,
    filters=RouteFilter,
    orderings=["name", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.route_create,
    update=lambda *, actor, patrol_route, data: services.route_update(
        actor=actor, route=patrol_route, data=data
    ),
    delete=lambda *, actor, patrol_route: services.route_delete(actor=actor, route=patrol_route),
    prefetch_related=("checkpoints",),
)


def _checkpoint(request, route_pk: int, pk: int) -> Checkpoint:
    require(request.user, Perm.VIEW_FACILITIES)
    route = visible_or_404(PatrolRoute.objects.all(), route_pk, request.user)
    return visible_or_404(
        Checkpoint.objects.filter(route=route, is_active=True).select_related("route"), pk, request.user
    )


@router.get(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={200: CheckpointOut, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_get",
    summary="Get a checkpoint of a route",
)
def checkpoint_get(request, route_pk: int, pk: int, response: HttpResponse):
    checkpoint = _checkpoint(request, route_pk, pk)
    response["ETag"] = etag(checkpoint)
    return checkpoint


@router.patch(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={200: CheckpointOut, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_update",
    summary="Update a checkpoint of a route",
)
def checkpoint_update(request, route_pk: int, pk: int, payload: CheckpointPatch, response: HttpResponse):
    """Name, place, building, expected window (minutes after the round starts). Send
    ``If-Match: <ETag>`` to get 409 if someone changed it since. Rounds already generated keep theirs."""
    with transaction.atomic():
        checkpoint = _checkpoint(request, route_pk, pk)
        check_if_match(request, checkpoint)
        services.checkpoint_update(
            actor=request.user, checkpoint=checkpoint, data=payload.model_dump(exclude_unset=True)
        )
    checkpoint = Checkpoint.objects.get(pk=pk)
    response["ETag"] = etag(checkpoint)
    return checkpoint


@router.delete(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={204: None, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_delete",
    summary="Remove a checkpoint from a route",
)
def checkpoint_delete(request, route_pk: int, pk: int):
    """Soft: scans and missed records stay, rounds already generated keep the point. With
    ``If-Match``, 409 if it changed since; 409 for the route's last checkpoint."""
    with transaction.atomic():
        checkpoint = _checkpoint(request, route_pk, pk)
        check_if_match(request, checkpoint)
        services.checkpoint_remove(actor=request.user, checkpoint=checkpoint)
    return 204, None


@router.put(
    "/patrol-routes/{int:route_pk}/checkpoint-order",
    response={200: list[CheckpointOut], **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_order",
    summary="Reorder the checkpoints of a route",
)
def checkpoint_order(request, route_pk: int, payload: CheckpointOrderIn):
    """The route's active checkpoints in the new order (every one, each once; else 422 on ``order``)."""
    require(request.user, Perm.VIEW_FACILITIES)
    route = visible_or_404(PatrolRoute.objects.all(), route_pk, request.user)
    return services.checkpoint_order(actor=request.user, route=route, ids=payload.order)


# Patrol rounds ------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    project_id: int
    route_id: int
    window_start: datetime.datetime
    window_end: datetime.datetime
    assignee_id: int | None
    status: RoundStatus
    checkpoint_count: int
    scanned_count: int
    missed_count: int
    irregular_count: int
    closed_at: datetime.datetime | None


class RoundFilter(FilterSchema):
    project_id: RefId | None = None
    route_id: RefId | None = None
    assignee_id: RefId | None = None
    status: RoundStatus | None = None
    window_start__gte: datetime.datetime | None = None
    window_start__lt: datetime.datetime | None = None


def _rounds(request):
    require(request.user, Perm.VIEW_FACILITIES)
    return PatrolRound.objects.visible_to(request.user)


@router.get(
    "/patrol-rounds",
    response={200: list[RoundOut], **ERROR_RESPONSES},
    operation_id="patrol_round_list",
    summary="List patrol rounds",
)
@paginate(Pagination)
def round_list(request, filters: RoundFilter = Query(...)):
    """Rounds, latest first."""
    return filters.filter(_rounds(request)).order_by("-window_start", "-id")


@router.get(
    "/patrol-rounds/{int:pk}",
    response={200: RoundOut, **ERROR_RESPONSES},
    operation_id="patrol_round_get",
    summary="Get a patrol round",
)
def round_get(request, pk: int):
    return visible_or_404(_rounds(request), pk, request.user)


class ScanOut(Schema):
    id: int
    checkpoint_id: int
    scanned_at: datetime.datetime
    scanned_by_id: int
    staff_id: int | None
    in_window: bool
    in_order: bool


class ScanIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, description="the secret in the checkpoint's QR label")


@router.get(
    "/patrol-rounds/{int:pk}/scans",
    response={200: list[ScanOut], **ERROR_RESPONSES},
    operation_id="patrol_round_scans",
    summary="Scans of a patrol round",
)
def round_scans(request, pk: int):
    patrol = visible_or_404(_rounds(request), pk, request.user)
    return list(CheckpointScan.objects.filter(round=patrol).order_by("scanned_at", "id"))


@router.post(
    "/patrol-rounds/{int:pk}/scans",
    response={201: ScanOut, **ERROR_RESPONSES},
    operation_id="patrol_round_scan",
    summary="Scan a checkpoint in a patrol round",
)
def round_scan(request, pk: int, payload: ScanIn):
    """Records the time and the person; ``in_window``/``in_order`` mark a scan outside the round's
    window or out of the route's order. A checkpoint scanned twice, or a closed round: 409."""
    patrol = visible_or_404(_rounds(request), pk, request.user)
    return 201, services.round_scan(actor=request.user, patrol=patrol, code=payload.code)


class FindingIn(Schema):
    checkpoint_id: RefId
    description: str = Field(..., min_length=1, max_length=2000)
    category_id: RefId | None = None


class FindingOut(Schema):
    id: int
    round_id: int
    checkpoint_id: int
    ticket_id: int
    ticket_number: str = Field(..., alias="ticket.number")


@router.post(
    "/patrol-rounds/{int:pk}/findings",
    response={201: FindingOut, **ERROR_RESPONSES},
    operation_id="patrol_round_finding",
    summary="Report a finding at a checkpoint",
)
def round_finding(request, pk: int, payload: FindingIn):
    """The finding becomes a service request of kind patrol, with the checkpoint's place."""
    patrol = visible_or_404(_rounds(request), pk, request.user)
    finding = services.finding_report(
        actor=request.user,
        patrol=patrol,
        checkpoint_id=payload.checkpoint_id,
        description=payload.description,
        category_id=payload.category_id,
    )
    return 201, PatrolFinding.objects.select_related("ticket").get(pk=finding.pk)
