"""REST resources for staff members and the duty rota (their evaluation: ``evaluation.api``)."""

import datetime
from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, Router

from guanjia.core.api import FilterSchema, RefId, Schema, register_crud
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm, Role
from guanjia.staff import services
from guanjia.staff.choices import Department, Weekday
from guanjia.staff.models import DutyShift, StaffMember

router = Router(tags=["staff"])


class StaffOut(Schema):
    id: int
    username: str = Field(..., alias="user.username")
    name: str
    phone_masked: str
    employee_no: str
    department: Department
    position: str
    roles: list[Role]
    project_ids: list[int]
    skills: list[str]
    butler_building_ids: list[int]
    wecom_userid: str

    @staticmethod
    def resolve_wecom_userid(obj) -> str:
        return next((a.address for a in obj.user.channel_addresses.all() if a.channel == "wecom"), "")

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted(r.role for r in obj.roles.all())

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return sorted(p.id for p in obj.projects.all())

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return sorted(s.name for s in obj.skills.all())

    @staticmethod
    def resolve_butler_building_ids(obj) -> list[int]:
        return sorted(b.id for b in obj.butler_buildings.all())


class StaffIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str | None = Field(None, min_length=8, max_length=128)
    name: str = Field(..., min_length=1, max_length=60)
    phone: str = Field("", max_length=20)
    employee_no: str = Field("", max_length=20)
    department: Department
    position: str = Field("", max_length=40)
    roles: list[Role] = Field(default_factory=list, max_length=11)
    project_ids: list[RefId] = Field(default_factory=list, max_length=500)
    skills: list[str] = Field(default_factory=list, max_length=50)
    butler_building_ids: list[RefId] = Field(default_factory=list, max_length=500)
    # Company administrators only: where WeCom messages reach this person.
    wecom_userid: str | None = Field(None, max_length=64)


class StaffPatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    phone: str = Field(None, max_length=20)
    employee_no: str = Field(None, max_length=20)
    department: Department = None
    position: str = Field(None, max_length=40)
    roles: list[Role] = Field(None, max_length=11)
    project_ids: list[RefId] = Field(None, max_length=500)
    skills: list[str] = Field(None, max_length=50)
    butler_building_ids: list[RefId] = Field(None, max_length=500)
    wecom_userid: str = Field(None, max_length=64)


class StaffFilter(FilterSchema):
    project_id: RefId | None = None
    department: Department | None = None
    role: Role | None = None
    skill: str | None = Field(None, max_length=30)
    search: Annotated[
        str | None, FilterLookup(["name__icontains", "employee_no__iexact", "phone__exact"])
    ] = Field(None, max_length=100)

    def filter_project_id(self, value):
        return Q(projects__id=value) if value else Q()

    def filter_role(self, value):
        return Q(roles__role=value) if value else Q()

    def filter_skill(self, value):
        return Q(skills__name=value) if value else Q()

    def filter(self, queryset):
        return super().filter(queryset).distinct()


register_crud(
    router,
    name="staff",
    model=StaffMember,
    out=StaffOut,
    create_in=StaffIn,
    update_in=StaffPatch,
    filters=StaffFilter,
    orderings=["name", "department", "created_at"],
    view_perm=Perm.VIEW_STAFF,
    plural="staff",
    create=services.staff_create,
    update=services.staff_update,
    delete=services.staff_delete,
    select_related=("user",),
    prefetch_related=("roles", "projects", "skills", "butler_buildings", "user__channel_addresses"),
)


class DutyShiftOut(Schema):
    id: int
    project_id: int
    staff_id: int
    weekday: Weekday
    starts_at: datetime.time
    ends_at: datetime.time


class DutyShiftIn(Schema):
    project_id: RefId
    staff_id: RefId
    weekday: Weekday
    starts_at: datetime.time
    ends_at: datetime.time


class DutyShiftFilter(FilterSchema):
    project_id: RefId | None = None
    staff_id: RefId | None = None
    weekday: Weekday | None = None


register_crud(
    router,
    name="shift",
    model=DutyShift,
    out=DutyShiftOut,
    create_in=DutyShiftIn,
    update_in=None,
    filters=DutyShiftFilter,
    orderings=["weekday", "starts_at"],
    view_perm=Perm.VIEW_STAFF,
    create=services.duty_shift_create,
    update=None,
    delete=services.duty_shift_delete,
)
