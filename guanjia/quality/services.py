"""Every change of quality records: checklists, planning, doing and submitting audits,
non-conformances, corrective actions and their verification, escalation of overdue actions."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm, Role, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.quality.choices import (
    AuditKind,
    AuditStatus,
    CaAction,
    CaStatus,
    EscalationStep,
    Frequency,
    Method,
    NcStatus,
    Outcome,
)
from guanjia.quality.data import default_checklist
from guanjia.quality.models import (
    Audit,
    AuditPlan,
    AuditResult,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    CorrectiveAction,
    CorrectiveEscalation,
    NonConformance,
    QualityPhoto,
    QualitySettings,
)
from guanjia.staff.models import StaffMember

DEFAULT_CODE = "cs-service-detail"
HUNDRED = Decimal("100")
# Overdue corrective actions: who is told, how long after the deadline.
ESCALATION_LADDER = [
    (EscalationStep.OWNER, datetime.timedelta(0)),
    (EscalationStep.MANAGER, datetime.timedelta(days=1)),
    (EscalationStep.HQ_QUALITY, datetime.timedelta(days=3)),
]


def recurrence_days(company_id: int) -> int:
    found = (
        QualitySettings.objects.filter(company_id=company_id)
        .values_list("recurrence_days", flat=True)
        .first()
    )
    return found or 90


# Checklists -----------------------------------------------------------------------------------


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


# Plans and audits ------------------------------------------------------------------------------


def _check_auditor(member: StaffMember, project: Project) -> None:
    roles = {r.role for r in member.roles.all()}
    if Role.HQ_QUALITY in roles or Role.COMPANY_ADMIN in roles:
        return
    if Role.EXTERNAL_AUDITOR in roles and member.projects.filter(pk=project.pk).exists():
        return
    raise ValidationError({"auditor_id": _("核查员须为总部品质部人员，或被授权此项目的第三方核查员")})


def _auditor_member(actor, auditor_id, project) -> StaffMember:
    member = StaffMember.objects.filter(
        company_id=actor.company_id, pk=auditor_id, deleted_at__isnull=True
    ).first()
    if member is None:
        raise ValidationError({"auditor_id": _("核查员不存在")})
    _check_auditor(member, project)
    return member


def _clean_frequencies(values, template: ChecklistTemplate) -> list[str]:
    """The frequencies a plan generates audits for: known ones, each present in the checklist."""
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [values]
    values = [str(v) for v in values]
    if any(v not in Frequency.values for v in values):
        raise ValidationError({"frequencies": _("检查频率须为 月度、季度 或 年度")})
    present = set(template.items.values_list("frequency", flat=True))
    missing = [str(Frequency(v).label) for v in values if v not in present]
    if missing:
        raise ValidationError({"frequencies": _("核查表没有%(labels)s条目") % {"labels": "、".join(missing)}})
    return [v for v in Frequency.values if v in values]


PLAN_FIELDS = {"project_id", "template_id", "kind", "auditor_id", "frequencies", "is_active"}


@service
def plan_create(*, actor, data: dict) -> AuditPlan:
    """Audit a project against a checklist, open or mystery, by an auditor (HQ quality or a
    third-party auditor given the project), for some or all of the checklist's frequencies; the
    planner does the rest."""
    require(actor, Perm.MANAGE_QUALITY)
    return _plan_save(actor, AuditPlan(company_id=actor.company_id), data, creating=True)


@service
def plan_update(*, actor, plan: AuditPlan, data: dict) -> AuditPlan:
    """Change a plan; audits already made keep what they were made with."""
    require(actor, Perm.MANAGE_QUALITY)
    unknown = set(data) - PLAN_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    return _plan_save(actor, lock(plan), data, creating=False)


@service
def plan_delete(*, actor, plan: AuditPlan) -> None:
    """Stop a plan. Its audits not started yet go with it. A plan with audits under way or done is
    deactivated instead, so that they keep their plan; one without any is removed."""
    require(actor, Perm.MANAGE_QUALITY)
    plan = lock(plan)
    for audit in plan.audits.filter(status=AuditStatus.PLANNED, started_at__isnull=True):
        audit.delete()  # with its blank results
    if plan.audits.exists():
        if plan.is_active:
            plan.is_active = False
            save_validated(plan)
        return
    plan.delete()


def _plan_save(actor, plan: AuditPlan, data: dict, *, creating: bool) -> AuditPlan:
    errors: dict = {}

    def attempt(field, fn):
        try:
            return fn()
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages})
            return None

    project = (
        plan.project
        if not creating and "project_id" not in data
        else attempt(
            "project_id",
            lambda: visible_reference(Project, data.get("project_id"), actor, field="project_id"),
        )
    )
    template = (
        plan.template
        if not creating and "template_id" not in data
        else attempt(
            "template_id",
            lambda: visible_reference(ChecklistTemplate, data.get("template_id"), actor, field="template_id"),
        )
    )
    kind = data.get("kind", plan.kind if not creating else None) or AuditKind.OPEN
    if kind not in AuditKind.values:
        errors["kind"] = [_("方式须为明访或暗访")]
    if project is not None and (creating or "auditor_id" in data or "project_id" in data):
        auditor_id = data.get("auditor_id", None if creating else plan.auditor_id)
        auditor = attempt("auditor_id", lambda: _auditor_member(actor, auditor_id, project))
    else:
        auditor = plan.auditor if not creating else None
    frequencies = plan.frequencies if not creating else []
    if template is not None and ("frequencies" in data or "template_id" in data):
        frequencies = attempt(
            "frequencies", lambda: _clean_frequencies(data.get("frequencies", plan.frequencies), template)
        )
    if errors:
        raise ValidationError(errors)
    plan.project = project
    plan.template = template
    plan.kind = kind
    plan.auditor = auditor
    plan.frequencies = frequencies or []
    if "is_active" in data:
        plan.is_active = bool(data["is_active"])
    return save_validated(plan)


@service
def settings_update(*, actor, recurrence_days: int) -> QualitySettings:
    """The company's recurrence window: a failure of the same item within it is recurring."""
    require(actor, Perm.MANAGE_QUALITY)
    try:
        days = int(recurrence_days)
    except (TypeError, ValueError):
        raise ValidationError({"recurrence_days": _("请输入 1–3650 的整数")}) from None
    if not 1 <= days <= 3650:
        raise ValidationError({"recurrence_days": _("请输入 1–3650 的整数")})
    found = QualitySettings.objects.select_for_update().filter(company_id=actor.company_id).first()
    if found is None:
        found = QualitySettings(company_id=actor.company_id)
    found.recurrence_days = days
    return save_validated(found)


