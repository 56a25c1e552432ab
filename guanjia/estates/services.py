"""Every write to estates, buildings, units, residents and occupancies goes through here."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import Conflict
from guanjia.core.models import ObjectChange
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates import hooks
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

PROJECT_FIELDS = {"name", "code", "kind", "city", "address", "service_phone"}
BUILDING_FIELDS = {"name", "floors_above", "floors_below", "note"}
UNIT_FIELDS = {"floor", "number", "area", "status"}
RESIDENT_FIELDS = {"name", "phone", "email", "contact_preference", "preferred_call_times", "note"}
OCCUPANCY_FIELDS = {"relation", "start_on", "end_on", "may_report", "may_pay", "may_vote"}


def _clean_phone(data: dict) -> dict:
    if "phone" in data:
        try:
            data["phone"] = normalise_phone(data["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    return data


def _delete_or_conflict(instance, message: str) -> None:
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise Conflict(message) from exc


# Projects --------------------------------------------------------------------------------------


@service
def project_create(*, actor, data: dict) -> Project:
    require(actor, Perm.ADMIN)
    project = Project(company_id=scope_for(actor).company_id)
    apply_changes(project, data, allowed=PROJECT_FIELDS)
    return save_validated(project)


@service
def project_update(*, actor, project: Project, data: dict) -> Project:
    require(actor, Perm.CHANGE_ESTATES)
    project = lock(project)
    apply_changes(project, data, allowed=PROJECT_FIELDS)
    return save_validated(project)


@service
def project_delete(*, actor, project: Project) -> None:
    require(actor, Perm.ADMIN)
    _delete_or_conflict(lock(project), _("项目下仍有楼栋或住户，不能删除"))


# Buildings -------------------------------------------------------------------------------------


@service
def building_create(*, actor, data: dict) -> Building:
    require(actor, Perm.CHANGE_ESTATES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    building = Building(company_id=project.company_id, project=project)
    apply_changes(building, data, allowed=BUILDING_FIELDS)
    return save_validated(building)


@service
def building_update(*, actor, building: Building, data: dict) -> Building:
    require(actor, Perm.CHANGE_ESTATES)
    building = lock(building)
    apply_changes(building, data, allowed=BUILDING_FIELDS)
    return save_validated(building)


@service
def building_delete(*, actor, building: Building) -> None:
    require(actor, Perm.CHANGE_ESTATES)
    _delete_or_conflict(lock(building), _("楼栋下仍有房屋，不能删除"))


# Units -----------------------------------------------------------------------------------------


@service
def unit_create(*, actor, data: dict) -> Unit:
    require(actor, Perm.CHANGE_ESTATES)
    data = dict(data)
    building = visible_reference(Building, data.pop("building_id", None), actor, field="building_id")
    unit = Unit(company_id=building.company_id, project_id=building.project_id, building=building)
    apply_changes(unit, data, allowed=UNIT_FIELDS)
    return save_validated(unit)


@service
def unit_update(*, actor, unit: Unit, data: dict) -> Unit:
    require(actor, Perm.CHANGE_ESTATES)
    unit = lock(unit)
    apply_changes(unit, data, allowed=UNIT_FIELDS)
    return save_validated(unit)


@service
def unit_delete(*, actor, unit: Unit) -> None:
    """Soft delete: a unit keeps its history, but not while someone still lives there."""
    require(actor, Perm.CHANGE_ESTATES)
    unit = lock(unit)
    if Occupancy.objects.filter(unit=unit).current().exists():
        raise Conflict(_("该房屋仍有入住关系，请先结束入住关系"))
    unit.deleted_at = timezone.now()
    unit.save()


# Residents -------------------------------------------------------------------------------------


@service
def resident_create(*, actor, data: dict) -> Resident:
    require(actor, Perm.CHANGE_RESIDENTS)
    data = _clean_phone(dict(data))
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    resident = Resident(company_id=project.company_id, project=project)
    apply_changes(resident, data, allowed=RESIDENT_FIELDS)
    return save_validated(resident)


@service
def resident_update(*, actor, resident: Resident, data: dict) -> Resident:
    require(actor, Perm.CHANGE_RESIDENTS)
    resident = lock(resident)
    apply_changes(resident, _clean_phone(dict(data)), allowed=RESIDENT_FIELDS)
    return save_validated(resident)


@service
def resident_delete(*, actor, resident: Resident) -> None:
    """Soft delete; the resident's open occupancies end today."""
    require(actor, Perm.CHANGE_RESIDENTS)
    resident = lock(resident)
    today = timezone.localdate()
    for occupancy in Occupancy.objects.filter(resident=resident, end_on__isnull=True):
        occupancy.end_on = max(today, occupancy.start_on)
        occupancy.save()
    resident.deleted_at = timezone.now()
    resident.save()


