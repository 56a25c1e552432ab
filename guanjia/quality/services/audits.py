"""Carrying out an audit: one outside the plan, each item's result and photos as the auditor goes,
the scores, and the submission that locks the results and raises the non-conformances."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.quality.choices import AuditKind, AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditResult, ChecklistTemplate, QualityPhoto
from guanjia.quality.services.nonconformances import raise_nonconformances
from guanjia.quality.services.plans import auditor_member, make_audit

HUNDRED = Decimal("100")


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
    auditor = auditor_member(actor, auditor_id, project)
    try:
        with transaction.atomic():
            return make_audit(project=project, template=template, kind=kind, auditor=auditor)
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
    raise_nonconformances(audit, results, now)
    return audit
