"""REST API of 业主认证 and household members (``/api/v1/households/…``) and the claimant's own
submission, through the same services as the web pages."""

import datetime

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.errors import NotAllowed, NotFound
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy
from guanjia.households import selectors, services
from guanjia.households.choices import ClaimStatus
from guanjia.households.models import UnitClaim
from guanjia.residents.signin import verified_phone

router = Router(tags=["households"])


class ClaimPhotoOut(Schema):
    image: str
    thumbnail: str


class UnitClaimOut(Schema):
    id: int
    project_id: int
    unit_id: int
    unit: str
    name: str
    phone: str
    relation: Relation
    note: str
    status: ClaimStatus
    submitted_at: datetime.datetime
    due_at: datetime.datetime
    decided_at: datetime.datetime | None
    reject_reason: str
    resident_id: int | None
    escalation_step: int
    photos: list[ClaimPhotoOut]

    @staticmethod
    def resolve_unit(obj) -> str:
        return f"{obj.unit.building.name}-{obj.unit.number}"

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_photos(obj) -> list[dict]:
        return [
            {"image": default_storage.url(p.image), "thumbnail": default_storage.url(p.thumbnail)}
            for p in obj.photos.all()
        ]


class UnitClaimFilter(FilterSchema):
    status: ClaimStatus | None = None
    project_id: RefId | None = None


class ClaimRejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _claims(request):
    require(request.user, Perm.VIEW_RESIDENTS)
    return (
        UnitClaim.objects.visible_to(request.user).select_related("unit__building").prefetch_related("photos")
    )


@router.get(
    "/households/claims",
    response={200: list[UnitClaimOut], **ERROR_RESPONSES},
    operation_id="unit_claim_list",
    summary="Claims (业主认证) of the projects served, the earliest deadline first",
)
@paginate(Pagination)
def claim_list(request, filters: UnitClaimFilter = Query(...)):
    return filters.filter(_claims(request)).order_by("due_at", "id")


@router.get(
    "/households/claims/{int:pk}",
    response={200: UnitClaimOut, **ERROR_RESPONSES},
    operation_id="unit_claim_get",
    summary="One claim with its proof photos",
)
def claim_get(request, pk: int):
    return visible_or_404(_claims(request), pk, request.user)


@router.post(
    "/households/claims/{int:pk}/approve",
    response={200: UnitClaimOut, **ERROR_RESPONSES},
    operation_id="unit_claim_approve",
    summary="Approve a claim: resident, occupancy and portal account; 409 when already decided",
)
def claim_approve(request, pk: int):
    claim = visible_or_404(_claims(request), pk, request.user)
    services.claim_approve(actor=request.user, claim=claim)
    return _claims(request).get(pk=pk)


@router.post(
    "/households/claims/{int:pk}/reject",
    response={200: UnitClaimOut, **ERROR_RESPONSES},
    operation_id="unit_claim_reject",
    summary="Reject a claim with the reason the claimant reads",
)
def claim_reject(request, pk: int, payload: ClaimRejectIn):
    claim = visible_or_404(_claims(request), pk, request.user)
    services.claim_reject(actor=request.user, claim=claim, reason=payload.reason)
    return _claims(request).get(pk=pk)


class MyClaimOut(Schema):
    id: int
    project_id: int
    unit_id: int
    relation: Relation
    status: ClaimStatus
    submitted_at: datetime.datetime
    due_at: datetime.datetime
    reject_reason: str


def _phone_or_403(request) -> str:
    phone = verified_phone(request)
    if phone is None:
        raise NotAllowed(_("请先用手机号和短信验证码验证（30 分钟内有效）"))
    return phone


@router.post(
    "/households/join/claims",
    auth=None,
    response={201: MyClaimOut, **ERROR_RESPONSES},
    operation_id="unit_claim_submit",
    summary="Claim a unit (业主认证) with the phone number verified by SMS code in this session",
)
def claim_submit(
    request,
    project_id: RefId = Form(...),
    building_id: RefId = Form(...),
    unit_id: RefId = Form(...),
    name: str = Form(..., min_length=1, max_length=60),
    relation: Relation = Form(...),
    note: str = Form("", max_length=200),
    photos: list[UploadedFile] = File(...),
):
    """For a person without an account: the session holds the phone number the SMS sign-in proved.
    Each id must lie inside the one before (a unit of another project or company is a 422 on it)."""
    phone = _phone_or_403(request)
    data = {
        "project_id": project_id,
        "building_id": building_id,
        "unit_id": unit_id,
        "name": name,
        "relation": relation,
        "note": note,
    }
    return 201, services.claim_submit(phone=phone, data=data, photos=photos)


@router.get(
    "/households/join/claims",
    auth=None,
    response={200: list[MyClaimOut], **ERROR_RESPONSES},
    operation_id="unit_claim_mine",
    summary="The claims made with the phone number verified in this session",
)
def claims_mine(request):
    return list(selectors.claims_of_phone(_phone_or_403(request)))


# Household members --------------------------------------------------------------------------------


class HouseholdMemberOut(Schema):
    id: int
    unit_id: int
    resident_id: int
    name: str
    relation: Relation
    start_on: datetime.date
    end_on: datetime.date | None
    may_report: bool
    may_pay: bool
    may_vote: bool
    invited_by_id: int | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.resident.name


class HouseholdMemberIn(Schema):
    unit_id: RefId
    name: str = Field(..., min_length=1, max_length=60)
    phone: str = Field(..., min_length=1, max_length=20)
    relation: Relation
    end_on: datetime.date | None = None
    may_report: bool = True
    may_pay: bool = False
    may_vote: bool = False


@router.get(
    "/households/members",
    response={200: list[HouseholdMemberOut], **ERROR_RESPONSES},
    operation_id="household_member_list",
    summary="Everyone who holds the units the caller owns today",
)
def member_list(request):
    units = list(selectors.owned_units(request.user))
    return [occupancy for rows in selectors.household(units).values() for occupancy in rows]


@router.post(
    "/households/members",
    response={201: HouseholdMemberOut, **ERROR_RESPONSES},
    operation_id="household_member_invite",
    summary="An owner invites a family member or tenant, with what they may do",
)
def member_invite(request, payload: HouseholdMemberIn):
    occupancy = services.member_invite(actor=request.user, data=payload.model_dump())
    return 201, Occupancy.objects.select_related("resident").get(pk=occupancy.pk)


@router.post(
    "/households/members/{int:pk}/revoke",
    response={200: HouseholdMemberOut, **ERROR_RESPONSES},
    operation_id="household_member_revoke",
    summary="An owner ends a family member's or tenant's access to the unit today",
)
def member_revoke(request, pk: int):
    occupancy = Occupancy.objects.filter(pk=pk).first()
    if occupancy is None:
        raise NotFound(_("入住关系 不存在"))
    services.member_revoke(actor=request.user, occupancy=occupancy)
    return Occupancy.objects.select_related("resident").get(pk=pk)
