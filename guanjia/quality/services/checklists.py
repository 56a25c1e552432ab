"""Checklists (核查表): templates built from rows, versions, and edits of a version no audit used."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.quality.choices import Frequency, Method
from guanjia.quality.data import default_checklist
from guanjia.quality.models import Audit, AuditPlan, ChecklistItem, ChecklistSection, ChecklistTemplate

DEFAULT_CODE = "cs-service-detail"


def _clean_row(row: dict, where: str) -> dict:
    """One checklist row as data, checked: raises ValidationError naming the row and column."""
    errors = {}
    text = {k: str(row.get(k) or "").strip() for k in ("section", "standard", "sample", "check", "criterion")}
    for key in ("section", "standard", "check", "criterion"):
        if not text[key]:
            errors[key] = _("%(where)s：此项为必填项") % {"where": where}
    methods = row.get("methods") or []
    if isinstance(methods, str):
        methods = [
            m for m in methods.replace("，", "、").replace(",", "、").replace("/", "、").split("、") if m
        ]
    methods = [m.strip() for m in methods]
    if not methods or any(m not in Method.values for m in methods):
        errors["methods"] = _("%(where)s：检查方式须为 问、查、看、模拟 之一或几个") % {"where": where}
    frequency = str(row.get("frequency") or "").strip()
    by_label = {str(label): value for value, label in Frequency.choices}
    by_label.update({"月度": Frequency.MONTHLY, "季度": Frequency.QUARTERLY, "年度": Frequency.YEARLY})
    frequency = by_label.get(frequency, frequency)
    if frequency not in Frequency.values:
        errors["frequency"] = _("%(where)s：检查频率须为 月度、季度 或 年度") % {"where": where}
    try:
        weight = Decimal(str(row.get("weight") if row.get("weight") not in (None, "") else "1"))
        if weight < 0 or weight > 999:
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["weight"] = _("%(where)s：权重须为 0–999 的数字") % {"where": where}
        weight = Decimal("1")
    if errors:
        raise ValidationError(errors)
    physical = row.get("physical")
    if isinstance(physical, str):
        physical = physical.strip() in ("是", "1", "true", "True", "Y", "y")
    return {**text, "methods": methods, "frequency": frequency, "weight": weight, "physical": bool(physical)}


def _build_template(*, company_id: int, code: str, name: str, version: int, source: str, rows: list[dict]):
    if not rows:
        raise ValidationError({"rows": _("核查表至少需要一个条目")})
    cleaned = [_clean_row(row, _("第 %(n)s 行") % {"n": n}) for n, row in enumerate(rows, start=1)]
    template = save_validated(
        ChecklistTemplate(company_id=company_id, code=code, name=name, version=version, source=source)
    )
    sections: dict[str, ChecklistSection] = {}
    counts: dict[str, int] = {}
    items = []
    for row in cleaned:
        section = sections.get(row["section"])
        if section is None:
            section = ChecklistSection.objects.create(
                company_id=company_id,
                template=template,
                position=len(sections) + 1,
                title=row["section"][:60],
            )
            sections[row["section"]] = section
        counts[row["section"]] = counts.get(row["section"], 0) + 1
        items.append(
            ChecklistItem(
                company_id=company_id,
                template=template,
                section=section,
                position=counts[row["section"]],
                key=f"{section.position}.{counts[row['section']]}",
                standard=row["standard"],
                methods=row["methods"],
                frequency=row["frequency"],
                sample=row["sample"][:40],
                check_method=row["check"],
                criterion=row["criterion"],
                weight=row["weight"],
                physical=row["physical"],
            )
        )
    ChecklistItem.objects.bulk_create(items)
    journal_bulk_create(items)
    return template


def template_rows(template: ChecklistTemplate) -> list[dict]:
    """The template as rows of the seed's table (section, standard, method, frequency, sample, check, criterion)."""
    return [
        {
            "section": item.section.title,
            "standard": item.standard,
            "methods": list(item.methods),
            "frequency": item.frequency,
            "sample": item.sample,
            "check": item.check_method,
            "criterion": item.criterion,
            "weight": item.weight,
            "physical": item.physical,
        }
        for item in template.items.select_related("section").order_by("section__position", "position")
    ]


def default_rows() -> list[dict]:
    return [
        {"section": section["title"], **item}
        for section in default_checklist.SECTIONS
        for item in section["items"]
    ]


@service
def template_install_default(*, company, actor=None) -> ChecklistTemplate:
    """The seed's customer-service checklist as the company's first template (idempotent)."""
    existing = (
        ChecklistTemplate.objects.filter(company=company, code=DEFAULT_CODE).order_by("version").first()
    )
    if existing is not None:
        return existing
    return _build_template(
        company_id=company.pk,
        code=DEFAULT_CODE,
        name=default_checklist.NAME,
        version=1,
        source=default_checklist.SOURCE,
        rows=default_rows(),
    )


