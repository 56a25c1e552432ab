"""Reads of handover for the pages and the API: an appointment or a takeover with its inspection,
items grouped by room, defects with their requests, and the resident's own handovers."""

from __future__ import annotations

from django.db.models import Prefetch

from guanjia.core.media import private_url
from guanjia.handover.models import Appointment, Defect, Inspection, InspectionItem, InspectionPhoto, Takeover

ITEMS = Prefetch(
    "items",
    queryset=InspectionItem.objects.order_by("position", "id").prefetch_related(
        Prefetch("photos", queryset=InspectionPhoto.objects.order_by("id"))
    ),
)
DEFECTS = Prefetch(
    "defects",
    queryset=Defect.objects.select_related("ticket__assignee", "item", "reinspected_by").prefetch_related(
        "item__photos"
    ),
)


def appointment_queryset():
    return Appointment.objects.select_related(
        "project", "unit__building", "booked_by", "completed_by", "resident"
    )


def takeover_queryset():
    return Takeover.objects.select_related("project", "created_by", "accepted_by")


def inspection_of(parent) -> Inspection | None:
    field = "appointment" if isinstance(parent, Appointment) else "takeover"
    return (
        Inspection.objects.filter(**{field: parent})
        .select_related("started_by")
        .prefetch_related(ITEMS, DEFECTS)
        .first()
    )


def photo_links(item: InspectionItem) -> list[dict]:
    return [{"image": private_url(p.image), "thumbnail": private_url(p.thumbnail)} for p in item.photos.all()]


def rooms(inspection: Inspection | None) -> list[dict]:
    """The items grouped by room (or area) in checklist order, with their photo links."""
    out: list[dict] = []
    if inspection is None:
        return out
    for item in inspection.items.all():
        item.links = photo_links(item)
        if not out or out[-1]["room"] != item.room:
            out.append({"room": item.room, "items": []})
        out[-1]["items"].append(item)
    return out


def defects(inspection: Inspection | None) -> list[Defect]:
    if inspection is None:
        return []
    rows = list(inspection.defects.all())
    for d in rows:
        d.links = photo_links(d.item)
    return rows


def progress(inspection: Inspection | None) -> dict:
    if inspection is None:
        return {"total": 0, "done": 0}
    items = list(inspection.items.all())
    return {"total": len(items), "done": sum(1 for i in items if i.result != "pending")}


def mine(user):
    """The resident's own handovers (units they live in or own), newest first."""
    return appointment_queryset().visible_to(user).exclude(status="cancelled").order_by("-starts_at", "-id")
