"""The gate's lists, each one function of (user, filters) shared by the console page, the API and the
.xlsx export, so a file holds exactly what the list shows."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from guanjia.core.api import FilterSchema, RefId
from guanjia.core.services import visible_reference
from guanjia.estates.models import Project
from guanjia.gate.choices import GateLogKind, HolderKind, SpaceKind
from guanjia.gate.models import (
    AccessCard,
    BlacklistedPlate,
    Gate,
    GateLogEntry,
    ParkingSpace,
    TemporaryVisit,
    Vehicle,
    VisitorPass,
)
from guanjia.gate.plates import normalize_plate


def day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A Shanghai day as an aware [start, end) range."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


class GateLogFilter(FilterSchema):
    project_id: RefId | None = None
    gate_id: RefId | None = None
    day: datetime.date | None = None
    kind: GateLogKind | None = None
    plate: str | None = None


def log_rows(user, filters: GateLogFilter):
    qs = GateLogEntry.objects.visible_to(user).select_related(
        "gate", "project", "unit__building", "visitor_pass", "guard"
    )
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.gate_id:
        qs = qs.filter(gate_id=filters.gate_id)
    if filters.day:
        start, end = day_range(filters.day)
        qs = qs.filter(time__gte=start, time__lt=end)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.plate:
        qs = qs.filter(plate__icontains=normalize_plate(filters.plate))
    return qs.order_by("-time", "-id")


class VisitorPassFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    day: datetime.date | None = None


def pass_rows(user, filters: VisitorPassFilter):
    qs = VisitorPass.objects.visible_to(user).select_related("unit__building", "project")
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.day:
        start, end = day_range(filters.day)
        qs = qs.filter(valid_from__lt=end, valid_until__gt=start)
    return qs.order_by("-valid_from", "-id")


class VehicleFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    plate: str | None = None
    active: bool | None = True


def vehicle_rows(user, filters: VehicleFilter):
    qs = Vehicle.objects.visible_to(user).select_related("unit__building", "owner", "project")
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.plate:
        qs = qs.filter(plate__icontains=normalize_plate(filters.plate))
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs.order_by("project_id", "plate", "id")


class ParkingSpaceFilter(FilterSchema):
    project_id: RefId | None = None
    kind: SpaceKind | None = None


def space_rows(user, filters: ParkingSpaceFilter):
    qs = ParkingSpace.objects.visible_to(user).select_related("unit__building", "project")
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("project_id", "number", "id")


class TemporaryVisitFilter(FilterSchema):
    project_id: RefId | None = None
    day: datetime.date | None = None
    inside: bool | None = None


def temporary_rows(user, filters: TemporaryVisitFilter):
    qs = TemporaryVisit.objects.visible_to(user).select_related(
        "entry_gate", "exit_gate", "cashier", "project"
    )
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.day:
        start, end = day_range(filters.day)
        qs = qs.filter(entered_at__lt=end).filter(Q(left_at__isnull=True) | Q(left_at__gte=start))
    if filters.inside is not None:
        qs = qs.filter(left_at__isnull=filters.inside)
    return qs.order_by("-entered_at", "-id")


class AccessCardFilter(FilterSchema):
    project_id: RefId | None = None
    holder_kind: HolderKind | None = None
    # "to_deactivate": revoked and not yet switched off in the access-control system.
    state: str | None = None


def card_rows(user, filters: AccessCardFilter):
    qs = AccessCard.objects.visible_to(user).select_related("unit__building", "project")
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.holder_kind:
        qs = qs.filter(holder_kind=filters.holder_kind)
    if filters.state == "active":
        qs = qs.filter(revoked_at__isnull=True)
    elif filters.state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    elif filters.state == "to_deactivate":
        qs = qs.filter(revoked_at__isnull=False, deactivated_at__isnull=True)
    return qs.order_by("project_id", "number", "id")


def blacklist_rows(user, project_id=None):
    qs = BlacklistedPlate.objects.visible_to(user).filter(active=True).select_related("project", "added_by")
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs


def gates_of(user):
    return (
        Gate.objects.visible_to(user)
        .filter(active=True)
        .select_related("project")
        .order_by("project__name", "name")
    )


def plate_facts(user, project_id: int, plate: str) -> dict:
    """What the guard needs about a plate at the gate: a resident's car (which unit), blacklisted
    (why), inside as a temporary vehicle since when and what it would pay now."""
    from guanjia.gate.services.common import plate_of
    from guanjia.gate.services.vehicles import blacklisted, fee_now, resident_vehicle

    project = visible_reference(Project, project_id, user, field="project_id")
    plate = plate_of(plate, required=True)
    vehicle = resident_vehicle(project.pk, plate)
    black = blacklisted(project.pk, plate)
    visit = TemporaryVisit.objects.filter(project=project, plate=plate, left_at__isnull=True).first()
    return {
        "plate": plate,
        "resident_vehicle": vehicle is not None,
        "unit": f"{vehicle.unit.building.name}-{vehicle.unit.number}" if vehicle else "",
        "blacklisted": black is not None,
        "blacklist_reason": black.reason if black else "",
        "inside_since": visit.entered_at if visit else None,
        "temporary_visit_id": visit.pk if visit else None,
        "fee_now": fee_now(visit) if visit else None,
    }