@service
def template_create(*, actor, code: str, name: str, rows: list[dict], source: str = "") -> ChecklistTemplate:
    """A new checklist (version 1) from rows, e.g. an imported spreadsheet. All or nothing."""
    require(actor, Perm.MANAGE_QUALITY)
    code = (code or "").strip()
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("此项为必填项")})
    if ChecklistTemplate.objects.filter(company_id=actor.company_id, code=code).exists():
        raise ValidationError({"code": _("编码已被使用")})
    return _build_template(
        company_id=actor.company_id, code=code, name=name, version=1, source=source, rows=rows
    )


@service
def template_copy(*, actor, template: ChecklistTemplate, code: str, name: str) -> ChecklistTemplate:
    """A company's own checklist started from another one (version 1 of a new code)."""
    return template_create(
        actor=actor, code=code, name=name, rows=template_rows(template), source=str(template)
    )


@service
def template_revise(
    *, actor, template: ChecklistTemplate, rows: list[dict] | None = None
) -> ChecklistTemplate:
    """A new version of a checklist (the latest + 1). Audits keep the version they used."""
    require(actor, Perm.MANAGE_QUALITY)
    latest = (
        ChecklistTemplate.objects.filter(company_id=template.company_id, code=template.code).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    new = _build_template(
        company_id=template.company_id,
        code=template.code,
        name=template.name,
        version=latest + 1,
        source=template.source,
        rows=rows if rows is not None else template_rows(template),
    )
    ChecklistTemplate.objects.filter(company_id=template.company_id, code=template.code).exclude(
        pk=new.pk
    ).update(is_active=False)
    # Plans follow the newest version; audits already made keep theirs.
    for plan in AuditPlan.objects.filter(template__code=template.code, company_id=template.company_id):
        plan.template = new
        plan.save()
    return new


ITEM_FIELDS = {"standard", "methods", "frequency", "sample", "check", "criterion", "weight", "physical"}


@service
def template_item_update(*, actor, item: ChecklistItem, data: dict) -> ChecklistItem:
    """Edit one row of a version no audit has used yet; a used version is frozen (409)."""
    require(actor, Perm.MANAGE_QUALITY)
    item = lock(item)
    if Audit.objects.filter(template_id=item.template_id).exists():
        raise Conflict(_("此版本已用于核查，不能修改；请先生成新版本"))
    unknown = set(data) - ITEM_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    current = {k: getattr(item, "check_method" if k == "check" else k) for k in ITEM_FIELDS}
    current["section"] = item.section.title
    cleaned = _clean_row({**current, **data}, _("条目 %(key)s") % {"key": item.key})
    for key in ITEM_FIELDS:
        setattr(item, "check_method" if key == "check" else key, cleaned[key])
    return save_validated(item)


def _require_draft(template: ChecklistTemplate) -> None:
    if Audit.objects.filter(template_id=template.pk).exists():
        raise Conflict(_("此版本已用于核查，不能修改；请先生成新版本"))


@service
def template_section_save(
    *, actor, template: ChecklistTemplate, title: str, section: ChecklistSection | None = None
) -> ChecklistSection:
    """Add a section to a draft version, or rename one; a used version is frozen (409)."""
    require(actor, Perm.MANAGE_QUALITY)
    template = lock(template)
    _require_draft(template)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("此项为必填项")})
    if len(title) > 60:
        raise ValidationError({"title": _("最多 60 字")})
    if section is None:
        last = template.sections.aggregate(p=Max("position"))["p"] or 0
        section = ChecklistSection(company_id=template.company_id, template=template, position=last + 1)
    elif section.template_id != template.pk:
        raise ValidationError({"section_id": _("分类不属于此核查表")})
    section.title = title
    return save_validated(section)


@service
def template_item_create(
    *, actor, template: ChecklistTemplate, section: ChecklistSection, data: dict
) -> ChecklistItem:
    """Add an item at the end of a section of a draft version; its key is "<section>.<n>"."""
    require(actor, Perm.MANAGE_QUALITY)
    template = lock(template)
    _require_draft(template)
    if section.template_id != template.pk:
        raise ValidationError({"section_id": _("分类不属于此核查表")})
    unknown = set(data) - ITEM_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    cleaned = _clean_row({**data, "section": section.title}, _("新条目"))
    position = (section.items.aggregate(p=Max("position"))["p"] or 0) + 1
    key = f"{section.position}.{position}"
    while template.items.filter(key=key).exists():
        position += 1
        key = f"{section.position}.{position}"
    return save_validated(
        ChecklistItem(
            company_id=template.company_id,
            template=template,
            section=section,
            position=position,
            key=key,
            standard=cleaned["standard"],
            methods=cleaned["methods"],
            frequency=cleaned["frequency"],
            sample=cleaned["sample"][:40],
            check_method=cleaned["check"],
            criterion=cleaned["criterion"],
            weight=cleaned["weight"],
            physical=cleaned["physical"],
        )
    )
