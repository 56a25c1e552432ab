"""Emergency plans: the shipped defaults and templates, versioned edits (duties per position,
three levels), and each project's supporting documents of a plan."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.emergencies.choices import DocumentKind, EventKind, Position
from guanjia.emergencies.models import Drill, EmergencyPlan, Incident, PlanVersion, SupportingDocument
from guanjia.estates.models import Project
from guanjia.staff.choices import Department

DEFAULTS_FILE = Path(__file__).parent.parent / "data" / "default_plans.json"


DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}


MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def default_plans() -> list[dict]:
    """The shipped plans: the four of seed 000 and four templates (data/default_plans.json)."""
    with DEFAULTS_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)["plans"]


def _content_of(entry: dict) -> dict:
    skip = {"kind", "name", "is_template", "responsible_department"}
    return {k: v for k, v in entry.items() if k not in skip}


@service
def plans_ensure_defaults(*, company, actor=None) -> int:
    """Give a company the default plans it does not have yet; return how many were created.
    Idempotent: a company's edited plan is never overwritten."""
    existing = set(EmergencyPlan.objects.filter(company=company).values_list("kind", flat=True))
    created = 0
    for entry in default_plans():
        if entry["kind"] in existing:
            continue
        plan = EmergencyPlan.objects.create(
            company=company,
            kind=entry["kind"],
            name=entry["name"],
            is_template=entry["is_template"],
            responsible_department=entry["responsible_department"],
            content=_content_of(entry),
        )
        PlanVersion.objects.create(
            company=company, plan=plan, number=1, name=plan.name, content=plan.content, created_by=actor
        )
        created += 1
    return created


def _validate_content(content) -> dict:
    """A plan's text as data: exactly three levels, each with who decides and who responds (known
    positions); duties per known position as lists of non-empty lines."""
    if not isinstance(content, dict):
        raise ValidationError({"content": _("预案内容必须是对象")})
    levels = content.get("levels")
    if (
        not isinstance(levels, list)
        or not all(isinstance(lv, dict) for lv in levels)
        or sorted(str(lv.get("level")) for lv in levels) != ["1", "2", "3"]
        or not all(isinstance(lv.get("level"), int) for lv in levels)
    ):
        raise ValidationError({"content": _("预案必须恰好有一、二、三级三个响应级别")})
    positions = set(Position.values)
    for lv in levels:
        responders = lv.get("responders")
        if (
            not isinstance(responders, list)
            or not responders
            or not all(isinstance(r, str) for r in responders)
        ):
            raise ValidationError({"content": _("第%(n)s级必须指定响应人员") % {"n": lv["level"]}})
        unknown = set(responders) - positions
        if unknown:
            raise ValidationError(
                {"content": _("未知的岗位/小组：%(p)s") % {"p": ", ".join(sorted(unknown))}}
            )
        if not isinstance(lv.get("decides"), str) or lv["decides"] not in positions | {"company"}:
            raise ValidationError({"content": _("第%(n)s级必须指定决策人") % {"n": lv["level"]}})
        condition = lv.get("condition", "")
        if not isinstance(condition, str) or len(condition) > 300:
            raise ValidationError(
                {"content": _("第%(n)s级的启动条件必须是300字以内的文字") % {"n": lv["level"]}}
            )
        if not isinstance(lv.get("name", ""), str) or not isinstance(lv.get("notify_hq", False), bool):
            raise ValidationError({"content": _("第%(n)s级的名称或通知总部设置无效") % {"n": lv["level"]}})
    duties = content.get("duties", {})
    if not isinstance(duties, dict) or set(duties) - positions:
        raise ValidationError({"content": _("职责清单只能按岗位/小组填写")})
    for items in duties.values():
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ValidationError({"content": _("职责清单的每一项必须是非空文字")})
        if any(len(i) > 300 for i in items):
            raise ValidationError({"content": _("职责清单的每一项不能超过300字")})
    for key in ("general_procedure", "night_procedure", "aftermath", "documents"):
        value = content.get(key, [])
        if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
            raise ValidationError({"content": _("%(key)s 必须是文字列表") % {"key": key}})
    return content


@service
def plan_create(*, actor, data: dict) -> EmergencyPlan:
    require(actor, Perm.CHANGE_EMERGENCIES)
    company_id = scope_for(actor).company_id
    kind = data.get("kind")
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("请选择事件类别")})
    if EmergencyPlan.objects.filter(company_id=company_id, kind=kind).exists():
        raise Conflict(_("该类别已有预案，请修改现有预案"))
    content = _validate_content(data.get("content"))
    plan = EmergencyPlan(
        company_id=company_id,
        kind=kind,
        name=(data.get("name") or "").strip(),
        is_template=bool(data.get("is_template", False)),
        responsible_department=data.get("responsible_department") or Department.SECURITY,
        content=content,
    )
    save_validated(plan)
    PlanVersion.objects.create(
        company_id=company_id, plan=plan, number=1, name=plan.name, content=content, created_by=actor
    )
    return plan


@service
def plan_update(*, actor, plan: EmergencyPlan, data: dict) -> EmergencyPlan:
    """Edit a plan: the text changes and a new version is written; incidents keep theirs."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = lock(plan)
    allowed = {"name", "content", "is_active", "is_template", "responsible_department"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    if "content" in data:
        data["content"] = _validate_content(data["content"])
    for key, value in data.items():
        setattr(plan, key, value)
    if data.get("name") is not None:
        plan.name = data["name"].strip()
    plan.version += 1
    save_validated(plan)
    PlanVersion.objects.create(
        company_id=plan.company_id,
        plan=plan,
        number=plan.version,
        name=plan.name,
        content=plan.content,
        created_by=actor,
    )
    return plan


@service
def plan_delete(*, actor, plan: EmergencyPlan) -> None:
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = lock(plan)
    if Incident.objects.filter(plan=plan).exists() or Drill.objects.filter(plan=plan).exists():
        raise Conflict(_("预案已被事件或演练使用，不能删除；请停用"))
    SupportingDocument.objects.filter(plan=plan).delete()
    plan.delete()


@service
def document_add(*, actor, project: Project, data: dict, upload) -> SupportingDocument:
    """Attach a supporting document (evacuation plan, valve locations …) of a project to a plan."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = visible_reference(EmergencyPlan, data.get("plan_id"), actor, field="plan_id")
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题")})
    kind = data.get("kind") or DocumentKind.OTHER
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("请选择类别")})
    if upload is None:
        raise ValidationError({"file": _("请选择文件")})
    suffix = Path(getattr(upload, "name", "") or "").suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise ValidationError({"file": _("只支持 PDF、图片、Word、Excel 或文本文件")})
    size = getattr(upload, "size", 0) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    content = upload.read()
    if not content:
        raise ValidationError({"file": _("文件是空的")})
    name = default_storage.save(f"emergencies/{project.pk}/docs/document{suffix}", ContentFile(content))
    doc = SupportingDocument(
        company_id=project.company_id,
        project=project,
        plan=plan,
        kind=kind,
        title=title[:100],
        file=name,
        content_type=DOCUMENT_TYPES[suffix],
        size=len(content),
        uploaded_by=actor,
    )
    return save_validated(doc)


@service
def document_delete(*, actor, document: SupportingDocument) -> None:
    require(actor, Perm.CHANGE_EMERGENCIES)
    name = document.file
    document.delete()
    transaction.on_commit(lambda: default_storage.delete(name))