def period_of(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period (first day, last day) of a frequency that contains ``day``."""
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        months = 1
    elif frequency == Frequency.QUARTERLY:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    else:
        start = day.replace(month=1, day=1)
        months = 12
    month = start.month - 1 + months
    end = datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _next_number(project: Project, day: datetime.date) -> str:
    prefix = f"{project.code}-QA{day:%Y%m}-"
    taken = Audit.objects.filter(company_id=project.company_id, number__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def _make_audit(*, project, template, kind, auditor, frequency="", period=None, plan=None) -> Audit:
    today = timezone.localdate()
    audit = Audit(
        company_id=project.company_id,
        project=project,
        plan=plan,
        template=template,
        kind=kind,
        auditor=auditor,
        frequency=frequency,
        period_start=period[0] if period else None,
        due_date=period[1] if period else None,
        number=_next_number(project, period[0] if period else today),
    )
    audit.save()
    items = template.items.all()
    if frequency:
        items = items.filter(frequency=frequency)
    results = [
        AuditResult(company_id=project.company_id, project=project, audit=audit, item=item) for item in items
    ]
    AuditResult.objects.bulk_create(results)
    journal_bulk_create(results)
    return audit


def plan_audits(*, today: datetime.date | None = None) -> int:
    """Make the audits of the current period of every active plan: each plan's monthly items once a
    month, quarterly once a quarter, yearly once a year. Idempotent: the unique constraint on
    (plan, frequency, period) makes a second run, or a racing consumer, create nothing."""
    today = today or timezone.localdate()
    made = 0
    plans = AuditPlan.objects.filter(is_active=True).select_related("project", "template", "auditor")
    for plan in plans.order_by("id").iterator(chunk_size=200):
        frequencies = set(plan.template.items.values_list("frequency", flat=True))
        if plan.frequencies:
            frequencies &= set(plan.frequencies)
        for frequency in Frequency.values:
            if frequency not in frequencies:
                continue
            period = period_of(frequency, today)
            if Audit.objects.filter(plan=plan, frequency=frequency, period_start=period[0]).exists():
                continue
            for _attempt in range(3):
                try:
                    with transaction.atomic():
                        _make_audit(
                            project=plan.project,
                            template=plan.template,
                            kind=plan.kind,
                            auditor=plan.auditor,
                            frequency=frequency,
                            period=period,
                            plan=plan,
                        )
                except IntegrityError:
                    # Either another run made this audit first (done), or another plan of the project
                    # took the same number at the same moment (try again with the next number).
                    if Audit.objects.filter(plan=plan, frequency=frequency, period_start=period[0]).exists():
                        break
                    continue
                made += 1
                break
    return made


@service
def audit_create(*, actor, data: dict) -> Audit:
    """An audit outside the plan (all items of the checklist), by the actor or a named auditor."""
    require(actor, Perm.AUDIT)
    project = (
        visible_reference(Project, data.get("project_id"), actor, field="project_id")
        if not scope_for(actor).is_external_auditor
        else _auditor_project(actor, data.get("project_id"))
    )
    template = visible_reference(ChecklistTemplate, data.get("template_id"), actor, field="template_id")
    kind = data.get("kind") or AuditKind.OPEN
    if kind not in AuditKind.values:
        raise ValidationError({"kind": _("方式须为明访或暗访")})
    auditor_id = data.get("auditor_id") or scope_for(actor).staff_id
    auditor = _auditor_member(actor, auditor_id, project)
    try:
        with transaction.atomic():
            return _make_audit(project=project, template=template, kind=kind, auditor=auditor)
    except IntegrityError as exc:
        raise Conflict(_("与已有记录冲突，请刷新后重试")) from exc


def _auditor_project(actor, project_id) -> Project:
    """A third-party auditor cannot list projects; the ones it is given are still its to audit."""
    scope = scope_for(actor)
    if project_id is None:
        raise ValidationError({"project_id": _("此项为必填项")})
    project = Project.objects.filter(pk=project_id, company_id=scope.company_id).first()
    if project is None or project.pk not in scope.project_ids:
        raise ValidationError({"project_id": _("项目 #%(pk)s 不存在") % {"pk": project_id}})
    return project


def _require_auditor(actor, audit: Audit) -> None:
    require(actor, Perm.AUDIT)
    if scope_for(actor).staff_id != audit.auditor_id:
        raise NotAllowed(_("只有本次核查的核查员可以记录结果"))


RESULT_FIELDS = {"outcome", "sample_taken", "note"}


@service
def audit_record(*, actor, result: AuditResult, data: dict) -> AuditResult:
    """Save one item's result as the auditor goes (autosave). A submitted audit is locked (409)."""
    audit = lock(result.audit)
    _require_auditor(actor, audit)
    if audit.is_locked:
        raise Conflict(_("核查已提交，结果已锁定"))
    unknown = set(data) - RESULT_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    result = lock(result)
    if "outcome" in data:
        outcome = data["outcome"] or ""
        if outcome not in Outcome.values and outcome != "":
            raise ValidationError({"outcome": _("结果须为 合格、不合格 或 不适用")})
        result.outcome = outcome
    if "sample_taken" in data:
        result.sample_taken = (data["sample_taken"] or "").strip()
        if len(result.sample_taken) > 200:
            raise ValidationError({"sample_taken": _("最多 200 字")})
    if "note" in data:
        result.note = (data["note"] or "").strip()
        if len(result.note) > 2000:
            raise ValidationError({"note": _("最多 2000 字")})
    result.recorded_at = timezone.now()
    save_validated(result)
    if audit.status == AuditStatus.PLANNED:
        audit.status = AuditStatus.IN_PROGRESS
        audit.started_at = timezone.now()
        audit.save()
    return result


@service
def result_add_photo(*, actor, result: AuditResult, upload) -> QualityPhoto:
    audit = lock(result.audit)
    _require_auditor(actor, audit)
    if audit.is_locked:
        raise Conflict(_("核查已提交，结果已锁定"))
    clean = images.clean_photo(upload, field="file")
    name, thumb = images.save_photo(clean, prefix=f"quality/{audit.company_id}/{audit.pk}")
    return QualityPhoto.objects.create(
        company_id=audit.company_id,
        project_id=audit.project_id,
        result=result,
        image=name,
        thumbnail=thumb,
        uploaded_by=actor,
    )


def score_of(rows) -> Decimal | None:
    """Weighted share of passes among the items that apply (N/A excluded), 0–100, one decimal."""
    applicable = sum((w for outcome, w in rows if outcome in (Outcome.PASS, Outcome.FAIL)), Decimal(0))
    if not applicable:
        return None
    passed = sum((w for outcome, w in rows if outcome == Outcome.PASS), Decimal(0))
    return (passed * HUNDRED / applicable).quantize(Decimal("0.1"))


def section_scores(audit: Audit) -> list[dict]:
    """Per section: title, score, passed/failed/N/A counts."""
    rows = audit.results.select_related("item__section").order_by("item__section__position", "item__position")
    sections: dict[int, dict] = {}
    for result in rows:
        section = result.item.section
        entry = sections.setdefault(
            section.pk, {"title": section.title, "position": section.position, "rows": [], "counts": {}}
        )
        entry["rows"].append((result.outcome, result.item.weight))
        entry["counts"][result.outcome] = entry["counts"].get(result.outcome, 0) + 1
    return [
        {
            "title": e["title"],
            "position": e["position"],
            "score": score_of(e["rows"]),
            "passed": e["counts"].get(Outcome.PASS, 0),
            "failed": e["counts"].get(Outcome.FAIL, 0),
            "na": e["counts"].get(Outcome.NA, 0),
        }
        for e in sections.values()
    ]


@service
def audit_submit(*, actor, audit: Audit, summary: str = "") -> Audit:
    """Lock the results, store the score, raise a non-conformance per failed item (recurrence
    flagged) and tell the project's managers. Submitting twice: the second gets 409."""
    audit = lock(audit)
    _require_auditor(actor, audit)
    if audit.is_locked:
        raise Conflict(_("核查已提交，结果已锁定"))
    results = list(audit.results.select_related("item").order_by("item__section__position", "item__position"))
    missing = [r.item.key for r in results if not r.outcome]
    if missing:
        raise ValidationError({"results": _("尚有条目未填写结果：%(keys)s") % {"keys": "、".join(missing)}})
    with_photos = set(
        QualityPhoto.objects.filter(result__audit=audit).values_list("result_id", flat=True).distinct()
    )
    no_evidence = [
        r.item.key for r in results if r.outcome == Outcome.FAIL and not r.note and r.pk not in with_photos
    ]
    if no_evidence:
        raise ValidationError(
            {"results": _("不合格条目须填写说明或上传照片：%(keys)s") % {"keys": "、".join(no_evidence)}}
        )
    now = timezone.now()
    audit.status = AuditStatus.SUBMITTED
    audit.submitted_at = now
    audit.started_at = audit.started_at or now
    audit.summary = (summary or "").strip()[:2000]
    audit.score = score_of([(r.outcome, r.item.weight) for r in results])
    audit.save()
    window = now - datetime.timedelta(days=recurrence_days(audit.company_id))
    raised = []
    for result in results:
        if result.outcome != Outcome.FAIL:
            continue
        previous = (
            NonConformance.objects.filter(
                project_id=audit.project_id,
                template_code=audit.template.code,
                item_key=result.item.key,
                raised_at__gte=window,
            )
            .exclude(audit=audit)
            .order_by("-raised_at")
            .first()
        )
        nc = NonConformance.objects.create(
            company_id=audit.company_id,
            project_id=audit.project_id,
            number=f"{audit.number}-{result.item.key}",
            audit=audit,
            result=result,
            item=result.item,
            item_key=result.item.key,
            template_code=audit.template.code,
            evidence="\n".join(x for x in (result.sample_taken, result.note) if x),
            raised_at=now,
            recurring=previous is not None,
            recurrence_of=previous,
        )
        raised.append(nc)
    if raised:
        managers = project_managers(audit.project_id)
        transaction.on_commit(lambda: _notify_raised(audit, raised, managers))
    return audit


def project_managers(project_id: int) -> list:
    members = (
        StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True)
        .with_role(Role.PROJECT_MANAGER)
        .select_related("user")
    )
    return [m.user for m in members]


