"""Outsourced people as doers: a staff record linked to the firm employing it and the company
supervisor who checks its work (facilities names that supervisor the checker of their tasks)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.contractors.models import Contractor, OutsourcedWorker
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.staff.models import StaffMember


@service
def worker_link(*, actor, data: dict) -> OutsourcedWorker:
    """Say that a staff record is an outside firm's person, with the supervisor who checks their
    work; linking the same person again changes the firm or supervisor."""
    require(actor, Perm.MANAGE_CONTRACTS)
    member = visible_reference(StaffMember, data.get("staff_member_id"), actor, field="staff_member_id")
    contractor = visible_reference(Contractor, data.get("contractor_id"), actor, field="contractor_id")
    if not contractor.is_active:
        raise ValidationError({"contractor_id": _("该单位已停止合作")})
    supervisor = None
    if data.get("supervisor_id") is not None:
        supervisor = visible_reference(StaffMember, data["supervisor_id"], actor, field="supervisor_id")
        if supervisor.pk == member.pk:
            raise ValidationError({"supervisor_id": _("监管人不能是本人")})
        if OutsourcedWorker.objects.filter(staff_member=supervisor).exists():
            raise ValidationError({"supervisor_id": _("监管人须为公司员工，不能是外包人员")})
    existing = OutsourcedWorker.objects.filter(staff_member=member).first()
    worker = (
        lock(existing) if existing else OutsourcedWorker(company_id=member.company_id, staff_member=member)
    )
    worker.contractor = contractor
    worker.supervisor = supervisor
    worker.note = str(data.get("note") or "").strip()[:200]
    save_validated(worker)
    return worker


@service
def worker_unlink(*, actor, worker: OutsourcedWorker) -> None:
    """The person no longer works for the firm here (their staff record and history stay)."""
    require(actor, Perm.MANAGE_CONTRACTS)
    lock(worker).delete()
