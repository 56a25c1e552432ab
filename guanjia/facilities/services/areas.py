"""Common areas (公共区域) that cleaning, pest control and greening plans cover: create, change,
retire. Retiring an area drops its untouched future tasks; its history stays."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Building, Project
from guanjia.facilities.models import Area, MaintenanceTask
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _drop_future_tasks, new_token

AREA_FIELDS = {"kind", "name", "place", "is_active"}


def _area_refs(area: Area, *, actor, data: dict) -> None:
    if "building_id" in data:
        pk = data.pop("building_id")
        area.building = None if pk is None else visible_reference(Building, pk, actor, field="building_id")
        if area.building is not None and area.building.project_id != area.project_id:
            raise ValidationError({"building_id": _("楼栋不属于该项目")})


@service
def area_create(*, actor, data: dict) -> Area:
    """Add a common area to a project (the environment supervisor, the project manager)."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    area = Area(company_id=project.company_id, project=project, qr_token=new_token())
    _area_refs(area, actor=actor, data=data)
    apply_changes(area, {k: v for k, v in data.items() if v is not None}, allowed=AREA_FIELDS)
    area.name = (area.name or "").strip()
    area.place = (area.place or "").strip()
    save_validated(area)
    return area


@service
def area_update(*, actor, area: Area, data: dict) -> Area:
    require(actor, Perm.CHANGE_FACILITIES)
    area = lock(area)
    data = dict(data)
    _area_refs(area, actor=actor, data=data)
    apply_changes(area, data, allowed=AREA_FIELDS)
    area.name = (area.name or "").strip()
    save_validated(area)
    if not area.is_active:
        _drop_future_tasks(MaintenanceTask.objects.filter(area=area))
    return area


@service
def area_delete(*, actor, area: Area) -> None:
    """Soft-delete: the area's tasks and their results stay."""
    require(actor, Perm.CHANGE_FACILITIES)
    area = lock(area)
    area.deleted_at = common._now()
    area.save()
    _drop_future_tasks(MaintenanceTask.objects.filter(area=area))