def hq_quality_users(company_id: int) -> list:
    members = (
        StaffMember.objects.filter(company_id=company_id, deleted_at__isnull=True)
        .with_role(Role.HQ_QUALITY)
        .select_related("user")
    )
    return [m.user for m in members]


def _notify_raised(audit: Audit, raised: list, managers: list) -> None:
    from guanjia.notifications.services import notify

    notify(
        recipients=managers,
        subject=_("品质核查 %(number)s：%(n)s 项不合格，请安排整改")
        % {"number": audit.number, "n": len(raised)},
        body="\n".join(f"{nc.item_key} {nc.item.standard[:40]}" for nc in raised),
        url=reverse("quality:audit_detail", args=[audit.pk]),
        related=audit,
        dedup_key=f"quality-audit-{audit.pk}-raised",
    )


# Non-conformances and corrective actions ---------------------------------------------------------


def _may_manage_project(actor, project_id: int) -> bool:
    scope = scope_for(actor)
    if Perm.MANAGE_QUALITY in scope.permissions:
        return True
    return Role.PROJECT_MANAGER in scope.roles and project_id in scope.project_ids


@service
def nc_assign(*, actor, nc: NonConformance, data: dict) -> CorrectiveAction:
    """The project manager (or HQ quality) gives the corrective action an owner and a deadline."""
    if not _may_manage_project(actor, nc.project_id):
        raise NotAllowed(_("只有项目经理或总部品质部可以安排整改"))
    nc = lock(nc)
    if nc.status != NcStatus.OPEN or CorrectiveAction.objects.filter(nonconformance=nc).exists():
        raise Conflict(_("该不合格项已安排整改"))
    owner = visible_reference(StaffMember, data.get("owner_id"), actor, field="owner_id")
    if not owner.projects.filter(pk=nc.project_id).exists():
        raise ValidationError({"owner_id": _("责任人须为本项目员工")})
    deadline = data.get("deadline")
    if deadline is None:
        raise ValidationError({"deadline": _("此项为必填项")})
    if isinstance(deadline, datetime.date) and not isinstance(deadline, datetime.datetime):
        deadline = datetime.datetime.combine(
            deadline, datetime.time(23, 59), tzinfo=timezone.get_current_timezone()
        )
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= timezone.now():
        raise ValidationError({"deadline": _("整改期限须晚于现在")})
    action = save_validated(
        CorrectiveAction(
            company_id=nc.company_id,
            project_id=nc.project_id,
            nonconformance=nc,
            owner=owner,
            assigned_by=actor,
            instruction=(data.get("instruction") or "").strip()[:2000],
            deadline=deadline,
        )
    )
    nc.status = NcStatus.IN_ACTION
    nc.save()
    transaction.on_commit(lambda: _notify_owner(action))
    return action


