"""REST resources for projects, buildings, units, residents and occupancies."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, Router

from guanjia.core.api import AUTH, ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates import selectors, services
from guanjia.estates.choices import ContactPreference, ProjectKind, Relation, UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

router = Router(tags=["estates"])

Name = Field(..., min_length=1, max_length=100)

# Projects ---------------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    name: str
    code: str
    kind: ProjectKind
    city: str
    address: str
    service_phone: str


class ProjectIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    code: str = Field(..., min_length=1, max_length=8, pattern=r"^[A-Za-z0-9]+$")
    kind: ProjectKind = ProjectKind.RESIDENTIAL
    city: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    service_phone: str = Field("", max_length=20)


class ProjectPatch(Schema):
    name: str = Field(None, min_length=1, max_length=100)
    code: str = Field(None, min_length=1, max_length=8, pattern=r"^[A-Za-z0-9]+$")
    kind: ProjectKind = None
    city: str = Field(None, max_length=40)
    address: str = Field(None, max_length=200)
    service_phone: str = Field(None, max_length=20)


class ProjectFilter(FilterSchema):
    kind: ProjectKind | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "code__iexact", "address__icontains"])] = (
        Field(None, max_length=100)
    )


register_crud(
    router,
    name="project",
    model=Project,
    out=ProjectOut,
    create_in=ProjectIn,
    update_in=ProjectPatch,
    filters=ProjectFilter,
    orderings=["name", "code", "created_at"],
    view_perm=Perm.VIEW_ESTATES,
    create=services.project_create,
    update=services.project_update,
    delete=services.project_delete,
    resident_reads=True,
)

# Buildings --------------------------------------------------------------------------------------


class BuildingOut(Schema):
    id: int
    project_id: int
    name: str
    floors_above: int
    floors_below: int
    note: str


class BuildingIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=40)
    floors_above: int = Field(1, ge=0, le=200)
    floors_below: int = Field(0, ge=0, le=20)
    note: str = Field("", max_length=200)


class BuildingPatch(Schema):
    name: str = Field(None, min_length=1, max_length=40)
    floors_above: int = Field(None, ge=0, le=200)
    floors_below: int = Field(None, ge=0, le=20)
    note: str = Field(None, max_length=200)


class BuildingFilter(FilterSchema):
    project_id: RefId | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains"])] = Field(None, max_length=100)


register_crud(
    router,
    name="building",
    model=Building,
    out=BuildingOut,
    create_in=BuildingIn,
    update_in=BuildingPatch,
    filters=BuildingFilter,
    orderings=["name", "created_at"],
    view_perm=Perm.VIEW_ESTATES,
    create=services.building_create,
    update=services.building_update,
    delete=services.building_delete,
    resident_reads=True,
)

# Units ------------------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    project_id: int
    building_id: int
    building_name: str = Field(..., alias="building.name")
    floor: int
    number: str
    area: Decimal
    status: UnitStatus


class UnitIn(Schema):
    building_id: RefId
    floor: int = Field(..., ge=-10, le=200)
    number: str = Field(..., min_length=1, max_length=20)
    area: Decimal = Field(..., gt=0, max_digits=9, decimal_places=2)
    status: UnitStatus = UnitStatus.VACANT


class UnitPatch(Schema):
    floor: int = Field(None, ge=-10, le=200)
    number: str = Field(None, min_length=1, max_length=20)
    area: Decimal = Field(None, gt=0, max_digits=9, decimal_places=2)
    status: UnitStatus = None


class UnitFilter(FilterSchema):
    project_id: RefId | None = None
    building_id: RefId | None = None
    status: UnitStatus | None = None
    floor: int | None = Field(None, ge=-10, le=200)
    search: str | None = Field(None, max_length=100, description="房号，或现住户的姓名、完整手机号")

    def filter_search(self, value):
        return selectors.unit_search(value)


register_crud(
    router,
    name="unit",
    model=Unit,
    out=UnitOut,
    create_in=UnitIn,
    update_in=UnitPatch,
    filters=UnitFilter,
    orderings=["number", "floor", "area", "created_at"],
    view_perm=Perm.VIEW_ESTATES,
    create=services.unit_create,
    update=services.unit_update,
    delete=services.unit_delete,
    select_related=("building",),
    resident_reads=True,
)

# Residents --------------------------------------------------------------------------------------


class ResidentOut(Schema):
    id: int
    project_id: int
    name: str
    phone_masked: str
    email: str
    contact_preference: ContactPreference
    preferred_call_times: str
    note: str

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return mask_phone(obj.phone)


class ResidentIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=60)
    phone: str = Field(..., min_length=3, max_length=20)
    email: str = Field("", max_length=254)
    contact_preference: ContactPreference = ContactPreference.PHONE
    preferred_call_times: str = Field("", max_length=100)
    note: str = Field("", max_length=200)


class ResidentPatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    phone: str = Field(None, min_length=3, max_length=20)
    email: str = Field(None, max_length=254)
    contact_preference: ContactPreference = None
    preferred_call_times: str = Field(None, max_length=100)
    note: str = Field(None, max_length=200)


class ResidentFilter(FilterSchema):
    project_id: RefId | None = Field(None, description="登记在该项目或现居于该项目")
    building_id: RefId | None = Field(None, description="现居于该楼栋")
    unit_id: RefId | None = Field(None, description="现居于该房屋")
    search: str | None = Field(None, max_length=100, description="姓名、完整手机号或房号")

    def filter_project_id(self, value):
        return selectors.resident_in_project(value) if value else Q()

    def filter_building_id(self, value):
        return selectors.resident_in_building(value) if value else Q()

    def filter_unit_id(self, value):
        return selectors.resident_in_unit(value) if value else Q()

    def filter_search(self, value):
        return selectors.resident_search(value)


register_crud(
    router,
    name="resident",
    model=Resident,
    out=ResidentOut,
    create_in=ResidentIn,
    update_in=ResidentPatch,
    filters=ResidentFilter,
    orderings=["name", "created_at"],
    view_perm=Perm.VIEW_RESIDENTS,
    create=services.resident_create,
    update=services.resident_update,
    delete=services.resident_delete,
    resident_reads=True,
)


class PhoneOut(Schema):
    phone: str


@router.post(
    "/residents/{int:pk}/reveal-phone",
    response={200: PhoneOut, **ERROR_RESPONSES},
    operation_id="resident_reveal_phone",
    summary="Show a resident's full phone number (recorded)",
)
def reveal_phone(request, pk: int):
    resident = visible_or_404(Resident.objects, pk, request.user)
    return {"phone": services.resident_reveal_phone(actor=request.user, resident=resident)}


# Occupancies ------------------------------------------------------------------------------------


class OccupancyOut(Schema):
    id: int
    project_id: int
    resident_id: int
    unit_id: int
    relation: Relation
    start_on: datetime.date
    end_on: datetime.date | None
    ended_at: datetime.datetime | None
    may_report: bool
    may_pay: bool
    may_vote: bool
    invited_by_id: int | None


class OccupancyIn(Schema):
    resident_id: RefId
    unit_id: RefId
    relation: Relation = Relation.OWNER
    start_on: datetime.date | None = None
    end_on: datetime.date | None = None
    may_report: bool = True
    may_pay: bool = True
    may_vote: bool = True


class OccupancyPatch(Schema):
    relation: Relation = None
    start_on: datetime.date = None
    end_on: datetime.date | None = None
    may_report: bool = None
    may_pay: bool = None
    may_vote: bool = None


class OccupancyFilter(FilterSchema):
    project_id: RefId | None = None
    resident_id: RefId | None = None
    unit_id: RefId | None = None
    relation: Relation | None = None
    current: bool | None = Field(None, description="只看当前有效的入住关系")

    def filter_current(self, value):
        from django.utils import timezone

        if value is None:
            return Q()
        today = timezone.localdate()
        now = Q(start_on__lte=today) & (Q(end_on__isnull=True) | Q(end_on__gte=today))
        return now if value else ~now


register_crud(
    router,
    name="occupancy",
    model=Occupancy,
    out=OccupancyOut,
    create_in=OccupancyIn,
    update_in=OccupancyPatch,
    filters=OccupancyFilter,
    orderings=["start_on", "created_at"],
    view_perm=Perm.VIEW_RESIDENTS,
    plural="occupancies",
    create=services.occupancy_create,
    update=services.occupancy_update,
    delete=services.occupancy_delete,
    resident_reads=True,
)


class OccupancyEndIn(Schema):
    on: datetime.date | None = Field(
        None, description="最后一天（含），默认今天；今天或更早则立即失去业主端权限"
    )


@router.post(
    "/occupancies/{int:pk}/end",
    response={200: OccupancyOut, **ERROR_RESPONSES},
    operation_id="occupancy_end",
    summary="Move-out: end an occupancy (portal access to the unit goes at once; history stays)",
)
def occupancy_end(request, pk: int, payload: OccupancyEndIn):
    occupancy = visible_or_404(Occupancy.objects, pk, request.user)
    return services.occupancy_end(actor=request.user, occupancy=occupancy, on=payload.on)


# Who am I: the account and its scope (listed under auth; the projects are estates' records).


class ProjectRef(Schema):
    id: int
    name: str
    code: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    company_id: int | None
    company_name: str | None
    roles: list[Role]
    permissions: list[str]
    is_hq: bool
    projects: list[ProjectRef]
    resident_id: int | None


@router.get(
    "/me",
    auth=AUTH,
    tags=["auth"],
    response={200: MeOut, **ERROR_RESPONSES},
    operation_id="me",
)
def me(request):
    """The logged-in user: roles, permissions, company and the projects whose records they can read."""
    user = request.user
    scope = scope_for(user)
    return {
        "id": user.id,
        "username": user.username,
        "name": user.get_full_name(),
        "company_id": scope.company_id,
        "company_name": user.company.name if user.company_id else None,
        "roles": sorted(scope.roles),
        "permissions": sorted(scope.permissions),
        "is_hq": scope.is_hq,
        # The projects the user's data follows: a third-party auditor reads the audits of the projects
        # it is given without seeing the project rows themselves.
        "projects": list(Project.objects.within_scope(user).order_by("name")),
        "resident_id": scope.resident_id,
    }
