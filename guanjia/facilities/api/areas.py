"""REST resource of the common areas (公共区域) that cleaning, pest control and greening plans cover."""

from typing import Annotated

from django.urls import reverse
from ninja import Field, FilterLookup

from guanjia.core.api import FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.facilities import services
from guanjia.facilities.api.common import router
from guanjia.facilities.choices import AreaKind
from guanjia.facilities.models import Area


class FacilityAreaOut(Schema):
    id: int
    project_id: int
    building_id: int | None
    kind: AreaKind
    name: str
    place: str
    is_active: bool
    qr_url: str

    @staticmethod
    def resolve_qr_url(obj) -> str:
        return reverse("facilities:area_qr", args=[obj.qr_token])


class FacilityAreaIn(Schema):
    project_id: RefId
    building_id: RefId | None = None
    kind: AreaKind
    name: str = Field(..., min_length=1, max_length=100)
    place: str = Field("", max_length=100)
    is_active: bool = True


class FacilityAreaPatch(Schema):
    building_id: RefId | None = None
    kind: AreaKind = None
    name: str = Field(None, min_length=1, max_length=100)
    place: str = Field(None, max_length=100)
    is_active: bool = None


class FacilityAreaFilter(FilterSchema):
    project_id: RefId | None = None
    building_id: RefId | None = None
    kind: AreaKind | None = None
    is_active: bool | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "place__icontains"])] = Field(
        None, max_length=100
    )


register_crud(
    router,
    name="area",
    plural="areas",
    model=Area,
    out=FacilityAreaOut,
    create_in=FacilityAreaIn,
    update_in=FacilityAreaPatch,
    filters=FacilityAreaFilter,
    orderings=["name", "kind", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.area_create,
    update=services.area_update,
    delete=services.area_delete,
)
