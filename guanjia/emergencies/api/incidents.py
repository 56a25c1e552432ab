"""Incidents: list, open, read (who was called, checklists, aftermath state), the log, and
every action on an incident."""

import datetime
import json
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, etag
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.emergencies import selectors, services
from guanjia.emergencies.api.base import router
from guanjia.emergencies.choices import (
    CallResult,
    CommandHolder,
    EventKind,
    IncidentStatus,
    LogKind,
    Position,
)
from guanjia.emergencies.models import Drill, FollowUpCall, Incident, IncidentLog


class IncidentOut(Schema):
    id: int
    project_id: int
    plan_id: int
    plan_version: int

    @staticmethod
    def resolve_plan_version(obj) -> int:
        return obj.plan_version.number

    kind: EventKind
    level: int
    is_drill: bool
    status: IncidentStatus
    building_id: int | None
    floor_from: int | None
    floor_to: int | None
    location: str
    place: str
    description: str
    equipment_involved: str
    at_night: bool
    command_holder: CommandHolder
    opened_at: datetime.datetime
    command_taken_at: datetime.datetime | None
    aftermath_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class SummonsOut(Schema):
    staff_id: int
    name: str = Field(..., alias="staff.name")
    position: Position
    tier: int
    is_standin: bool
    notified_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    overdue: bool
    recalls: int


class IncidentChecklistOut(Schema):
    id: int
    position: Position
    order: int
    text: str
    done_at: datetime.datetime | None


class IncidentEquipmentOut(Schema):
    equipment_id: int
    code: str = Field(..., alias="equipment.code")
    name: str = Field(..., alias="equipment.name")
    note: str


class IncidentDetailOut(IncidentOut):
    equipment: list[IncidentEquipmentOut]
    summonses: list[SummonsOut]
    checklist: list[IncidentChecklistOut]
    calls_total: int
    calls_pending: int
    report_approved: bool
    statement: str | None
    missing_for_close: list[str]

    @staticmethod
    def resolve_equipment(obj):
        return obj.panel["equipment"]

    @staticmethod
    def resolve_summonses(obj):
        return obj.panel["summonses"]

    @staticmethod
    def resolve_checklist(obj):
        return [item for group in obj.panel["checklist"] for item in group["items"]]

    @staticmethod
    def resolve_calls_total(obj) -> int:
        return obj.panel["calls_total"]

    @staticmethod
    def resolve_calls_pending(obj) -> int:
        return obj.panel["calls_pending"]

    @staticmethod
    def resolve_report_approved(obj) -> bool:
        return bool(obj.panel["report"] and obj.panel["report"].approved_at)

    @staticmethod
    def resolve_statement(obj) -> str | None:
        return obj.panel["statement"].body if obj.panel["statement"] else None

    @staticmethod
    def resolve_missing_for_close(obj) -> list[str]:
        return [str(m) for m in obj.panel["missing"]]


class IncidentIn(Schema):
    project_id: RefId
    kind: EventKind
    level: int = Field(..., ge=1, le=3)
    building_id: RefId | None = None
    floor_from: int | None = Field(None, ge=-20, le=300)
    floor_to: int | None = Field(None, ge=-20, le=300)
    location: str = Field("", max_length=100)
    description: str = Field(..., min_length=1, max_length=2000)
    equipment_involved: str = Field("", max_length=200)
    equipment_ids: list[RefId] = Field(default_factory=list, max_length=50)


class IncidentFilter(FilterSchema):
    project_id: RefId | None = None
    status: IncidentStatus | None = None
    kind: EventKind | None = None
    is_drill: bool | None = None


IncidentAction = Literal[
    "acknowledge",
    "check",
    "level",
    "take_command",
    "aftermath",
    "call",
    "report",
    "approve_report",
    "statement",
    "raise_ticket",
    "link_ticket",
    "link_equipment",
    "unlink_equipment",
    "evaluate",
    "close",
]


class IncidentActionIn(Schema):
    item_id: RefId | None = None
    level: int | None = Field(None, ge=1, le=3)
    note: str = Field("", max_length=200)
    call_id: RefId | None = None
    result: CallResult | None = None
    body: str = Field("", max_length=10000)
    description: str = Field("", max_length=2000)
    location: str = Field("", max_length=100)
    unit_id: RefId | None = None
    ticket_id: RefId | None = None
    equipment_id: RefId | None = None
    evaluation: str = Field("", max_length=4000)
    score: int | None = Field(None, ge=0, le=100)


class IncidentLogOut(Schema):
    id: int
    at: datetime.datetime
    kind: LogKind
    actor_name: str
    text: str
    has_photo: bool

    @staticmethod
    def resolve_has_photo(obj) -> bool:
        return bool(obj.image)


def _incidents(request):
    require(request.user, Perm.VIEW_EMERGENCIES)
    return Incident.objects.visible_to(request.user).select_related("plan_version", "building")


def _detail(incident: Incident, user) -> Incident:
    incident.panel = selectors.incident_panel(incident, user)
    return incident


@router.get(
    "/incidents",
    response={200: list[IncidentOut], **ERROR_RESPONSES},
    operation_id="incident_list",
    summary="List incidents",
)
@paginate(Pagination)
def incident_list(request, filters: IncidentFilter = Query(...)):
    """Incidents and drills of the projects the caller sees, newest first."""
    return filters.filter(_incidents(request)).order_by("-opened_at", "-id")