def _notify_owner(action: CorrectiveAction) -> None:
    from guanjia.notifications.services import notify

    nc = action.nonconformance
    notify(
        recipients=[action.owner.user],
        subject=_("整改任务 %(number)s，期限 %(deadline)s")
        % {"number": nc.number, "deadline": timezone.localtime(action.deadline).strftime("%Y-%m-%d %H:%M")},
        body=nc.item.standard[:200],
        url=reverse("quality:nc_detail", args=[nc.pk]),
        related=action,
        dedup_key=f"quality-ca-{action.pk}-assigned",
    )


@service
def nc_prevent(*, actor, nc: NonConformance, data: dict) -> NonConformance:
    """Record the root cause and the preventive action (预防措施) of a recurring non-conformance."""
    nc = lock(nc)
    action = CorrectiveAction.objects.filter(nonconformance=nc).first()
    is_owner = action is not None and scope_for(actor).staff_id == action.owner_id
    if not (is_owner or _may_manage_project(actor, nc.project_id)):
        raise NotAllowed(_("只有责任人、项目经理或总部品质部可以填写预防措施"))
    if nc.status == NcStatus.CLOSED:
        raise Conflict(_("不合格项已关闭"))
    root_cause = (data.get("root_cause") or "").strip()
    preventive = (data.get("preventive_action") or "").strip()
    errors = {}
    if not root_cause:
        errors["root_cause"] = _("此项为必填项")
    if not preventive:
        errors["preventive_action"] = _("此项为必填项")
    if errors:
        raise ValidationError(errors)
    nc.root_cause = root_cause[:2000]
    nc.preventive_action = preventive[:2000]
    return save_validated(nc)


