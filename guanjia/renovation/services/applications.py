"""From application to permit: apply (owner or desk), engineering's and the PM's decisions by a
deadline, the fees as bills in the fee ledger, the permit and the workers' passes."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors as billing_selectors
from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind
from guanjia.billing.models import Bill, ChargeItem
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.choices import Relation, UnitStatus
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.renovation import notices
from guanjia.renovation.choices import HOLDS_UNIT, RenovationChannel, RenovationStatus
from guanjia.renovation.files import store_plan
from guanjia.renovation.models import Renovation, RenovationPlan, WorkerPass
from guanjia.renovation.services import common
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember

# Applications that still claim the unit's dates: a new one overlapping them is refused.
ACTIVE = (
    RenovationStatus.ENGINEERING,
    RenovationStatus.MANAGER,
    RenovationStatus.APPROVED,
    RenovationStatus.PERMITTED,
    RenovationStatus.STOPPED,
)
DEPOSIT_ITEM = "装修押金"
FEE_ITEM = "装修管理费"
MAX_WORKERS = 50
MAX_PLANS = 10


def _overlapping(unit_id: int, starts_on, ends_on, *, statuses, exclude_pk=None):
    qs = Renovation.objects.filter(unit_id=unit_id, status__in=statuses)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.filter(Q(starts_on__lte=ends_on) & Q(ends_on__gte=starts_on))


def _workers(data: dict) -> list[dict]:
    rows = data.get("workers") or []
    if not isinstance(rows, list) or len(rows) > MAX_WORKERS:
        raise ValidationError({"workers": _("施工人员最多 %(n)s 人") % {"n": MAX_WORKERS}})
    workers = []
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {"name": row}
        name = str(row.get("name") or "").strip()
        if not name or len(name) > 60:
            raise ValidationError({"workers": _("第 %(n)s 名施工人员的姓名无效") % {"n": i + 1}})
        workers.append(
            {
                "name": name,
                "phone": str(row.get("phone") or "").strip()[:20],
                "trade": str(row.get("trade") or "").strip()[:30],
            }
        )
    return workers


def _applicant(actor, unit: Unit, data: dict) -> tuple[str, Resident | None, str, str]:
    """(channel, resident, name, phone): an owner applies for their own unit; the desk for anyone."""
    scope = scope_for(actor)
    if scope.is_resident:
        owns = Occupancy.objects.current().filter(
            unit=unit, resident_id=scope.resident_id, relation=Relation.OWNER
        )
        if not owns.exists():
            raise ValidationError({"unit_id": _("只有业主本人可以为该房屋申请装修")})
        resident = Resident.objects.get(pk=scope.resident_id)
        return RenovationChannel.PORTAL, resident, resident.name, resident.phone
    require(actor, Perm.CHANGE_RESIDENTS)
    resident = None
    if data.get("applicant_id"):
        resident = visible_reference(Resident, data.get("applicant_id"), actor, field="applicant_id")
        if not Occupancy.objects.current().filter(unit=unit, resident=resident).exists():
            raise ValidationError({"applicant_id": _("该住户不是此房屋的住户")})
    name = common.text(data, "applicant_name", 60, required=resident is None) or resident.name
    phone = common.text(data, "applicant_phone", 20, required=resident is None) or resident.phone
    return RenovationChannel.DESK, resident, name, phone


def _number(project: Project, day: datetime.date) -> str:
    count = Renovation.objects.filter(project=project).count()
    return f"ZX-{project.code}-{day:%y%m}-{count + 1:04d}"


@service
def renovation_apply(*, actor, data: dict, plans=()) -> Renovation:
    """An application (装修申请) by the owner (portal) or the desk for a unit the actor can see:
    contractor, scope with its structural/facade flags, dates, workers, plans, and the rules
    acknowledged. Dates overlapping another live application of the unit are refused."""
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id", related=("project",))
    if unit.deleted_at is not None:
        raise ValidationError({"unit_id": _("房屋不存在")})
    channel, resident, name, phone = _applicant(actor, unit, data)
    if not common.flag(data, "rules_acknowledged"):
        raise ValidationError({"rules_acknowledged": _("请阅读并确认装修管理规定")})
    starts_on = common.date(data, "starts_on")
    ends_on = common.date(data, "ends_on")
    today = timezone.localdate()
    if starts_on < today:
        raise ValidationError({"starts_on": _("开工日期不能早于今天")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("完工日期不能早于开工日期")})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": _("装修期最长一年")})
    workers = _workers(data)
    plans = list(plans or ())
    if len(plans) > MAX_PLANS:
        raise ValidationError({"plans": _("图纸最多 %(n)s 个文件") % {"n": MAX_PLANS}})
    lock(unit)
    if _overlapping(unit.pk, starts_on, ends_on, statuses=ACTIVE).exists():
        raise ValidationError({"starts_on": _("该房屋在此期间已有装修申请或施工许可")})
    project = Project._base_manager.select_for_update().get(pk=unit.project_id)
    now = common.now()
    renovation = Renovation(
        company_id=unit.company_id,
        project=project,
        unit=unit,
        number=_number(project, timezone.localdate(now)),
        channel=channel,
        applicant=resident,
        applicant_name=name,
        applicant_phone=phone,
        submitted_by=actor,
        submitted_at=now,
        contractor=common.text(data, "contractor", 100),
        contractor_contact=common.text(data, "contractor_contact", 60),
        contractor_phone=common.text(data, "contractor_phone", 20),
        scope=common.text(data, "scope", 1000),
        structural=common.flag(data, "structural"),
        facade=common.flag(data, "facade"),
        starts_on=starts_on,
        ends_on=ends_on,
        rules_acknowledged_at=now,
        status=RenovationStatus.ENGINEERING,
        step_due_at=now + common.review_time(),
    )
    save_validated(renovation)
    for worker in workers:
        WorkerPass.objects.create(
            company_id=renovation.company_id, project=project, renovation=renovation, **worker
        )
    for upload in plans:
        plan_name, stored = store_plan(upload)
        RenovationPlan.objects.create(
            company_id=renovation.company_id,
            project=project,
            renovation=renovation,
            name=plan_name,
            file=stored,
            uploaded_by=actor,
        )
    common.event(renovation, "submitted", actor=actor, note=renovation.get_channel_display(), at=now)
    renovation.unit = Unit.objects.select_related("building").get(pk=unit.pk)
    notices.submitted(renovation, common.engineers(project.pk) or common.managers(project.pk))
    return renovation


def _is_engineer(actor) -> bool:
    scope = scope_for(actor)
    if Perm.REVIEW_RENOVATION not in scope.permissions:
        return False
    if scope.roles & {Role.PROJECT_MANAGER, Role.COMPANY_ADMIN}:
        return True
    return StaffMember.objects.filter(pk=scope.staff_id, department=Department.ENGINEERING).exists()


def _locked(renovation: Renovation, expected: str) -> Renovation:
    renovation = lock(renovation)
    if renovation.status != expected:
        raise Conflict(_("该装修申请已变为“%(s)s”，请刷新后再操作") % {"s": renovation.get_status_display()})
    return renovation


@service
def renovation_approve(*, actor, renovation: Renovation, note: str = "") -> Renovation:
    """Engineering's approval (工程审核), then the PM's when the works touch the structure or the
    facade. Two people deciding at once: the row lock lets one win; the other gets 409."""
    scope = scope_for(actor)
    now = common.now()
    if renovation.status == RenovationStatus.MANAGER:
        require(actor, Perm.APPROVE_RENOVATION)
        renovation = _locked(renovation, RenovationStatus.MANAGER)
        renovation.manager_by, renovation.manager_at = actor, now
        renovation.status = RenovationStatus.APPROVED
        action = "manager_approved"
    else:
        if not _is_engineer(actor):
            raise NotAllowed(_("只有工程部主管或项目经理可以审核装修申请"))
        renovation = _locked(renovation, RenovationStatus.ENGINEERING)
        renovation.engineering_by, renovation.engineering_at = actor, now
        action = "engineering_approved"
        if renovation.needs_manager and not (
            Perm.APPROVE_RENOVATION in scope.permissions and scope.roles & {Role.PROJECT_MANAGER}
        ):
            renovation.status = RenovationStatus.MANAGER
        else:
            renovation.status = RenovationStatus.APPROVED
            if renovation.needs_manager:  # the PM decided engineering's step: both are given
                renovation.manager_by, renovation.manager_at = actor, now
    renovation.step_due_at = (
        now + common.review_time() if renovation.status == RenovationStatus.MANAGER else None
    )
    renovation.escalation_step = 0
    save_validated(renovation)
    common.event(renovation, action, actor=actor, note=note, at=now)
    renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
    if renovation.status == RenovationStatus.MANAGER:
        notices.review(renovation, common.managers(renovation.project_id))
    else:
        notices.decided(renovation, common.unit_users(renovation), _("已通过审批"))
    return renovation


@service
def renovation_reject(*, actor, renovation: Renovation, reason: str) -> Renovation:
    """Refuse an application at the step it waits on, with the reason the owner reads."""
    reason = common.text({"reason": reason}, "reason", 200)
    if renovation.status == RenovationStatus.MANAGER:
        require(actor, Perm.APPROVE_RENOVATION)
    elif not _is_engineer(actor):
        raise NotAllowed(_("只有工程部主管或项目经理可以审核装修申请"))
    renovation = lock(renovation)
    if renovation.status not in (RenovationStatus.ENGINEERING, RenovationStatus.MANAGER):
        raise Conflict(_("该装修申请已变为“%(s)s”，请刷新后再操作") % {"s": renovation.get_status_display()})
    renovation.status = RenovationStatus.REJECTED
    renovation.reject_reason = reason
    renovation.step_due_at = None
    save_validated(renovation)
    common.event(renovation, "rejected", actor=actor, note=reason)
    renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
    notices.decided(renovation, common.unit_users(renovation), _("未通过：%(r)s") % {"r": reason})
    return renovation


def _one_off_item(actor, data: dict, field: str, name: str) -> ChargeItem:
    if data.get(field):
        return visible_reference(ChargeItem, data.get(field), actor, field=field)
    item = (
        ChargeItem.objects.visible_to(actor).filter(name=name, kind=ChargeKind.ONE_OFF, active=True).first()
    )
    if item is None:
        raise ValidationError({field: _("请先在收费项目中设置一次性项目“%(n)s”") % {"n": name}})
    return item


@service
def renovation_bill(*, actor, renovation: Renovation, data: dict | None = None) -> Renovation:
    """Issue the management fee and the deposit as one-off bills in the fee ledger
    (``billing.bill_one_off``, exactly once by key). The deposit is issued second, so a refund of a
    payment that settled both gives back the deposit (billing refunds the newest bill first)."""
    data = data or {}
    require(actor, Perm.CHANGE_BILLING)
    renovation = _locked(renovation, RenovationStatus.APPROVED)
    if renovation.deposit_bill_id:
        raise Conflict(_("费用已开具"))
    fee_item = _one_off_item(actor, data, "fee_item_id", FEE_ITEM)
    deposit_item = _one_off_item(actor, data, "deposit_item_id", DEPOSIT_ITEM)
    common_data = {"unit_id": renovation.unit_id, "due_on": renovation.starts_on}
    fee = billing.bill_one_off(
        actor=actor,
        data={
            **common_data,
            "item_id": fee_item.pk,
            "amount": data.get("fee_amount"),
            "key": f"renovation-{renovation.pk}-fee",
            "note": _("装修管理费 %(n)s") % {"n": renovation.number},
        },
    )
    deposit = billing.bill_one_off(
        actor=actor,
        data={
            **common_data,
            "item_id": deposit_item.pk,
            "amount": data.get("deposit_amount"),
            "key": f"renovation-{renovation.pk}-deposit",
            "note": _("装修押金 %(n)s") % {"n": renovation.number},
        },
    )
    renovation.fee_bill, renovation.deposit_bill, renovation.deposit = fee, deposit, deposit.total
    save_validated(renovation)
    total = fee.total + deposit.total
    common.event(
        renovation,
        "billed",
        actor=actor,
        note=_("管理费 %(f)s 元，押金 %(d)s 元") % {"f": fee.total, "d": deposit.total},
    )
    renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
    notices.billed(renovation, common.unit_users(renovation), total)
    return renovation


def fees_paid(renovation: Renovation) -> bool:
    ids = [pk for pk in (renovation.fee_bill_id, renovation.deposit_bill_id) if pk]
    if len(ids) < 2:
        return False
    bills = billing_selectors.with_amounts(Bill.objects.filter(pk__in=ids))
    return all(b.status == "paid" for b in bills)


@service
def renovation_permit(*, actor, renovation: Renovation) -> Renovation:
    """Issue the permit (施工许可证) once the fees are paid: valid from the start (or today) to the
    planned end; the workers' passes with it; the unit is marked renovating. A permit overlapping
    another of the same unit is refused (the unit's row lock serialises two desks)."""
    require(actor, Perm.CHANGE_RESIDENTS)
    renovation = _locked(renovation, RenovationStatus.APPROVED)
    if not fees_paid(renovation):
        raise ValidationError({"fees": _("装修押金和管理费尚未缴清")})
    today = timezone.localdate()
    start = max(renovation.starts_on, today)
    if renovation.ends_on < today:
        raise ValidationError({"ends_on": _("计划完工日期已过，请重新申请")})
    unit = lock(Unit(pk=renovation.unit_id))
    if _overlapping(
        unit.pk, start, renovation.ends_on, statuses=HOLDS_UNIT, exclude_pk=renovation.pk
    ).exists():
        raise Conflict(_("该房屋在此期间已有有效的施工许可证"))
    renovation.status = RenovationStatus.PERMITTED
    renovation.permit_no = f"{renovation.number}-P"
    renovation.permit_from, renovation.permit_until = start, renovation.ends_on
    renovation.unit_status_before = unit.status
    save_validated(renovation)
    for n, worker in enumerate(renovation.workers.filter(revoked_at__isnull=True).order_by("id"), 1):
        worker.pass_no = f"{renovation.number}-W{n:02d}"
        worker.valid_until = renovation.permit_until
        worker.save()
    unit.status = UnitStatus.RENOVATING
    unit.save()
    common.event(
        renovation,
        "permitted",
        actor=actor,
        note=_("有效期 %(a)s 至 %(b)s") % {"a": start, "b": renovation.ends_on},
    )
    renovation.unit = Unit.objects.select_related("building").get(pk=unit.pk)
    notices.permit(renovation, common.unit_users(renovation))
    return renovation


@service
def worker_add(*, actor, renovation: Renovation, data: dict) -> WorkerPass:
    """Add a worker; under a permit in force the pass is issued at once with the permit's validity."""
    require(actor, Perm.CHANGE_RESIDENTS)
    renovation = lock(renovation)
    if renovation.status not in ACTIVE:
        raise Conflict(_("该装修已结束，不能再登记施工人员"))
    (worker,) = _workers({"workers": [data]})
    row = WorkerPass(
        company_id=renovation.company_id, project_id=renovation.project_id, renovation=renovation, **worker
    )
    if renovation.status in HOLDS_UNIT:
        row.pass_no = f"{renovation.number}-W{renovation.workers.count() + 1:02d}"
        row.valid_until = renovation.permit_until
    save_validated(row)
    common.event(renovation, "worker_added", actor=actor, note=row.name)
    return row


@service
def worker_revoke(*, actor, worker: WorkerPass) -> WorkerPass:
    require(actor, Perm.CHANGE_RESIDENTS)
    worker = lock(worker)
    if worker.revoked_at is not None:
        raise Conflict(_("出入证已注销"))
    worker.revoked_at = common.now()
    worker.save()
    common.event(worker.renovation, "worker_revoked", actor=actor, note=worker.name)
    return worker


@service
def plan_add(*, actor, renovation: Renovation, upload) -> RenovationPlan:
    """Another plan for an application still being decided: by its owner or the desk."""
    scope = scope_for(actor)
    if not scope.is_resident:
        require(actor, Perm.CHANGE_RESIDENTS)
    elif renovation.applicant_id != scope.resident_id:
        raise NotAllowed(_("只有申请人可以补充图纸"))
    renovation = lock(renovation)
    if renovation.status not in (RenovationStatus.ENGINEERING, RenovationStatus.MANAGER):
        raise Conflict(_("审批已结束，不能再补充图纸"))
    if renovation.plans.count() >= MAX_PLANS:
        raise ValidationError({"file": _("图纸最多 %(n)s 个文件") % {"n": MAX_PLANS}})
    name, stored = store_plan(upload, field="file")
    plan = RenovationPlan.objects.create(
        company_id=renovation.company_id,
        project_id=renovation.project_id,
        renovation=renovation,
        name=name,
        file=stored,
        uploaded_by=actor,
    )
    common.event(renovation, "plan_added", actor=actor, note=name)
    return plan
