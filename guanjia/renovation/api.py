"""REST API of renovation (``/api/v1/renovations…``): the same services as the web pages. Staff see
the renovations of the projects they serve, residents those of their own units (``visible_to``)."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.errors import NotAllowed, NotFound
from guanjia.core.media import private_url
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.renovation import lists, selectors, services
from guanjia.renovation.choices import (
    RenovationChannel,
    RenovationStatus,
    RenovationViolationKind,
    RenovationViolationStatus,
)
from guanjia.renovation.models import PatrolStop, Violation, WorkerPass

router = Router(tags=["renovation"])


class RenovationWorkerOut(Schema):
    id: int
    name: str
    trade: str
    pass_no: str
    valid_until: datetime.date | None
    revoked_at: datetime.datetime | None


class RenovationPhotoOut(Schema):
    image: str
    thumbnail: str


class RenovationViolationOut(Schema):
    id: int
    kind: RenovationViolationKind
    note: str
    found_at: datetime.datetime
    rectify_by: datetime.datetime
    status: RenovationViolationStatus
    rectified_at: datetime.datetime | None
    escalation_step: int
    photos: list[RenovationPhotoOut]

    @staticmethod
    def resolve_photos(obj) -> list[dict]:
        return selectors.photo_links(obj)


class RenovationPlanOut(Schema):
    id: int
    name: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return private_url(obj.file)


class RenovationEventOut(Schema):
    time: datetime.datetime
    action: str
    note: str


class RenovationDeductionOut(Schema):
    id: int
    amount: Decimal
    reason: str
    violation_id: int | None


class RenovationOut(Schema):
    id: int
    number: str
    project_id: int
    unit_id: int
    unit: str
    channel: RenovationChannel
    applicant_name: str
    applicant_phone: str
    contractor: str
    contractor_contact: str
    contractor_phone: str
    scope: str
    structural: bool
    facade: bool
    starts_on: datetime.date
    ends_on: datetime.date
    status: RenovationStatus
    step_due_at: datetime.datetime | None
    escalation_step: int
    reject_reason: str
    fee_bill_id: int | None
    deposit_bill_id: int | None
    deposit: Decimal
    permit_no: str
    permit_from: datetime.date | None
    permit_until: datetime.date | None
    stopped_reason: str
    completed_at: datetime.datetime | None
    refund_id: int | None
    plans: list[RenovationPlanOut]
    workers: list[RenovationWorkerOut]
    violations: list[RenovationViolationOut]
    deductions: list[RenovationDeductionOut]
    events: list[RenovationEventOut]

    @staticmethod
    def resolve_unit(obj) -> str:
        return f"{obj.unit.building.name}-{obj.unit.number}"

    @staticmethod
    def resolve_applicant_phone(obj) -> str:
        return mask_phone(obj.applicant_phone)


class RenovationWorkerIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    phone: str = Field("", max_length=20)
    trade: str = Field("", max_length=30)


class RenovationIn(Schema):
    unit_id: RefId
    applicant_id: RefId | None = None
    applicant_name: str = Field("", max_length=60)
    applicant_phone: str = Field("", max_length=20)
    contractor: str = Field(..., min_length=1, max_length=100)
    contractor_contact: str = Field(..., min_length=1, max_length=60)
    contractor_phone: str = Field(..., min_length=1, max_length=20)
    scope: str = Field(..., min_length=1, max_length=1000)
    structural: bool = False
    facade: bool = False
    starts_on: datetime.date
    ends_on: datetime.date
    workers: list[RenovationWorkerIn] = Field(default_factory=list, max_length=50)
    rules_acknowledged: bool = False


class RenovationNoteIn(Schema):
    note: str = Field("", max_length=300)


class RenovationRejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class RenovationBillIn(Schema):
    fee_item_id: RefId | None = None
    deposit_item_id: RefId | None = None
    fee_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    deposit_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)


class RenovationDeductionIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    reason: str = Field(..., min_length=1, max_length=200)
    violation_id: RefId | None = None


class RenovationRefundIn(Schema):
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)


class RenovationDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


class RenovationPatrolCheckIn(Schema):
    ok: bool
    note: str = Field("", max_length=300)


class RenovationPatrolStopOut(Schema):
    id: int
    day: datetime.date
    renovation_id: int
    unit: str
    contractor: str
    checked_at: datetime.datetime | None
    ok: bool | None
    note: str

    @staticmethod
    def resolve_day(obj) -> datetime.date:
        return obj.patrol.day

    @staticmethod
    def resolve_unit(obj) -> str:
        unit = obj.renovation.unit
        return f"{unit.building.name}-{unit.number}"

    @staticmethod
    def resolve_contractor(obj) -> str:
        return obj.renovation.contractor


def _readers(request):
    scope = scope_for(request.user)
    if not (scope.is_resident or Perm.VIEW_ESTATES in scope.permissions):
        raise NotAllowed(_("您没有权限查看装修申请"))
    return selectors.detail_queryset().visible_to(request.user)


def _one(request, pk: int):
    return visible_or_404(_readers(request), pk, request.user)


def _fresh(request, pk: int):
    return _readers(request).get(pk=pk)


@router.get(
    "/renovations",
    response={200: list[RenovationOut], **ERROR_RESPONSES},
    operation_id="renovation_list",
    summary="Renovations (装修) of the projects served or of the resident's units, newest first",
)
@paginate(Pagination)
def renovation_list(request, filters: lists.RenovationFilter = Query(...)):
    return filters.filter(_readers(request)).order_by("-submitted_at", "-id")


@router.get(
    "/renovations/{int:pk}",
    response={200: RenovationOut, **ERROR_RESPONSES},
    operation_id="renovation_get",
    summary="One renovation with its plans, passes, violations, deductions and timeline",
)
def renovation_get(request, pk: int):
    return _one(request, pk)


@router.post(
    "/renovations",
    response={201: RenovationOut, **ERROR_RESPONSES},
    operation_id="renovation_apply",
    summary="Apply for a renovation: by the owner (own unit) or the desk; overlapping dates are 422",
)
def renovation_apply(request, payload: RenovationIn):
    data = payload.dict()
    renovation = services.renovation_apply(actor=request.user, data=data)
    return 201, _fresh(request, renovation.pk)


@router.post(
    "/renovations/{int:pk}/plans",
    response={201: RenovationPlanOut, **ERROR_RESPONSES},
    operation_id="renovation_plan_add",
    summary="Add a plan (PDF or image) to an application still being decided",
)
def renovation_plan_add(request, pk: int, file: UploadedFile = File(...)):
    return 201, services.plan_add(actor=request.user, renovation=_one(request, pk), upload=file)


def _action(name: str, summary: str, schema=None):
    """Register ``POST /renovations/{pk}/<name>``; the handler gets the renovation and the payload."""

    def decorator(call):
        if schema is None:

            def handler(request, pk: int):
                call(request, _one(request, pk), None)
                return _fresh(request, pk)

        else:

            def handler(request, pk: int, payload: schema):  # type: ignore[valid-type]
                call(request, _one(request, pk), payload)
                return _fresh(request, pk)

        handler.__name__ = f"renovation_{name.replace('/', '_')}"
        router.post(
            f"/renovations/{{int:pk}}/{name}",
            response={200: RenovationOut, **ERROR_RESPONSES},
            operation_id=f"renovation_{name.replace('/', '_')}",
            summary=summary,
        )(handler)
        return call

    return decorator


@_action(
    "approve",
    "Approve the step waiting (engineering, then the PM for structural/facade); 409 if decided",
    RenovationNoteIn,
)
def _approve(request, renovation, payload):
    services.renovation_approve(actor=request.user, renovation=renovation, note=payload.note)


@_action("reject", "Reject the application at the step waiting; 409 if already decided", RenovationRejectIn)
def _reject(request, renovation, payload):
    services.renovation_reject(actor=request.user, renovation=renovation, reason=payload.reason)


@_action(
    "bill", "Issue the management fee and the deposit as one-off bills in the fee ledger", RenovationBillIn
)
def _bill(request, renovation, payload):
    data = {k: v for k, v in payload.dict().items() if v is not None}
    services.renovation_bill(actor=request.user, renovation=renovation, data=data)


@_action("permit", "Issue the permit once the fees are paid; overlapping another permit of the unit is 409")
def _permit(request, renovation, payload):
    services.renovation_permit(actor=request.user, renovation=renovation)


@_action("workers", "Register a worker (a pass at once under a permit in force)", RenovationWorkerIn)
def _worker(request, renovation, payload):
    services.worker_add(actor=request.user, renovation=renovation, data=payload.dict())


@_action(
    "complete", "Completion inspection: the unit returns to its status before the works", RenovationNoteIn
)
def _complete(request, renovation, payload):
    services.renovation_complete(actor=request.user, renovation=renovation, note=payload.note)


@_action("resume", "Lift a stop order once every violation is rectified (PM)", RenovationRejectIn)
def _resume(request, renovation, payload):
    services.renovation_resume(actor=request.user, renovation=renovation, note=payload.reason)


@_action(
    "deductions",
    "Keep an amount of the deposit with its reason (never more than the deposit)",
    RenovationDeductionIn,
)
def _deduct(request, renovation, payload):
    services.deduction_record(actor=request.user, renovation=renovation, data=payload.dict())


@_action(
    "refund",
    "Ask for the deposit's refund (deposit less deductions); another person approves",
    RenovationRefundIn,
)
def _refund(request, renovation, payload):
    services.refund_request(actor=request.user, renovation=renovation, data=payload.dict())


@_action(
    "refund/decide", "Approve or reject the deposit's refund (not by the one who asked)", RenovationDecideIn
)
def _refund_decide(request, renovation, payload):
    services.refund_decide(
        actor=request.user, renovation=renovation, approve=payload.approve, note=payload.note
    )


@router.post(
    "/renovations/{int:pk}/workers/{int:worker_pk}/revoke",
    response={200: RenovationOut, **ERROR_RESPONSES},
    operation_id="renovation_worker_revoke",
    summary="Revoke a worker's pass",
)
def renovation_worker_revoke(request, pk: int, worker_pk: int):
    renovation = _one(request, pk)
    worker = WorkerPass.objects.filter(renovation=renovation, pk=worker_pk).first()
    if worker is None:
        raise NotFound(_("出入证不存在"))
    services.worker_revoke(actor=request.user, worker=worker)
    return _fresh(request, pk)


@router.post(
    "/renovations/{int:pk}/violations",
    response={201: RenovationViolationOut, **ERROR_RESPONSES},
    operation_id="renovation_violation_record",
    summary="Record a violation with photos and a rectification deadline (the N-th stops the permit)",
)
def renovation_violation_record(
    request,
    pk: int,
    kind: RenovationViolationKind = Form(...),
    note: str = Form(..., min_length=1, max_length=300),
    rectify_by: datetime.datetime = Form(...),
    stop_id: RefId | None = Form(None),
    photos: list[UploadedFile] = File(...),
):
    renovation = _one(request, pk)
    stop = None
    if stop_id is not None:
        stop = PatrolStop.objects.visible_to(request.user).filter(pk=stop_id).first()
        if stop is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"stop_id": _("巡查点不存在")})
    violation = services.violation_record(
        actor=request.user,
        renovation=renovation,
        stop=stop,
        data={"kind": kind, "note": note, "rectify_by": rectify_by},
        photos=photos,
    )
    return 201, Violation.objects.prefetch_related("photos").get(pk=violation.pk)


@router.post(
    "/renovation-violations/{int:pk}/rectify",
    response={200: RenovationViolationOut, **ERROR_RESPONSES},
    operation_id="renovation_violation_rectify",
    summary="Confirm a violation was put right",
)
def renovation_violation_rectify(request, pk: int):
    violation = visible_or_404(Violation.objects.all(), pk, request.user)
    services.violation_rectify(actor=request.user, violation=violation)
    return Violation.objects.prefetch_related("photos").get(pk=pk)


@router.get(
    "/renovation-patrols/today",
    response={200: list[RenovationPatrolStopOut], **ERROR_RESPONSES},
    operation_id="renovation_patrol_today",
    summary="Today's patrol list (Shanghai day) of renovating units in the projects served",
)
def renovation_patrol_today(request):
    if Perm.DO_FACILITIES_WORK not in scope_for(request.user).permissions:
        raise NotAllowed(_("您没有权限执行此操作"))
    return list(selectors.todays_stops(request.user))


@router.post(
    "/renovation-patrols/stops/{int:pk}/check",
    response={200: RenovationPatrolStopOut, **ERROR_RESPONSES},
    operation_id="renovation_patrol_check",
    summary="Record a unit on today's patrol as checked",
)
def renovation_patrol_check(request, pk: int, payload: RenovationPatrolCheckIn):
    stop = visible_or_404(
        PatrolStop.objects.select_related("patrol", "renovation__unit__building"), pk, request.user
    )
    services.stop_check(actor=request.user, stop=stop, ok=payload.ok, note=payload.note)
    return PatrolStop.objects.select_related("patrol", "renovation__unit__building").get(pk=pk)
