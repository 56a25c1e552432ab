"""Audit plans (which project, which checklist, how, by whom, which frequencies) and the planner
that makes each period's audits from them exactly once."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.quality.choices import AuditKind, AuditStatus, Frequency
from guanjia.quality.models import Audit, AuditPlan, AuditResult, ChecklistTemplate
from guanjia.staff.models import StaffMember


def _check_auditor(member: StaffMember, project: Project) -> None:
    roles = {r.role for r in member.roles.all()}
    if Role.HQ_QUALITY in roles or Role.COMPANY_ADMIN in roles:
        return
    if Role.EXTERNAL_AUDITOR in roles and member.projects.filter(pk=project.pk).exists():
        return
    raise ValidationError({"auditor_id": _("核查员须为总部品质部人员，或被授权此项目的第三方核查员")})


def auditor_member(actor, auditor_id, project) -> StaffMember:
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
        auditor = attempt("auditor_id", lambda: auditor_member(actor, auditor_id, project))
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


def make_audit(*, project, template, kind, auditor, frequency="", period=None, plan=None) -> Audit:
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
                        make_audit(
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
