"""Contracts with outside firms: draft, change, activate, terminate, decide on renewal, renew (a
successor contract linked to the old one), and their documents. Every change is one function here,
and each leaves a line on the contract's timeline."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.contractors.choices import (
    ContractEventKind,
    ContractorCategory,
    ContractStatus,
    RenewalDecision,
    ServiceLevelKind,
    ServiceLevelUnit,
)
from guanjia.contractors.models import Contract, ContractDocument, Contractor, ServiceLevel
from guanjia.contractors.services import common
from guanjia.contractors.services.common import timeline
from guanjia.core import journal
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for, user_can
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.facilities.models import Equipment
from guanjia.staff.models import StaffMember

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_SERVICE_LEVELS = 20
TEXT_FIELDS = {"title": 120, "scope": 2000, "payment_terms": 1000}
# What may still change once a contract is in force (a supplement): not who it is with, nor its number.
ACTIVE_LOCKED = {"contractor_id", "number", "starts_on"}


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("请填写有效的日期")}) from None


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": _("请填写有效的金额")}) from None
    if amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationError({"amount": _("金额须在 0 到 99.99 亿元之间")})
    return amount


def _ids(value, field: str) -> list[int]:
    if value is None:
        return []
    try:
        return sorted({int(v) for v in value})
    except (TypeError, ValueError):
        raise ValidationError({field: _("格式无效")}) from None


def _projects(ids: list[int], actor) -> list[Project]:
    if not ids:
        raise ValidationError({"project_ids": _("请至少选择一个项目")})
    found = list(Project.objects.visible_to(actor).filter(pk__in=ids))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {p.pk for p in found})
        raise ValidationError({"project_ids": _("项目 #%(pk)s 不存在") % {"pk": missing[0]}})
    return found


def _equipment(ids: list[int], projects: list[Project], actor) -> list[Equipment]:
    found = list(Equipment.objects.visible_to(actor).filter(pk__in=ids))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {e.pk for e in found})
        raise ValidationError({"equipment_ids": _("设备 #%(pk)s 不存在") % {"pk": missing[0]}})
    covered = {p.pk for p in projects}
    outside = [e for e in found if e.project_id not in covered]
    if outside:
        raise ValidationError(
            {"equipment_ids": _("设备“%(name)s”不在合同覆盖的项目内") % {"name": outside[0].name}}
        )
    return found


def _service_levels(rows) -> list[dict]:
    """Check the service-level rows: a kind, a target (≥ 0) and a unit each."""
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > MAX_SERVICE_LEVELS:
        raise ValidationError({"service_levels": _("服务标准最多 %(n)s 条") % {"n": MAX_SERVICE_LEVELS}})
    clean = []
    for n, row in enumerate(rows, start=1):
        row = dict(row or {})
        kind, unit = row.get("kind"), row.get("unit")
        if kind not in ServiceLevelKind.values:
            raise ValidationError({"service_levels": _("第 %(n)s 条：请选择类型") % {"n": n}})
        if unit not in ServiceLevelUnit.values:
            raise ValidationError({"service_levels": _("第 %(n)s 条：请选择单位") % {"n": n}})
        try:
            target = Decimal(str(row.get("target"))).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError({"service_levels": _("第 %(n)s 条：请填写指标值") % {"n": n}}) from None
        if target < 0 or target >= Decimal("1000000"):
            raise ValidationError({"service_levels": _("第 %(n)s 条：指标值超出范围") % {"n": n}})
        if unit == ServiceLevelUnit.DAY_OF_MONTH and not (
            1 <= target <= 31 and target == target.to_integral()
        ):
            raise ValidationError({"service_levels": _("第 %(n)s 条：每月第几日应为 1–31") % {"n": n}})
        if unit == ServiceLevelUnit.PERCENT and target > 100:
            raise ValidationError({"service_levels": _("第 %(n)s 条：百分比不能超过 100") % {"n": n}})
        clean.append(
            {
                "kind": kind,
                "unit": unit,
                "target": target,
                "description": str(row.get("description") or "")[:200],
            }
        )
    return clean


def _write_service_levels(contract: Contract, rows: list[dict]) -> None:
    before = [str(s) for s in contract.service_levels.all()]
    contract.service_levels.all().delete()
    ServiceLevel.objects.bulk_create(
        [ServiceLevel(company_id=contract.company_id, contract=contract, **row) for row in rows]
    )
    after = [str(s) for s in contract.service_levels.all()]
    if before != after:
        journal.record(contract, "update", {"service_levels": [before, after]})


def _set_covered(
    contract: Contract, projects: list[Project] | None, equipment: list[Equipment] | None
) -> None:
    """The estates and equipment covered (many-to-many), journaled on the contract."""
    changes = {}
    if projects is not None:
        before = sorted(contract.projects.values_list("pk", flat=True)) if contract.pk else []
        contract.projects.set(projects)
        if before != sorted(p.pk for p in projects):
            changes["project_ids"] = [before, sorted(p.pk for p in projects)]
    if equipment is not None:
        before = sorted(contract.equipment.values_list("pk", flat=True)) if contract.pk else []
        contract.equipment.set(equipment)
        if before != sorted(e.pk for e in equipment):
            changes["equipment_ids"] = [before, sorted(e.pk for e in equipment)]
    if changes:
        journal.record(contract, "update", changes)


def _apply(contract: Contract, data: dict, actor) -> None:
    """Set the plain fields given in ``data`` and check them; the period's order names ``ends_on``."""
    if "contractor_id" in data:
        contractor = visible_reference(Contractor, data["contractor_id"], actor, field="contractor_id")
        if not contractor.is_active:
            raise ValidationError({"contractor_id": _("该单位已停止合作")})
        contract.contractor = contractor
        if not data.get("category") and not contract.category:
            contract.category = contractor.category
    if "owner_id" in data:
        owner = visible_reference(StaffMember, data["owner_id"], actor, field="owner_id", related=("user",))
        if owner.user_id is None or not owner.user.is_active:
            raise ValidationError({"owner_id": _("合同负责人须有可登录的账号")})
        contract.owner = owner
    if data.get("category"):
        if data["category"] not in ContractorCategory.values:
            raise ValidationError({"category": _("“%(value)s” 不是有效的选项") % {"value": data["category"]}})
        contract.category = data["category"]
    if "number" in data:
        contract.number = str(data["number"] or "").strip()[:40]
        if not contract.number:
            raise ValidationError({"number": _("请填写合同编号")})
        taken = Contract.objects.filter(company_id=contract.company_id, number=contract.number)
        if taken.exclude(pk=contract.pk).exists():
            raise ValidationError({"number": _("合同编号已存在")})
    for field, limit in TEXT_FIELDS.items():
        if field in data:
            setattr(contract, field, str(data[field] or "").strip()[:limit])
    if not contract.title:
        raise ValidationError({"title": _("请填写合同名称")})
    if "starts_on" in data:
        contract.starts_on = _date(data["starts_on"], "starts_on")
    if "ends_on" in data:
        contract.ends_on = _date(data["ends_on"], "ends_on")
    if contract.starts_on is None:
        raise ValidationError({"starts_on": _("请填写开始日期")})
    if contract.ends_on is None:
        raise ValidationError({"ends_on": _("请填写结束日期")})
    if contract.ends_on < contract.starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})
    if contract.ends_on > contract.starts_on + datetime.timedelta(days=366 * 10):
        raise ValidationError({"ends_on": _("合同期限不能超过十年")})
    if "amount" in data:
        contract.amount = _amount(data["amount"])
    if contract.amount is None:
        raise ValidationError({"amount": _("请填写合同金额")})


