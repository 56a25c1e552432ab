"""REST resources of the equipment ledger: the type tree and the items."""

import datetime
from typing import Annotated

from django.urls import reverse
from ninja import Field, FilterLookup

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.facilities import services
from guanjia.facilities.api.common import router
from guanjia.facilities.choices import EquipmentStatus
from guanjia.facilities.models import Equipment, EquipmentType

# Equipment types ----------------------------------------------------------------------------------


class EquipmentTypeOut(Schema):
    id: int
    name: str
    parent_id: int | None


@router.get(
    "/equipment-types",
    response={200: list[EquipmentTypeOut], **ERROR_RESPONSES},
    operation_id="equipment_type_list",
    summary="List equipment types",
)
def equipment_type_list(request):
    """The company's equipment type tree, flat (``parent_id`` links a type to the one above)."""
    require(request.user, Perm.VIEW_FACILITIES)
    return list(EquipmentType.objects.visible_to(request.user).order_by("parent_id", "name", "id"))


# Equipment ----------------------------------------------------------------------------------------


class EquipmentOut(Schema):
    id: int
    project_id: int
    type_id: int
    code: str
    name: str
    building_id: int | None
    floor: str
    room: str
    serial_no: str
    model_no: str
    vendor: str
    contractor: str
    contract_starts: datetime.date | None
    contract_ends: datetime.date | None
    installed_on: datetime.date | None
    warranty_until: datetime.date | None
    status: EquipmentStatus
    notes: str
    qr_url: str

    @staticmethod
    def resolve_qr_url(obj) -> str:
        return reverse("facilities:qr", args=[obj.qr_token])


class EquipmentIn(Schema):
    project_id: RefId
    type_id: RefId
    code: str = Field("", max_length=30)
    name: str = Field(..., min_length=1, max_length=100)
    building_id: RefId | None = None
    floor: str = Field("", max_length=10)
    room: str = Field("", max_length=60)
    serial_no: str = Field("", max_length=60)
    model_no: str = Field("", max_length=60)
    vendor: str = Field("", max_length=100)
    contractor: str = Field("", max_length=100)
    contract_starts: datetime.date | None = None
    contract_ends: datetime.date | None = None
    installed_on: datetime.date | None = None
    warranty_until: datetime.date | None = None
    status: EquipmentStatus = EquipmentStatus.IN_SERVICE
    notes: str = Field("", max_length=1000)


class EquipmentPatch(Schema):
    type_id: RefId = None
    code: str = Field(None, min_length=1, max_length=30)
    name: str = Field(None, min_length=1, max_length=100)
    building_id: RefId | None = None
    floor: str = Field(None, max_length=10)
    room: str = Field(None, max_length=60)
    serial_no: str = Field(None, max_length=60)
    model_no: str = Field(None, max_length=60)
    vendor: str = Field(None, max_length=100)
    contractor: str = Field(None, max_length=100)
    contract_starts: datetime.date | None = None
    contract_ends: datetime.date | None = None
    installed_on: datetime.date | None = None
    warranty_until: datetime.date | None = None
    status: EquipmentStatus = None
    notes: str = Field(None, max_length=1000)


class EquipmentFilter(FilterSchema):
    project_id: RefId | None = None
    type_id: RefId | None = None
    building_id: RefId | None = None
    status: EquipmentStatus | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = Field(
        None, max_length=100
    )


register_crud(
    router,
    name="equipment",
    plural="equipment",
    model=Equipment,
    out=EquipmentOut,
    create_in=EquipmentIn,
    update_in=EquipmentPatch,
    filters=EquipmentFilter,
    orderings=["code", "name", "installed_on", "warranty_until", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.equipment_create,
    update=services.equipment_update,
    delete=services.equipment_delete,
)
