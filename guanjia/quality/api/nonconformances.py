"""Non-conformance and corrective action resources: assign, prevent, raise a repair request; the
corrective action's submit / accept / reject and photos."""

import datetime

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, check_if_match, etag
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.quality import services
from guanjia.quality.api.common import QualityPhotoOut, require_view, router
from guanjia.quality.choices import CaAction, CaStatus, NcStatus
from guanjia.quality.models import CorrectiveAction, NonConformance


class ActionOut(Schema):
    id: int
    nonconformance_id: int
    owner_id: int
    owner_name: str
    instruction: str
    deadline: datetime.datetime
    status: CaStatus
    round: int
    done_note: str
    done_at: datetime.datetime | None
    reject_reason: str
    closed_at: datetime.datetime | None
    overdue: bool
    escalation_step: int
    allowed_actions: list[str]

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status in (CaStatus.ASSIGNED, CaStatus.REJECTED) and obj.deadline < timezone.now()

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return services.ca_allowed_actions(obj, context["request"].user)


class NcOut(Schema):
    id: int
    number: str
    project_id: int
    audit_id: int
    item_key: str
    standard: str
    evidence: str
    status: NcStatus
    raised_at: datetime.datetime
    closed_at: datetime.datetime | None
    recurring: bool
    recurrence_of_id: int | None
    root_cause: str
    preventive_action: str
    ticket_id: int | None
    action: ActionOut | None

    @staticmethod
    def resolve_standard(obj) -> str:
        return obj.item.standard

    @staticmethod
    def resolve_action(obj):
        return getattr(obj, "action", None)


class NcFilter(FilterSchema):
    project_id: RefId | None = None
    audit_id: RefId | None = None
    status: NcStatus | None = None
    recurring: bool | None = None


def _ncs(request):
    require_view(request)
    return NonConformance.objects.visible_to(request.user).select_related(
        "item", "action__owner", "action__nonconformance__audit"
    )


@router.get(
    "/nonconformances", response={200: list[NcOut], **ERROR_RESPONSES}, operation_id="nonconformance_list"
)
@paginate(Pagination)
def nc_list(request, filters: NcFilter = Query(...)):
    return filters.filter(_ncs(request))


@router.get(
    "/nonconformances/{int:pk}", response={200: NcOut, **ERROR_RESPONSES}, operation_id="nonconformance_get"
)
def nc_get(request, pk: int):
    return visible_or_404(_ncs(request), pk, request.user)


class AssignIn(Schema):
    owner_id: RefId
    deadline: datetime.datetime
    instruction: str = Field("", max_length=2000)


class PreventIn(Schema):
    root_cause: str = Field(..., max_length=2000)
    preventive_action: str = Field(..., max_length=2000)


class NonconformanceTicketIn(Schema):
    location: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


@router.post(
    "/nonconformances/{int:pk}/assign",
    response={201: ActionOut, **ERROR_RESPONSES},
    operation_id="nonconformance_assign",
)
def nc_assign(request, pk: int, payload: AssignIn):
    """The project manager (or HQ quality) assigns the corrective action: owner and deadline."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    action = services.nc_assign(actor=request.user, nc=nc, data=payload.model_dump())
    return 201, _actions(request).get(pk=action.pk)


@router.post(
    "/nonconformances/{int:pk}/prevent",
    response={200: NcOut, **ERROR_RESPONSES},
    operation_id="nonconformance_prevent",
)
def nc_prevent(request, pk: int, payload: PreventIn):
    """Root cause and preventive action (预防措施) of a recurring non-conformance."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    services.nc_prevent(actor=request.user, nc=nc, data=payload.model_dump())
    return _ncs(request).get(pk=pk)


@router.post(
    "/nonconformances/{int:pk}/ticket",
    response={201: NcOut, **ERROR_RESPONSES},
    operation_id="nonconformance_raise_ticket",
)
def nc_ticket(request, pk: int, payload: NonconformanceTicketIn):
    """Raise a public-area repair request (channel: audit) for a physical defect, linked both ways."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    services.nc_raise_ticket(actor=request.user, nc=nc, data=payload.model_dump())
    return 201, _ncs(request).get(pk=pk)


class ActIn(Schema):
    done_note: str = Field("", max_length=2000)
    root_cause: str = Field("", max_length=2000)
    preventive_action: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000)
    deadline: datetime.datetime | None = None


def _actions(request):
    require_view(request)
    return CorrectiveAction.objects.visible_to(request.user).select_related("owner", "nonconformance__audit")


@router.get(
    "/corrective-actions",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    operation_id="corrective_action_list",
)
@paginate(Pagination)
def ca_list(request, status: CaStatus | None = None, mine: bool | None = None, overdue: bool | None = None):
    qs = _actions(request)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(owner_id=scope_for(request.user).staff_id or -1)
    if overdue:
        qs = qs.filter(status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], deadline__lt=timezone.now())
    return qs


@router.get(
    "/corrective-actions/{int:pk}",
    response={200: ActionOut, **ERROR_RESPONSES},
    operation_id="corrective_action_get",
)
def ca_get(request, pk: int, response: HttpResponse):
    action = visible_or_404(_actions(request), pk, request.user)
    response["ETag"] = etag(action)
    return action


@router.post(
    "/corrective-actions/{int:pk}/photos",
    response={201: QualityPhotoOut, **ERROR_RESPONSES},
    operation_id="corrective_action_add_photo",
)
def ca_photo(request, pk: int, file: UploadedFile = File(...)):
    action = visible_or_404(_actions(request), pk, request.user)
    return 201, services.ca_add_photo(actor=request.user, action=action, upload=file)


@router.post(
    "/corrective-actions/{int:pk}/{action}",
    response={200: ActionOut, **ERROR_RESPONSES},
    operation_id="corrective_action_act",
)
def ca_act(request, pk: int, action: CaAction, payload: ActIn):
    """``submit`` (the owner: what was done), ``accept`` / ``reject`` (the auditor or HQ quality,
    never the owner; reject needs ``reason``). 409 when the state does not allow it."""
    with transaction.atomic():
        obj = visible_or_404(_actions(request), pk, request.user)
        check_if_match(request, obj)
        services.ca_act(actor=request.user, action=obj, name=action, data=payload.model_dump())
    return _actions(request).get(pk=pk)
