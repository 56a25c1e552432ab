"""Plans: CRUD of a company's emergency plans; every edit writes a new version."""

from typing import Any

from ninja import Field

from guanjia.core.api import FilterSchema, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.emergencies import services
from guanjia.emergencies.api.base import router
from guanjia.emergencies.choices import EventKind
from guanjia.emergencies.models import EmergencyPlan
from guanjia.staff.choices import Department


class EmergencyPlanOut(Schema):
    id: int
    kind: EventKind
    name: str
    is_template: bool
    is_active: bool
    responsible_department: Department
    version: int
    content: dict[str, Any]


class EmergencyPlanIn(Schema):
    kind: EventKind
    name: str = Field(..., min_length=1, max_length=100)
    is_template: bool = False
    responsible_department: Department = Department.SECURITY
    content: dict[str, Any]


class EmergencyPlanPatch(Schema):
    name: str = Field(None, min_length=1, max_length=100)
    is_active: bool = None
    is_template: bool = None
    responsible_department: Department = None
    content: dict[str, Any] = None


class EmergencyPlanFilter(FilterSchema):
    kind: EventKind | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="emergency_plan",
    plural="emergency-plans",
    model=EmergencyPlan,
    out=EmergencyPlanOut,
    create_in=EmergencyPlanIn,
    update_in=EmergencyPlanPatch,
    filters=EmergencyPlanFilter,
    orderings=["kind", "name", "version"],
    view_perm=Perm.VIEW_EMERGENCIES,
    create=services.plan_create,
    update=lambda *, actor, emergency_plan, data: services.plan_update(
        actor=actor, plan=emergency_plan, data=data
    ),
    delete=lambda *, actor, emergency_plan: services.plan_delete(actor=actor, plan=emergency_plan),
)
