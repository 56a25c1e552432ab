"""Audit plan resources (a CRUD resource through ``register_crud``)."""

from ninja import Field

from guanjia.core.api import FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.quality import services
from guanjia.quality.api.common import router
from guanjia.quality.choices import AuditKind, Frequency
from guanjia.quality.models import AuditPlan


class AuditPlanOut(Schema):
    id: int
    project_id: int
    template_id: int
    template_name: str = Field(..., alias="template.name")
    template_version: int = Field(..., alias="template.version")
    kind: AuditKind
    auditor_id: int
    auditor_name: str = Field(..., alias="auditor.name")
    frequencies: list[Frequency] = Field(description="空 = 核查表的全部频率")
    is_active: bool


class AuditPlanIn(Schema):
    project_id: RefId
    template_id: RefId
    kind: AuditKind = AuditKind.OPEN
    auditor_id: RefId = Field(description="总部品质部人员、管理员，或被授权此项目的第三方核查员")
    frequencies: list[Frequency] = Field(
        default_factory=list, max_length=3, description="空 = 核查表的全部频率"
    )


class AuditPlanPatch(Schema):
    template_id: RefId = None
    kind: AuditKind = None
    auditor_id: RefId = None
    frequencies: list[Frequency] = Field(None, max_length=3)
    is_active: bool = None


class PlanFilter(FilterSchema):
    project_id: RefId | None = None
    kind: AuditKind | None = None
    is_active: bool | None = None


# Which projects are audited against which checklist, how and by whom; the periodic planner makes
# each period's audits from the active plans. Deleting removes the audits not started yet and
# deactivates a plan that has audits under way or done.
register_crud(
    router,
    name="audit_plan",
    plural="audit-plans",
    model=AuditPlan,
    out=AuditPlanOut,
    create_in=AuditPlanIn,
    update_in=AuditPlanPatch,
    filters=PlanFilter,
    orderings=["id", "created_at"],
    view_perm=Perm.VIEW_QUALITY,
    create=services.plan_create,
    update=lambda *, actor, audit_plan, data: services.plan_update(actor=actor, plan=audit_plan, data=data),
    delete=lambda *, actor, audit_plan: services.plan_delete(actor=actor, plan=audit_plan),
    select_related=("template", "auditor"),
)