@service
def nc_raise_ticket(*, actor, nc: NonConformance, data: dict):
    """A failed item about a physical defect becomes a public-area repair request (channel: audit),
    linked both ways."""
    from guanjia.tickets.choices import Channel, Kind
    from guanjia.tickets.services import ticket_create

    if not _may_manage_project(actor, nc.project_id) and not user_can_receive(actor):
        raise NotAllowed(_("您没有权限受理报事"))
    nc = lock(nc)
    if not nc.item.physical:
        raise Conflict(_("该条目不是设施类问题，不能转报事"))
    if nc.ticket_id is not None:
        raise Conflict(_("该不合格项已转报事"))
    location = (data.get("location") or "").strip()
    if not location:
        raise ValidationError({"location": _("请填写位置")})
    description = (data.get("description") or "").strip() or f"{nc.number} {nc.item.standard}"
    ticket = ticket_create(
        actor=actor,
        data={
            "kind": Kind.COMMON_REPAIR,
            "channel": Channel.AUDIT,
            "project_id": nc.project_id,
            "location": location,
            "description": f"{_('品质核查不合格项')} {nc.number}：{description}"[:2000],
        },
    )
    nc.ticket = ticket
    nc.save()
    return ticket


def user_can_receive(actor) -> bool:
    from guanjia.tickets.services import RECEIVING_ROLES

    scope = scope_for(actor)
    return scope.is_staff and bool(scope.roles & RECEIVING_ROLES)