@service
def contract_create(*, actor, data: dict) -> Contract:
    """Draft a contract with a firm: what it covers, for how long and how much, its service levels,
    and its owner inside the company."""
    require(actor, Perm.MANAGE_CONTRACTS)
    data = dict(data)
    for field in ("contractor_id", "owner_id", "number", "title", "starts_on", "ends_on", "amount"):
        if data.get(field) in (None, ""):
            raise ValidationError({field: _("此项为必填项")})
    contract = Contract(company_id=scope_for(actor).company_id, status=ContractStatus.DRAFT)
    _apply(contract, data, actor)
    projects = _projects(_ids(data.get("project_ids"), "project_ids"), actor)
    equipment = _equipment(_ids(data.get("equipment_ids"), "equipment_ids"), projects, actor)
    levels = _service_levels(data.get("service_levels"))
    save_validated(contract)
    _set_covered(contract, projects, equipment)
    _write_service_levels(contract, levels)
    timeline(contract, ContractEventKind.CREATED, actor=actor)
    return contract


def _may_edit(contract: Contract) -> None:
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise Conflict(_("合同已%(status)s，不能再修改") % {"status": contract.get_status_display()})


@service
def contract_update(*, actor, contract: Contract, data: dict) -> Contract:
    """Change a draft, or a contract in force (a supplement: not its firm, number or start)."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contract = lock(contract)
    _may_edit(contract)
    data = {k: v for k, v in data.items() if v is not None}
    if contract.status == ContractStatus.ACTIVE:
        locked = ACTIVE_LOCKED & set(data)
        if locked:
            raise ValidationError({field: _("履行中的合同不能修改此项") for field in sorted(locked)})
    _apply(contract, data, actor)
    projects = equipment = None
    if "project_ids" in data or "equipment_ids" in data:
        projects = (
            _projects(_ids(data["project_ids"], "project_ids"), actor)
            if "project_ids" in data
            else list(contract.projects.all())
        )
        equipment_ids = (
            _ids(data["equipment_ids"], "equipment_ids")
            if "equipment_ids" in data
            else list(contract.equipment.values_list("pk", flat=True))
        )
        equipment = _equipment(equipment_ids, projects, actor)
    levels = _service_levels(data["service_levels"]) if "service_levels" in data else None
    save_validated(contract)
    _set_covered(contract, projects, equipment)
    if levels is not None:
        _write_service_levels(contract, levels)
    timeline(contract, ContractEventKind.CHANGED, actor=actor)
    return contract


@service
def contract_activate(*, actor, contract: Contract) -> Contract:
    """The contract is signed and in force: reminders and the ladder watch its end from now on."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contract = lock(contract)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("只有草稿合同可以生效"))
    if contract.ends_on < common._today():
        raise ValidationError({"ends_on": _("结束日期已过，不能生效")})
    if not contract.projects.exists():
        raise ValidationError({"project_ids": _("请至少选择一个项目")})
    contract.status = ContractStatus.ACTIVE
    contract.save()
    timeline(contract, ContractEventKind.ACTIVATED, actor=actor)
    return contract


