"""REST resources of what is charged: charge items, project rates, units registered for an item, meter
readings. CRUD through ``register_crud``, writes through the services."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field

from guanjia.billing import services
from guanjia.billing.api.common import Period, Price, Text, router
from guanjia.billing.choices import ChargeKind, ItemScope, Meter
from guanjia.billing.models import ChargeItem, MeterReading, ProjectCharge, UnitCharge
from guanjia.core.api import FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm


class ChargeItemOut(Schema):
    id: int
    name: str
    kind: ChargeKind
    meter: str
    unit_price: Decimal
    active: bool
    note: str


class ChargeItemIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    kind: ChargeKind
    meter: Meter | None = None
    unit_price: Price
    active: bool = True
    note: Text = ""


class ChargeItemPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=40)
    meter: Meter | None = None
    unit_price: Price | None = None
    active: bool | None = None
    note: Text | None = None


class ChargeItemFilter(FilterSchema):
    kind: ChargeKind | None = None
    active: bool | None = None


def _item_create(*, actor, data):
    data["meter"] = data.get("meter") or ""
    return services.charge_item_create(actor=actor, data=data)


register_crud(
    router,
    name="charge_item",
    plural="charge-items",
    model=ChargeItem,
    out=ChargeItemOut,
    create_in=ChargeItemIn,
    update_in=ChargeItemPatch,
    filters=ChargeItemFilter,
    orderings=["name", "kind"],
    view_perm=Perm.VIEW_BILLING,
    create=_item_create,
    update=services.charge_item_update,
    delete=services.charge_item_delete,
)


# Project rates ------------------------------------------------------------------------------------


class ProjectChargeOut(Schema):
    id: int
    project_id: int
    item_id: int
    item_name: str
    unit_price: Decimal | None
    price: Decimal
    scope: ItemScope
    active: bool

    @staticmethod
    def resolve_item_name(obj) -> str:
        return obj.item.name


class ProjectChargeIn(Schema):
    project_id: RefId
    item_id: RefId
    unit_price: Price | None = None
    scope: ItemScope = ItemScope.ALL_UNITS
    active: bool = True


class ProjectChargePatch(Schema):
    unit_price: Price | None = None
    scope: ItemScope | None = None
    active: bool | None = None


class ProjectChargeFilter(FilterSchema):
    project_id: RefId | None = None
    item_id: RefId | None = None
    active: bool | None = None


register_crud(
    router,
    name="project_charge",
    plural="project-charges",
    model=ProjectCharge,
    out=ProjectChargeOut,
    create_in=ProjectChargeIn,
    update_in=ProjectChargePatch,
    filters=ProjectChargeFilter,
    orderings=["project_id", "item_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.project_charge_create,
    update=services.project_charge_update,
    delete=services.project_charge_delete,
    select_related=("item",),
)


# Units registered for a charge (parking …) ---------------------------------------------------------


class UnitChargeOut(Schema):
    id: int
    project_id: int
    unit_id: int
    item_id: int
    unit_price: Decimal | None
    note: str


class UnitChargeIn(Schema):
    unit_id: RefId
    item_id: RefId
    unit_price: Price | None = None
    note: str = Field("", max_length=100)


class UnitChargeFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    item_id: RefId | None = None


register_crud(
    router,
    name="unit_charge",
    plural="unit-charges",
    model=UnitCharge,
    out=UnitChargeOut,
    create_in=UnitChargeIn,
    update_in=None,
    filters=UnitChargeFilter,
    orderings=["unit_id", "item_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.unit_charge_create,
    update=None,
    delete=services.unit_charge_delete,
)


# Meter readings -----------------------------------------------------------------------------------


class ReadingOut(Schema):
    id: int
    project_id: int
    unit_id: int
    item_id: int
    period: str
    reading: Decimal
    previous: Decimal
    usage: Decimal
    read_on: datetime.date


class ReadingIn(Schema):
    unit_id: RefId
    item_id: RefId
    period: Period
    reading: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    read_on: datetime.date | None = None


class ReadingFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    item_id: RefId | None = None
    period: Period | None = None


register_crud(
    router,
    name="meter_reading",
    plural="meter-readings",
    model=MeterReading,
    out=ReadingOut,
    create_in=ReadingIn,
    update_in=None,
    filters=ReadingFilter,
    orderings=["period", "unit_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.reading_record,
    update=None,
    delete=services.reading_delete,
)
