"""REST resources of costs: invoices entered by hand, and totals per item, type, project or year."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.facilities import selectors, services
from guanjia.facilities.api.common import router
from guanjia.facilities.choices import CostKind
from guanjia.facilities.models import EquipmentCost

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
