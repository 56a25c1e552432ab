"""Reads of this app: the claims a person made, the claims a staff member decides, an owner's
household."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from guanjia.core.scoping import scope_for
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Unit, unit_order
from guanjia.households.choices import ClaimStatus
from guanjia.households.models import UnitClaim


def claims_of_phone(phone: str):
    """The claims made with a verified phone number (the one read not through ``visible_to``: the
    claimant has no account yet; the number proved by SMS code is the key)."""
    return (
        UnitClaim.objects.filter(phone=phone)
        .select_related("project", "unit__building")
        .order_by("-submitted_at", "-id")[:20]
    )


def claims_to_decide(user, *, status: str | None = ClaimStatus.PENDING):
    """The claims a staff member may see, the ones assigned to them first, oldest deadline first."""
    scope = scope_for(user)
    qs = UnitClaim.objects.visible_to(user).select_related("project", "unit__building")
    if status:
        qs = qs.filter(status=status)
    assigned = UnitClaim.assignees.through.objects.filter(
        unitclaim_id=OuterRef("pk"), staffmember_id=scope.staff_id or 0
    )
    mine = Case(When(Exists(assigned), then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(mine=mine).order_by("mine", "due_at", "id")


def photo_urls(claim: UnitClaim) -> list[dict]:
    return [
        {"image": default_storage.url(p.image), "thumbnail": default_storage.url(p.thumbnail)}
        for p in claim.photos.all()
    ]


def owned_units(user):
    """The units the user (a resident) owns today: where they may manage the household."""
    scope = scope_for(user)
    if not scope.is_resident:
        return Unit.objects.none()
    owns = Occupancy.objects.current().filter(resident_id=scope.resident_id, relation=Relation.OWNER)
    return (
        Unit.objects.visible_to(user)
        .filter(id__in=owns.values("unit_id"))
        .select_related("project", "building")
        .order_by(*unit_order())
    )


def household(units) -> dict[int, list[Occupancy]]:
    """Everyone who holds each unit today, owners first."""
    rows: dict[int, list[Occupancy]] = {u.pk: [] for u in units}
    order = Case(When(relation=Relation.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField())
    for occupancy in (
        Occupancy.objects.current()
        .filter(unit_id__in=list(rows))
        .select_related("resident")
        .annotate(owner_first=order)
        .order_by("owner_first", "start_on", "id")
    ):
        rows[occupancy.unit_id].append(occupancy)
    return rows
