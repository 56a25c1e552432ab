"""REST API of handover (``/api/v1/handovers…``, ``/api/v1/takeovers…``): the same services as the
web pages. Staff see the projects they serve, residents the handovers of their own units
(``visible_to``); ID numbers are always masked."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.errors import NotAllowed
from guanjia.core.media import private_url
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.handover import lists, selectors, services
from guanjia.handover.choices import (
    HandoverDefectStatus,
    HandoverInspectionKind,
    HandoverItemResult,
    HandoverReadyStatus,
    HandoverStatus,
    TakeoverStatus,
)
from guanjia.handover.models import Defect, InspectionItem
from guanjia.handover.services.common import mask_id

router = Router(tags=["handover"])


class HandoverPhotoOut(Schema):
    image: str
    thumbnail: str


class HandoverItemOut(Schema):
    id: int
    room: str
    item: str
    equipment_id: int | None
    photo_required: bool
    result: HandoverItemResult
    note: str
    checked_at: datetime.datetime | None
    photos: list[HandoverPhotoOut]

    @staticmethod
    def resolve_photos(obj) -> list[dict]:
        return selectors.photo_links(obj)


class HandoverDefectOut(Schema):
    id: int
    item_id: int
    description: str
    ticket_id: int | None
    ticket_number: str
    ticket_status: str
    rectify_by: datetime.datetime
    status: HandoverDefectStatus
    developer_done_at: datetime.datetime | None
    reinspected_at: datetime.datetime | None
    reinspection_note: str
    escalation_step: int

    @staticmethod
    def resolve_ticket_number(obj) -> str:
        return obj.ticket.number if obj.ticket_id else ""

    @staticmethod
    def resolve_ticket_status(obj) -> str:
        return obj.ticket.status if obj.ticket_id else ""


class HandoverInspectionOut(Schema):
    id: int
    kind: HandoverInspectionKind
    started_at: datetime.datetime
    items: list[HandoverItemOut]
    defects: list[HandoverDefectOut]


class HandoverBillOut(Schema):
    id: int
    total: Decimal
    outstanding: Decimal
    status: str


class HandoverOut(Schema):
    id: int
    number: str
    project_id: int
    unit_id: int
    unit: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    owner_name: str
    owner_phone: str
    owner_id_number: str
    documents: list[str]
    keys: dict[str, int]
    water_reading: Decimal | None
    power_reading: Decimal | None
    gas_reading: Decimal | None
    status: HandoverStatus
    signature: str
    signed_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    resident_id: int | None
    invitation_note: str
    bills: list[HandoverBillOut]
    inspection: HandoverInspectionOut | None

    @staticmethod
    def resolve_unit(obj) -> str:
        return f"{obj.unit.building.name}-{obj.unit.number}"

    @staticmethod
    def resolve_owner_phone(obj) -> str:
        return mask_phone(obj.owner_phone)

    @staticmethod
    def resolve_owner_id_number(obj) -> str:
        return mask_id(obj.owner_id_number)

    @staticmethod
    def resolve_signature(obj) -> str:
        return private_url(obj.signature)

    @staticmethod
    def resolve_bills(obj) -> list:
        return list(services.bills(obj))

    @staticmethod
    def resolve_inspection(obj):
        return selectors.inspection_of(obj)


class HandoverReadyOut(Schema):
    id: int
    project_id: int
    unit_id: int
    unit: str
    ready_on: datetime.date
    buyer_name: str
    note: str
    status: HandoverReadyStatus

    @staticmethod
    def resolve_unit(obj) -> str:
        return f"{obj.unit.building.name}-{obj.unit.number}"


class TakeoverOut(Schema):
    id: int
    number: str
    project_id: int
    title: str
    developer: str
    developer_contact: str
    developer_phone: str
    planned_on: datetime.date
    rectify_days: int
    status: TakeoverStatus
    accepted_at: datetime.datetime | None
    acceptance_note: str
    signature: str
    inspection: HandoverInspectionOut | None

    @staticmethod
    def resolve_signature(obj) -> str:
        return private_url(obj.signature)

    @staticmethod
    def resolve_inspection(obj):
        return selectors.inspection_of(obj)


class HandoverReadyIn(Schema):
    unit_id: RefId
    ready_on: datetime.date | None = None
    buyer_name: str = Field("", max_length=60)
    note: str = Field("", max_length=200)


class HandoverIn(Schema):
    unit_id: RefId
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    owner_name: str = Field(..., min_length=1, max_length=60)
    owner_phone: str = Field(..., min_length=1, max_length=20)
    owner_id_number: str = Field(..., min_length=1, max_length=18)


class HandoverRecordIn(Schema):
    documents: list[str] | None = Field(None, max_length=10)
    keys: dict[str, int] | None = None
    water_reading: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    power_reading: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    gas_reading: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class HandoverBillIn(Schema):
    item_id: RefId
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)


class HandoverPayIn(Schema):
    method: str = Field("cash", max_length=10)
    reference: str = Field("", max_length=60)
    idempotency_key: str = Field(..., min_length=1, max_length=64)


class HandoverSignIn(Schema):
    signature: str = Field(..., min_length=1, max_length=3_000_000, description="data:image/png;base64,…")


class HandoverReinspectIn(Schema):
    passed: bool
    note: str = Field("", max_length=300)


class HandoverNoteIn(Schema):
    note: str = Field("", max_length=300)


class TakeoverIn(Schema):
    project_id: RefId
    title: str = Field(..., min_length=1, max_length=100)
    developer: str = Field(..., min_length=1, max_length=100)
    developer_contact: str = Field(..., min_length=1, max_length=60)
    developer_phone: str = Field(..., min_length=1, max_length=20)
    planned_on: datetime.date
    rectify_days: int = Field(15, ge=1, le=90)


class TakeoverAcceptIn(Schema):
    signature: str = Field(..., min_length=1, max_length=3_000_000, description="data:image/png;base64,…")
    acceptance_note: str = Field("", max_length=500)


def _staff_or_resident(request):
    scope = scope_for(request.user)
    if not (scope.is_resident or Perm.VIEW_ESTATES in scope.permissions):
        raise NotAllowed(_("您没有权限查看收楼记录"))


def _staff(request):
    if Perm.VIEW_ESTATES not in scope_for(request.user).permissions:
        raise NotAllowed(_("您没有权限执行此操作"))


def _one(request, pk: int):
    _staff_or_resident(request)
    return visible_or_404(selectors.appointment_queryset(), pk, request.user)


def _fresh(request, pk: int):
    return selectors.appointment_queryset().get(pk=pk)


def _takeover(request, pk: int):
    _staff(request)
    return visible_or_404(selectors.takeover_queryset(), pk, request.user)


# Ready units --------------------------------------------------------------------------------------


@router.get(
    "/handover-ready-units",
    response={200: list[HandoverReadyOut], **ERROR_RESPONSES},
    operation_id="handover_ready_list",
    summary="Handover-ready units (可交付房屋) of the projects served",
)
@paginate(Pagination)
def handover_ready_list(request, filters: lists.HandoverReadyFilter = Query(...)):
    _staff(request)
    return filters.filter(lists.ready_units(request.user)).order_by("project_id", "id")


@router.post(
    "/handover-ready-units",
    response={201: HandoverReadyOut, **ERROR_RESPONSES},
    operation_id="handover_ready_mark",
    summary="Mark a unit handover-ready (or change its date and buyer)",
)
def handover_ready_mark(request, payload: HandoverReadyIn):
    ready = services.ready_mark(actor=request.user, data=payload.dict(exclude_none=True))
    return 201, lists.ready_units(request.user).get(pk=ready.pk)


@router.post(
    "/handover-ready-units/import",
    response={200: dict[str, int], **ERROR_RESPONSES},
    operation_id="handover_ready_import",
    summary="Import the developer's handover-ready sheet (.xlsx: 楼栋、房号、可交付日期、购房人、备注); all rows or none",
)
def handover_ready_import(request, project_id: RefId = Form(...), file: UploadedFile = File(...)):
    _staff(request)
    project = Project.objects.visible_to(request.user).filter(pk=project_id).first()
    if project is None:
        raise ValidationError({"project_id": _("项目不存在")})
    count = services.ready_import(actor=request.user, project=project, rows=lists.read_ready_sheet(file))
    return {"imported": count}


# Appointments -------------------------------------------------------------------------------------


@router.get(
    "/handovers",
    response={200: list[HandoverOut], **ERROR_RESPONSES},
    operation_id="handover_list",
    summary="Handovers (收楼预约) of the projects served or of the resident's units, newest first",
)
@paginate(Pagination)
def handover_list(request, filters: lists.HandoverFilter = Query(...)):
    _staff_or_resident(request)
    return filters.filter(selectors.appointment_queryset().visible_to(request.user)).order_by(
        "-starts_at", "-id"
    )


@router.get(
    "/handovers/{int:pk}",
    response={200: HandoverOut, **ERROR_RESPONSES},
    operation_id="handover_get",
    summary="One handover with its bills, inspection and defects",
)
def handover_get(request, pk: int):
    return _one(request, pk)


@router.post(
    "/handovers",
    response={201: HandoverOut, **ERROR_RESPONSES},
    operation_id="handover_book",
    summary="Book a handover of a ready unit; an overlapping slot of the unit is 422 on starts_at",
)
def handover_book(request, payload: HandoverIn):
    appointment = services.appointment_book(actor=request.user, data=payload.dict())
    return 201, _fresh(request, appointment.pk)


def _action(name: str, summary: str, schema=None):
    """Register ``POST /handovers/{pk}/<name>``; the handler gets the appointment and the payload."""

    def decorator(call):
        if schema is None:

            def handler(request, pk: int):
                call(request, _one(request, pk), None)
                return _fresh(request, pk)

        else:

            def handler(request, pk: int, payload: schema):  # type: ignore[valid-type]
                call(request, _one(request, pk), payload)
                return _fresh(request, pk)

        handler.__name__ = f"handover_{name}"
        router.post(
            f"/handovers/{{int:pk}}/{name}",
            response={200: HandoverOut, **ERROR_RESPONSES},
            operation_id=f"handover_{name}",
            summary=summary,
        )(handler)
        return call

    return decorator


@_action("record", "Documents checked, keys handed over (kind → count), meter readings", HandoverRecordIn)
def _record(request, appointment, payload):
    services.appointment_record(
        actor=request.user, appointment=appointment, data=payload.dict(exclude_none=True)
    )


@_action(
    "bills",
    "Bill a fee due at move-in (a one-off charge item) in the fee ledger, once per item",
    HandoverBillIn,
)
def _bill(request, appointment, payload):
    services.appointment_bill(actor=request.user, appointment=appointment, data=payload.dict())


@_action(
    "pay", "Post the payment of what the handover's bills ask for (once per idempotency key)", HandoverPayIn
)
def _pay(request, appointment, payload):
    services.appointment_pay(actor=request.user, appointment=appointment, data=payload.dict())


@_action("inspection", "Start the handover inspection from the project's checklist (again: the same one)")
def _inspect(request, appointment, payload):
    services.inspection_start(actor=request.user, appointment=appointment)


@_action("sign", "The owner's signature (PNG data URL) once every item is checked", HandoverSignIn)
def _sign(request, appointment, payload):
    services.appointment_sign(actor=request.user, appointment=appointment, signature=payload.signature)


@_action("complete", "Complete: the owner becomes a resident (owner occupancy) and is invited; 409 if done")
def _complete(request, appointment, payload):
    services.appointment_complete(actor=request.user, appointment=appointment)


@_action("cancel", "Cancel a booked handover")
def _cancel(request, appointment, payload):
    services.appointment_cancel(actor=request.user, appointment=appointment)


# Inspection items and defects (both kinds) --------------------------------------------------------


@router.post(
    "/handover-items/{int:pk}",
    response={200: HandoverItemOut, **ERROR_RESPONSES},
    operation_id="handover_item_record",
    summary="Record an item OK or a defect (note; photos when the checklist requires them)",
)
def handover_item_record(
    request,
    pk: int,
    result: HandoverItemResult = Form(...),
    note: str = Form("", max_length=300),
    photos: list[UploadedFile] = File(None),
):
    _staff(request)
    item = visible_or_404(InspectionItem.objects.all(), pk, request.user)
    services.item_record(actor=request.user, item=item, result=result, note=note, photos=photos or [])
    return InspectionItem.objects.prefetch_related("photos").get(pk=pk)


def _defect(request, pk: int) -> Defect:
    _staff(request)
    return visible_or_404(Defect.objects.select_related("ticket__assignee"), pk, request.user)


@router.post(
    "/handover-defects/{int:pk}/reinspect",
    response={200: HandoverDefectOut, **ERROR_RESPONSES},
    operation_id="handover_defect_reinspect",
    summary="Re-inspect a defect once its work is done (not by whoever did it); passed closes it",
)
def handover_defect_reinspect(request, pk: int, payload: HandoverReinspectIn):
    services.defect_reinspect(
        actor=request.user, defect=_defect(request, pk), passed=payload.passed, note=payload.note
    )
    return Defect.objects.select_related("ticket").get(pk=pk)


@router.post(
    "/handover-defects/{int:pk}/developer-done",
    response={200: HandoverDefectOut, **ERROR_RESPONSES},
    operation_id="handover_defect_developer_done",
    summary="The developer reports a takeover defect rectified (then re-inspect it)",
)
def handover_defect_developer_done(request, pk: int, payload: HandoverNoteIn):
    services.defect_developer_done(actor=request.user, defect=_defect(request, pk), note=payload.note)
    return Defect.objects.select_related("ticket").get(pk=pk)


# Takeovers ----------------------------------------------------------------------------------------


@router.get(
    "/takeovers",
    response={200: list[TakeoverOut], **ERROR_RESPONSES},
    operation_id="takeover_list",
    summary="Takeover inspections (接管验收) of the projects served",
)
@paginate(Pagination)
def takeover_list(request, filters: lists.TakeoverFilter = Query(...)):
    _staff(request)
    return filters.filter(selectors.takeover_queryset().visible_to(request.user)).order_by(
        "-planned_on", "-id"
    )


@router.get(
    "/takeovers/{int:pk}",
    response={200: TakeoverOut, **ERROR_RESPONSES},
    operation_id="takeover_get",
    summary="One takeover with its inspection and defects",
)
def takeover_get(request, pk: int):
    return _takeover(request, pk)


@router.post(
    "/takeovers",
    response={201: TakeoverOut, **ERROR_RESPONSES},
    operation_id="takeover_create",
    summary="Start a takeover of a project's common parts from its developer",
)
def takeover_create(request, payload: TakeoverIn):
    _staff(request)
    takeover = services.takeover_create(actor=request.user, data=payload.dict())
    return 201, selectors.takeover_queryset().get(pk=takeover.pk)


@router.post(
    "/takeovers/{int:pk}/inspection",
    response={200: TakeoverOut, **ERROR_RESPONSES},
    operation_id="takeover_inspection_start",
    summary="Start the takeover inspection: the project's areas and its ledger equipment",
)
def takeover_inspection_start(request, pk: int):
    services.inspection_start(actor=request.user, takeover=_takeover(request, pk))
    return selectors.takeover_queryset().get(pk=pk)


@router.post(
    "/takeovers/{int:pk}/accept",
    response={200: TakeoverOut, **ERROR_RESPONSES},
    operation_id="takeover_accept",
    summary="The PM signs the acceptance: accepted, or with reservations while defects are open; 409 if signed",
)
def takeover_accept(request, pk: int, payload: TakeoverAcceptIn):
    services.takeover_accept(
        actor=request.user,
        takeover=_takeover(request, pk),
        signature=payload.signature,
        note=payload.acceptance_note,
    )
    return selectors.takeover_queryset().get(pk=pk)


# A project's checklists ---------------------------------------------------------------------------


class HandoverChecklistLine(Schema):
    room: str = Field(..., min_length=1, max_length=40)
    item: str = Field(..., min_length=1, max_length=60)
    photo_required: bool = True


@router.get(
    "/handover-checklists/{int:project_id}/{kind}",
    response={200: list[HandoverChecklistLine], **ERROR_RESPONSES},
    operation_id="handover_checklist_get",
    summary="A project's checklist of a kind (handover: rooms; takeover: areas), or the default",
)
def handover_checklist_get(request, project_id: int, kind: HandoverInspectionKind):
    _staff(request)
    project = visible_or_404(Project.objects.all(), project_id, request.user)
    return [{"room": r, "item": i, "photo_required": p} for r, i, p in services.checklist(project.pk, kind)]


@router.put(
    "/handover-checklists/{int:project_id}/{kind}",
    response={200: list[HandoverChecklistLine], **ERROR_RESPONSES},
    operation_id="handover_checklist_set",
    summary="Replace a project's checklist of a kind; an empty list returns to the default",
)
def handover_checklist_set(
    request, project_id: int, kind: HandoverInspectionKind, payload: list[HandoverChecklistLine]
):
    _staff(request)
    project = visible_or_404(Project.objects.all(), project_id, request.user)
    services.checklist_set(
        actor=request.user, project=project, kind=kind, lines=[line.dict() for line in payload]
    )
    return [{"room": r, "item": i, "photo_required": p} for r, i, p in services.checklist(project.pk, kind)]