@router.post(
    "/incidents",
    response={201: IncidentDetailOut, **ERROR_RESPONSES},
    operation_id="incident_open",
    summary="Open an incident",
)
def incident_open(request, payload: IncidentIn):
    """Open an incident: the plan's chain for the level is notified at once on every channel."""
    incident = services.incident_open(actor=request.user, data=payload.model_dump())
    return 201, _detail(_incidents(request).get(pk=incident.pk), request.user)


@router.get(
    "/incidents/{int:pk}",
    response={200: IncidentDetailOut, **ERROR_RESPONSES},
    operation_id="incident_get",
    summary="Get an incident",
)
def incident_get(request, pk: int, response: HttpResponse):
    """An incident with who was called (and who is overdue), checklists, aftermath state."""
    incident = visible_or_404(_incidents(request), pk, request.user)
    response["ETag"] = etag(incident)
    return _detail(incident, request.user)


@router.get(
    "/incidents/{int:pk}/log",
    response={200: list[IncidentLogOut], **ERROR_RESPONSES},
    operation_id="incident_log",
    summary="The incident's log",
)
@paginate(Pagination)
def incident_log(request, pk: int):
    """The timestamped log, newest first."""
    incident = visible_or_404(_incidents(request), pk, request.user)
    return IncidentLog.objects.filter(incident=incident).order_by("-at", "-id")


@router.post(
    "/incidents/{int:pk}/log",
    response={201: IncidentLogOut, **ERROR_RESPONSES},
    operation_id="incident_log_add",
    summary="Add a line to the log",
)
def incident_log_add(
    request,
    pk: int,
    text: str = Form("", max_length=1000),
    evidence: bool = Form(False),
    photo: UploadedFile | None = File(None),
):
    """A note, a photo or both, as multipart/form-data like the web form (``photo`` is checked and
    stripped by core.images; ``evidence`` marks an aftermath evidence photo). A JSON body
    ``{"text": ...}`` is still accepted for a note."""
    incident = visible_or_404(_incidents(request), pk, request.user)
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationError({"text": _("请求体不是有效的 JSON")}) from None
        if not isinstance(body, dict) or not isinstance(body.get("text", ""), str):
            raise ValidationError({"text": _("请填写内容")})
        text = body.get("text", "")
        if len(text) > 1000:
            raise ValidationError({"text": _("不能超过1000字")})
    entry = services.incident_log_add(
        actor=request.user, incident=incident, text=text, photo=photo, evidence=evidence
    )
    return 201, entry


@router.post(
    "/incidents/{int:pk}/{action}",
    response={200: IncidentDetailOut, **ERROR_RESPONSES},
    operation_id="incident_act",
    summary="Act on an incident",
)
def incident_act(request, pk: int, action: IncidentAction, payload: IncidentActionIn):
    """acknowledge · check (item_id) · level (level, note) · take_command · aftermath ·
    call (call_id, result, note) · report (body) · approve_report · statement (body) ·
    raise_ticket (description, location, unit_id) · link_ticket (ticket_id) ·
    link_equipment (equipment_id of the project's ledger, note) · unlink_equipment (equipment_id) · evaluate (evaluation,
    score; drills) · close (409 naming what is missing)."""
    incident = visible_or_404(_incidents(request), pk, request.user)
    user, p = request.user, payload
    match action:
        case "acknowledge":
            services.incident_acknowledge(actor=user, incident=incident)
        case "check":
            services.checklist_tick(actor=user, incident=incident, item_id=p.item_id or "")
        case "level":
            services.incident_set_level(actor=user, incident=incident, level=p.level, note=p.note)
        case "take_command":
            services.incident_take_command(actor=user, incident=incident)
        case "aftermath":
            services.incident_start_aftermath(actor=user, incident=incident)
        case "call":
            if p.call_id is None:
                raise ValidationError({"call_id": _("请选择回访记录")})
            call = visible_or_404(FollowUpCall.objects.filter(incident=incident), p.call_id, user)
            services.call_record(actor=user, call=call, result=p.result or "", note=p.note)
        case "report":
            services.report_write(actor=user, incident=incident, body=p.body)
        case "approve_report":
            services.report_approve(actor=user, incident=incident)
        case "statement":
            services.statement_issue(actor=user, incident=incident, body=p.body)
        case "raise_ticket":
            data = {"description": p.description, "location": p.location, "unit_id": p.unit_id}
            services.ticket_raise(actor=user, incident=incident, data=data)
        case "link_ticket":
            services.ticket_link(actor=user, incident=incident, ticket_id=p.ticket_id)
        case "link_equipment":
            services.incident_link_equipment(
                actor=user, incident=incident, equipment_id=p.equipment_id, note=p.note
            )
        case "unlink_equipment":
            services.incident_unlink_equipment(actor=user, incident=incident, equipment_id=p.equipment_id)
        case "evaluate":
            drill = Drill.objects.filter(incident=incident).first()
            if drill is None:
                raise Conflict(_("该事件不是演练"))
            services.drill_evaluate(actor=user, drill=drill, evaluation=p.evaluation, score=p.score)
        case "close":
            services.incident_close(actor=user, incident=incident)
    return _detail(_incidents(request).get(pk=pk), user)