@service
def contract_terminate(
    *, actor, contract: Contract, reason: str, on: datetime.date | None = None
) -> Contract:
    """End a contract early (or withdraw a draft), with the reason; the day defaults to today."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contract = lock(contract)
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise Conflict(_("合同已%(status)s") % {"status": contract.get_status_display()})
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止原因")})
    on = _date(on, "on") if on else common._today()
    if on < contract.starts_on and contract.status == ContractStatus.ACTIVE:
        raise ValidationError({"on": _("终止日期不能早于合同开始日期")})
    contract.status = ContractStatus.TERMINATED
    contract.terminated_on = on
    contract.termination_reason = reason[:300]
    contract.save()
    timeline(contract, ContractEventKind.TERMINATED, actor=actor, note=reason)
    return contract


def _may_decide(actor, contract: Contract) -> None:
    """The owner decides; so may whoever maintains contracts."""
    owner_user = StaffMember.objects.filter(pk=contract.owner_id).values_list("user_id", flat=True).first()
    if owner_user != actor.pk and not user_can(actor, Perm.MANAGE_CONTRACTS):
        raise NotAllowed(_("只有合同负责人或合同管理员可以决定续签"))


@service
def contract_decide(*, actor, contract: Contract, decision: str, note: str = "") -> Contract:
    """The owner's answer to the expiry reminders: renew (a successor draft is made at once) or let
    it end. Once decided, reminders and the ladder stop."""
    require(actor, Perm.VIEW_CONTRACTS)
    _may_decide(actor, contract)
    contract = lock(contract)
    if contract.status != ContractStatus.ACTIVE:
        raise Conflict(_("只有履行中的合同需要决定续签"))
    if decision not in RenewalDecision.values:
        raise ValidationError({"decision": _("请选择续签或到期终止")})
    if contract.decision:
        raise Conflict(_("已决定：%(d)s") % {"d": contract.get_decision_display()})
    contract.decision = decision
    contract.decided_at = common._now()
    contract.save()
    label = RenewalDecision(decision).label
    timeline(contract, ContractEventKind.DECIDED, actor=actor, note=f"{label} {note}".strip())
    if decision == RenewalDecision.RENEW:
        _renew(contract, actor=actor, data={})
    return contract


def _successor_number(contract: Contract) -> str:
    base = f"{contract.number}-R"[:36]
    taken = set(
        Contract.objects.filter(company_id=contract.company_id, number__startswith=base).values_list(
            "number", flat=True
        )
    )
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _renew(contract: Contract, *, actor, data: dict) -> Contract:
    if Contract.objects.filter(renewed_from=contract).exists():
        raise Conflict(_("该合同已续签"))
    length = contract.ends_on - contract.starts_on
    starts_on = contract.ends_on + datetime.timedelta(days=1)
    successor = Contract(
        company_id=contract.company_id,
        contractor_id=contract.contractor_id,
        category=contract.category,
        title=contract.title,
        scope=contract.scope,
        payment_terms=contract.payment_terms,
        amount=contract.amount,
        owner_id=contract.owner_id,
        starts_on=starts_on,
        ends_on=starts_on + length,
        number=_successor_number(contract),
        renewed_from=contract,
        status=ContractStatus.DRAFT,
    )
    _apply(successor, {k: v for k, v in data.items() if v not in (None, "")}, actor)
    save_validated(successor)
    _set_covered(successor, list(contract.projects.all()), list(contract.equipment.all()))
    ServiceLevel.objects.bulk_create(
        [
            ServiceLevel(
                company_id=s.company_id,
                contract=successor,
                kind=s.kind,
                target=s.target,
                unit=s.unit,
                description=s.description,
            )
            for s in contract.service_levels.all()
        ]
    )
    timeline(
        successor, ContractEventKind.CREATED, actor=actor, note=_("续签自 %(n)s") % {"n": contract.number}
    )
    timeline(contract, ContractEventKind.RENEWED, actor=actor, note=successor.number)
    return successor


@service
def contract_renew(*, actor, contract: Contract, data: dict | None = None) -> Contract:
    """Make the successor of a contract in force or just ended: a draft for the next period (same
    length, starting the day after the end) with the same firm, coverage and service levels,
    linked to this one. ``data`` may change its number, period or amount. Once per contract."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contract = lock(contract)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED):
        raise Conflict(_("只有履行中或已到期的合同可以续签"))
    if contract.status == ContractStatus.ACTIVE and not contract.decision:
        contract.decision = RenewalDecision.RENEW
        contract.decided_at = common._now()
        contract.save()
    return _renew(contract, actor=actor, data=dict(data or {}))