@service
def resident_reveal_phone(*, actor, resident: Resident) -> str:
    """The full number, shown on purpose; every look is journaled."""
    require(actor, Perm.REVEAL_PHONE)
    journal.record(resident, ObjectChange.Action.REVEAL, {"phone": ["***", "revealed"]})
    return resident.phone


# Occupancies -----------------------------------------------------------------------------------


@service
def occupancy_create(*, actor, data: dict) -> Occupancy:
    require(actor, Perm.CHANGE_RESIDENTS)
    data = dict(data)
    resident = visible_reference(Resident, data.pop("resident_id", None), actor, field="resident_id")
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    if data.get("start_on") is None:
        data["start_on"] = timezone.localdate()
    occupancy = Occupancy(
        company_id=unit.company_id, project_id=unit.project_id, resident=resident, unit=unit
    )
    apply_changes(occupancy, data, allowed=OCCUPANCY_FIELDS)
    occupancy = save_validated(occupancy)
    _sync_unit_status(unit)
    return occupancy


@service
def occupancy_update(*, actor, occupancy: Occupancy, data: dict) -> Occupancy:
    require(actor, Perm.CHANGE_RESIDENTS)
    occupancy = lock(occupancy)
    apply_changes(occupancy, data, allowed=OCCUPANCY_FIELDS)
    occupancy = save_validated(occupancy)
    _sync_unit_status(occupancy.unit)
    return occupancy


@service
def occupancy_delete(*, actor, occupancy: Occupancy) -> None:
    require(actor, Perm.CHANGE_RESIDENTS)
    occupancy = lock(occupancy)
    unit = occupancy.unit
    occupancy.delete()
    _sync_unit_status(unit)


@service
def occupancy_end(*, actor, occupancy: Occupancy, on: datetime.date | None = None) -> Occupancy:
    """Move-out (迁出): the tie's last day is ``on`` (today by default). Ended today or earlier, the
    resident loses the unit in the portal at once (``ended_at``); a later day is a planned end, the
    access goes after it. The history stays: the resident's requests and bills remain in the staff's
    views, the journal records the change. Ending an ended tie again is a 409."""
    require(actor, Perm.CHANGE_RESIDENTS)
    occupancy = visible_reference(Occupancy, occupancy.pk, actor, field="occupancy_id")
    return _end(occupancy, on=on)


def _end(occupancy: Occupancy, *, on: datetime.date | None) -> Occupancy:
    """End a tie (move-out or revocation); the caller checked who may."""
    occupancy = lock(occupancy)
    today = timezone.localdate()
    on = on or today
    if occupancy.ended_at is not None or (occupancy.end_on is not None and occupancy.end_on < today):
        raise Conflict(_("该入住关系已结束"))
    ended = on <= today
    if on < occupancy.start_on:
        if occupancy.start_on <= today:
            raise ValidationError({"on": _("结束日期不能早于起始日期 %(d)s") % {"d": occupancy.start_on}})
        on, ended = occupancy.start_on, True  # a tie that has not begun: never in force
    occupancy.end_on = on
    if ended:
        occupancy.ended_at = timezone.now()
    occupancy = save_validated(occupancy)
    _sync_unit_status(occupancy.unit)
    if ended:
        hooks.occupancy_ended(occupancy)
    return occupancy


def occupancy_open_unchecked(
    *,
    resident: Resident,
    unit: Unit,
    relation: str,
    start_on: datetime.date | None = None,
    end_on: datetime.date | None = None,
    rights: dict[str, bool] | None = None,
    invited_by: Resident | None = None,
) -> Occupancy:
    """Open a tie for a service that checked the actor itself (a butler approving a claim, an owner
    inviting a household member); call it inside that service's transaction. ``rights``:
    ``{"may_report": …, "may_pay": …, "may_vote": …}``, all allowed when not given."""
    occupancy = Occupancy(
        company_id=unit.company_id,
        project_id=unit.project_id,
        resident=resident,
        unit=unit,
        relation=relation,
        start_on=start_on or timezone.localdate(),
        end_on=end_on,
        invited_by=invited_by,
        **(rights or {}),
    )
    occupancy = save_validated(occupancy)
    _sync_unit_status(unit)
    return occupancy


def occupancy_end_unchecked(*, occupancy: Occupancy, on: datetime.date | None = None) -> Occupancy:
    """End a tie for a service that checked the actor itself (an owner revoking a household member);
    call it inside that service's transaction."""
    return _end(occupancy, on=on)


def _sync_unit_status(unit: Unit) -> None:
    """A vacant unit that gains a resident is occupied; an occupied one that loses all is vacant.
    A renovating unit keeps its status: that is decided by the renovation process."""
    occupied = Occupancy.objects.filter(unit=unit).current().exists()
    unit = lock(unit)
    if occupied and unit.status == "vacant":
        unit.status = "occupied"
        unit.save()
    elif not occupied and unit.status == "occupied":
        unit.status = "vacant"
        unit.save()
