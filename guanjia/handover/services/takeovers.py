"""Takeover inspection (接管验收) of a new project's common parts and equipment from the developer:
the takeover, its inspection (``inspections``, the same shape as a handover's), and the acceptance
record signed by the PM — accepted, or accepted with reservations while defects remain open."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.handover.choices import HandoverItemResult, TakeoverStatus
from guanjia.handover.files import store_signature
from guanjia.handover.models import Inspection, Takeover
from guanjia.handover.services import common
from guanjia.handover.services.inspections import open_defects


@service
def takeover_create(*, actor, data: dict) -> Takeover:
    require(actor, Perm.HANDOVER)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    try:
        phone = normalise_phone(data.get("developer_phone") or "")
    except ValidationError as exc:
        raise ValidationError({"developer_phone": exc.messages}) from exc
    days = data.get("rectify_days") or 15
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"rectify_days": _("请填写天数")}) from None
    if not 1 <= days <= 90:
        raise ValidationError({"rectify_days": _("整改期限须在 1–90 天之间")})
    now = common.now()
    return save_validated(
        Takeover(
            company_id=project.company_id,
            project=project,
            number=common.number("JG", Takeover, project.company_id, now),
            title=common.text(data, "title", 100),
            developer=common.text(data, "developer", 100),
            developer_contact=common.text(data, "developer_contact", 60),
            developer_phone=phone,
            planned_on=common.date(data, "planned_on"),
            rectify_days=days,
            created_by=actor,
        )
    )


@service
def takeover_accept(*, actor, takeover: Takeover, signature, note: str = "") -> Takeover:
    """The PM signs the acceptance record: accepted when every defect is closed, else accepted with
    reservations (the reservations said in ``note``); the developer still owes the open defects.
    Two signing at once: one wins, the other gets 409."""
    require(actor, Perm.ACCEPT_TAKEOVER)
    takeover = lock(takeover)
    if takeover.status != TakeoverStatus.INSPECTING:
        raise Conflict(_("该接管验收已%(s)s") % {"s": takeover.get_status_display()})
    inspection = Inspection.objects.filter(takeover=takeover).first()
    if inspection is None:
        raise ValidationError({"inspection": _("尚未开始验收")})
    if inspection.items.filter(result=HandoverItemResult.PENDING).exists():
        raise ValidationError({"inspection": _("验收尚有未检查的项目")})
    open_count = open_defects(inspection).count()
    note = common.text({"acceptance_note": note}, "acceptance_note", 500, required=open_count > 0)
    takeover.signature = store_signature(signature)
    takeover.status = TakeoverStatus.RESERVED if open_count else TakeoverStatus.ACCEPTED
    takeover.accepted_at = common.now()
    takeover.accepted_by = actor
    takeover.acceptance_note = note
    return save_validated(takeover)