def _check_document(upload) -> bytes:
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    if not data.startswith(b"%PDF-"):
        raise ValidationError({"file": _("请上传 PDF 文件")})
    return data


@service
def contract_add_document(*, actor, contract: Contract, upload, title: str = "") -> ContractDocument:
    """Attach a PDF (the signed contract, an annex, a certificate); private, served only to those
    who can see the contract."""
    require(actor, Perm.MANAGE_CONTRACTS)
    if upload is None:
        raise ValidationError({"file": _("请选择文件")})
    data = _check_document(upload)
    title = str(title or "").strip()[:100] or str(getattr(upload, "name", "") or _("合同附件"))[:100]
    name = default_storage.save(
        f"contractors/{contract.company_id}/{contract.pk}/{secrets.token_urlsafe(12)}.pdf", ContentFile(data)
    )
    document = ContractDocument.objects.create(
        company_id=contract.company_id, contract=contract, title=title, file=name, uploaded_by=actor
    )
    timeline(contract, ContractEventKind.DOCUMENT, actor=actor, note=title)
    return document


def expire_ended(*, now: datetime.datetime | None = None) -> int:
    """The daily job: contracts in force whose last day has passed are over (expired). Idempotent:
    a conditional update per contract, so a second run finds nothing."""
    today = timezone.localdate(now or common._now())
    count = 0
    for contract in Contract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lt=today).order_by("id")[
        :1000
    ]:
        if Contract.objects.filter(pk=contract.pk, status=ContractStatus.ACTIVE).update(
            status=ContractStatus.EXPIRED
        ):
            journal.record(contract, "update", {"status": [ContractStatus.ACTIVE, ContractStatus.EXPIRED]})
            timeline(contract, ContractEventKind.EXPIRED, at=now or common._now())
            count += 1
    return count