# The corrective action's lifecycle as data: action → (from states, to state, who).
CA_TRANSITIONS = {
    CaAction.SUBMIT: ({CaStatus.ASSIGNED, CaStatus.REJECTED}, CaStatus.SUBMITTED, "owner"),
    CaAction.ACCEPT: ({CaStatus.SUBMITTED}, CaStatus.CLOSED, "verifier"),
    CaAction.REJECT: ({CaStatus.SUBMITTED}, CaStatus.REJECTED, "verifier"),
}


def ca_allowed_actions(action: CorrectiveAction, user) -> list[str]:
    return [
        name
        for name in CA_TRANSITIONS
        if _who_ok(action, user, CA_TRANSITIONS[name][2]) and (action.status in CA_TRANSITIONS[name][0])
    ]


def _who_ok(action: CorrectiveAction, user, who: str) -> bool:
    scope = scope_for(user)
    if who == "owner":
        return scope.staff_id == action.owner_id
    # The verifier: the audit's auditor or HQ quality — never the owner of the work.
    if scope.staff_id == action.owner_id:
        return False
    audit_auditor = action.nonconformance.audit.auditor_id
    return (scope.staff_id == audit_auditor and Perm.AUDIT in scope.permissions) or (
        Perm.MANAGE_QUALITY in scope.permissions
    )


@service
def ca_act(*, actor, action: CorrectiveAction, name: str, data: dict) -> CorrectiveAction:
    """Owner submits what was done; the auditor accepts (closed) or rejects (back with a reason)."""
    if name not in CA_TRANSITIONS:
        raise ValidationError({"action": _("未知操作")})
    states, to_state, who = CA_TRANSITIONS[name]
    action = lock(action)
    nc = lock(action.nonconformance)
    if not _who_ok(action, actor, who):
        raise NotAllowed(
            _("只有责任人可以提交整改结果")
            if who == "owner"
            else _("只有核查员或总部品质部（非责任人）可以验证")
        )
    if action.status not in states:
        raise Conflict(
            _("整改当前状态为「%(status)s」，不能%(action)s")
            % {"status": action.get_status_display(), "action": CaAction(name).label}
        )
    now = timezone.now()
    if name == CaAction.SUBMIT:
        note = (data.get("done_note") or "").strip()
        if not note:
            raise ValidationError({"done_note": _("请填写整改情况")})
        if nc.recurring:
            if data.get("root_cause") or data.get("preventive_action"):
                nc.root_cause = (data.get("root_cause") or nc.root_cause).strip()[:2000]
                nc.preventive_action = (data.get("preventive_action") or nc.preventive_action).strip()[:2000]
            if nc.needs_prevention:
                raise ValidationError({"preventive_action": _("重复发生的不合格项须填写根本原因和预防措施")})
            nc.save()
        action.done_note = note[:2000]
        action.done_at = now
    elif name == CaAction.REJECT:
        reason = (data.get("reason") or "").strip()
        if not reason:
            raise ValidationError({"reason": _("请填写退回原因")})
        action.reject_reason = reason[:2000]
        action.round += 1
        action.verified_by = actor
        new_deadline = data.get("deadline")
        if new_deadline:
            if timezone.is_naive(new_deadline):
                new_deadline = timezone.make_aware(new_deadline)
            if new_deadline <= now:
                raise ValidationError({"deadline": _("整改期限须晚于现在")})
            action.deadline = new_deadline
    else:
        action.verified_by = actor
        action.closed_at = now
        nc.status = NcStatus.CLOSED
        nc.closed_at = now
        nc.save()
    action.status = to_state
    save_validated(action)
    transaction.on_commit(lambda: _notify_act(action, name))
    return action


def _notify_act(action: CorrectiveAction, name: str) -> None:
    from guanjia.notifications.services import notify

    nc = action.nonconformance
    if name == CaAction.SUBMIT:
        recipients = [nc.audit.auditor.user]
        subject = _("整改 %(number)s 已提交，请验证") % {"number": nc.number}
    elif name == CaAction.REJECT:
        recipients = [action.owner.user]
        subject = _("整改 %(number)s 验证未通过：%(reason)s") % {
            "number": nc.number,
            "reason": action.reject_reason,
        }
    else:
        recipients = [action.owner.user]
        subject = _("整改 %(number)s 验证通过，已关闭") % {"number": nc.number}
    notify(
        recipients=recipients,
        subject=subject,
        body=nc.item.standard[:200],
        url=reverse("quality:nc_detail", args=[nc.pk]),
        related=action,
        dedup_key=f"quality-ca-{action.pk}-{name}-{action.round}",
    )


@service
def ca_add_photo(*, actor, action: CorrectiveAction, upload) -> QualityPhoto:
    if scope_for(actor).staff_id != action.owner_id:
        raise NotAllowed(_("只有责任人可以上传整改照片"))
    if action.status not in (CaStatus.ASSIGNED, CaStatus.REJECTED):
        raise Conflict(_("整改已提交，不能再上传照片"))
    clean = images.clean_photo(upload, field="file")
    name, thumb = images.save_photo(clean, prefix=f"quality/{action.company_id}/ca{action.pk}")
    return QualityPhoto.objects.create(
        company_id=action.company_id,
        project_id=action.project_id,
        action=action,
        image=name,
        thumbnail=thumb,
        uploaded_by=actor,
    )


# Escalation of overdue corrective actions --------------------------------------------------------


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Take each due step of the ladder (owner at the deadline, the project manager a day later,
    HQ quality three days later) for every corrective action still not submitted. Each step is taken
    exactly once: the unique (action, step) row is inserted before anyone is told."""
    now = now or timezone.now()
    taken = 0
    overdue = (
        CorrectiveAction.objects.filter(status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], deadline__lt=now)
        .exclude(escalation_step__gte=len(ESCALATION_LADDER))
        .select_related("owner__user", "nonconformance__item")
        .order_by("deadline", "id")
    )
    for action in overdue.iterator(chunk_size=500):
        for step, delay in ESCALATION_LADDER:
            if step <= action.escalation_step:
                continue
            if action.deadline + delay > now:
                break
            if _take_step(action, step, now):
                taken += 1
    return taken


def _take_step(action: CorrectiveAction, step: int, now: datetime.datetime) -> bool:
    from guanjia.notifications.services import notify

    if step == EscalationStep.OWNER:
        recipients = [action.owner.user]
    elif step == EscalationStep.MANAGER:
        recipients = project_managers(action.project_id)
    else:
        recipients = hq_quality_users(action.company_id)
    try:
        with transaction.atomic():
            CorrectiveEscalation.objects.create(
                company_id=action.company_id,
                project_id=action.project_id,
                action=action,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            CorrectiveAction.objects.filter(pk=action.pk, escalation_step__lt=step).update(
                escalation_step=step
            )
            nc = action.nonconformance
            notify(
                recipients=recipients,
                subject=_("整改超期（%(step)s）：%(number)s")
                % {"step": EscalationStep(step).label, "number": nc.number},
                body=_("整改期限 %(deadline)s 已过，尚未提交整改结果。")
                % {"deadline": timezone.localtime(action.deadline).strftime("%Y-%m-%d %H:%M")},
                url=reverse("quality:nc_detail", args=[nc.pk]),
                related=action,
                dedup_key=f"quality-ca-{action.pk}-escalation-{step}",
                urgent=step > EscalationStep.OWNER,
            )
    except IntegrityError:
        return False
    action.escalation_step = step
    return True
