"""Demo data of quality, called by `manage.py seed_demo` after the estates, staff and requests exist."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from guanjia.estates.models import Project
from guanjia.quality import services
from guanjia.quality.choices import AuditKind, AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditPlan, AuditResult, CorrectiveAction, NonConformance
from guanjia.staff.models import StaffMember

NOTES = ["抽查员工回答不完整", "现场未见配备", "记录缺失近两周", "公示信息已过期", "答非所问"]
SAMPLES = ["前台王欣悦、李佳怡", "客服中心前台", "1号楼大堂", "巡查记录本", "公告栏"]


def _staff(company, username):
    return StaffMember.objects.filter(company=company, user__username=username).select_related("user").first()


def seed_demo_quality(company, *, rng: random.Random) -> dict[str, int]:
    """The default checklist, plans for the demo projects, four months of submitted audits with some
    failures, corrective actions in every state, and this period's audits still to do."""
    template = services.template_install_default(company=company)
    if AuditPlan.objects.filter(company=company).exists():
        return {}
    quality, auditor = _staff(company, "quality"), _staff(company, "auditor")
    if quality is None:
        return {}
    _weigh(template, quality.user)
    projects = {p.code: p for p in company_projects(company)}
    plans = []
    for code, member, kind in (
        ("JY", auditor or quality, AuditKind.OPEN),
        ("JD", quality, AuditKind.OPEN),
        ("JY", quality, AuditKind.MYSTERY),
    ):
        if code in projects and member is not None:
            plans.append(
                AuditPlan.objects.create(
                    company=company, project=projects[code], template=template, kind=kind, auditor=member
                )
            )
    today = timezone.localdate()
    past = [(today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)]
    for _ in range(3):
        past.append((past[-1] - datetime.timedelta(days=1)).replace(day=1))
    submitted = 0
    for month_start in reversed(past):
        services.plan_audits(today=month_start + datetime.timedelta(days=9))
        for audit in Audit.objects.filter(
            company=company,
            period_start__lte=month_start + datetime.timedelta(days=9),
            status=AuditStatus.PLANNED,
        ).select_related("auditor__user"):
            _perform(audit, rng)
            moment = timezone.make_aware(
                datetime.datetime.combine(
                    month_start + datetime.timedelta(days=rng.randint(10, 25)),
                    datetime.time(rng.randint(9, 16), rng.randint(0, 59)),
                )
            )
            Audit.objects.filter(pk=audit.pk).update(
                submitted_at=moment, started_at=moment - datetime.timedelta(hours=1)
            )
            NonConformance.objects.filter(audit=audit).update(raised_at=moment)
            submitted += 1
    actions = _corrective_actions(company, rng)
    services.plan_audits(today=today)
    return {"quality_audits": submitted, "quality_corrective_actions": actions}


# The checklist's weights in the demo: a role-played reception check counts three times an ordinary
# question, a defect of the place twice, so a project's score is visibly weighted (docs/figures.md).
WEIGHT_ROLE_PLAY = Decimal("3")
WEIGHT_PHYSICAL = Decimal("2")


def _weigh(template, actor) -> None:
    """Give the demo checklist's items different weights before any audit uses it."""
    if Audit.objects.filter(template=template).exists():
        return  # a version in use is frozen
    for item in template.items.order_by("section__position", "position"):
        weight = (
            WEIGHT_ROLE_PLAY if "模拟" in item.methods else WEIGHT_PHYSICAL if item.physical else Decimal("1")
        )
        if item.weight != weight:
            services.template_item_update(actor=actor, item=item, data={"weight": weight})


def company_projects(company):
    return Project.objects.filter(company=company)


def _perform(audit: Audit, rng: random.Random) -> None:
    user = audit.auditor.user
    results = list(AuditResult.objects.filter(audit=audit).select_related("item"))
    failing = {r.pk for r in results if rng.random() < 0.12} or {rng.choice(results).pk}
    for result in results:
        outcome = (
            Outcome.FAIL if result.pk in failing else (Outcome.NA if rng.random() < 0.05 else Outcome.PASS)
        )
        services.audit_record(
            actor=user,
            result=result,
            data={
                "outcome": outcome,
                "sample_taken": rng.choice(SAMPLES),
                "note": rng.choice(NOTES) if outcome == Outcome.FAIL else "",
            },
        )
    services.audit_submit(actor=user, audit=audit, summary="例行核查")


def _corrective_actions(company, rng: random.Random) -> int:
    """Older non-conformances get actions in every state: closed on time, closed after a rejection,
    waiting for verification, back with the owner, overdue; the newest stay unassigned."""
    made = 0
    ncs = list(
        NonConformance.objects.filter(company=company)
        .select_related("audit__auditor__user", "project")
        .order_by("raised_at")
    )
    newest = {nc.pk for nc in ncs[-3:]}
    for n, nc in enumerate(ncs):
        if nc.pk in newest:
            continue
        manager = (
            StaffMember.objects.filter(projects=nc.project, roles__role="project_manager")
            .select_related("user")
            .first()
        )
        owner = (
            StaffMember.objects.filter(projects=nc.project, roles__role__in=["desk", "butler"])
            .order_by("id")
            .first()
        )
        if manager is None or owner is None:
            continue
        action = services.nc_assign(
            actor=manager.user,
            nc=nc,
            data={
                "owner_id": owner.pk,
                "deadline": timezone.now() + datetime.timedelta(days=7),
                "instruction": "整改并组织培训，附照片",
            },
        )
        made += 1
        state = n % 5
        verifier = nc.audit.auditor.user
        extra = (
            {"root_cause": "新员工培训缺失", "preventive_action": "纳入月度培训与抽考"}
            if nc.recurring
            else {}
        )
        if state in (0, 1, 2):
            services.ca_act(
                actor=owner.user, action=action, name="submit", data={"done_note": "已整改并培训", **extra}
            )
        if state == 1:
            services.ca_act(actor=verifier, action=action, name="reject", data={"reason": "复查仍不符合"})
            services.ca_act(
                actor=owner.user, action=action, name="submit", data={"done_note": "再次整改", **extra}
            )
        if state in (0, 1):
            services.ca_act(actor=verifier, action=action, name="accept", data={})
        if state == 3:
            # Overdue: the deadline passed without a submission.
            CorrectiveAction.objects.filter(pk=action.pk).update(
                deadline=timezone.now() - datetime.timedelta(days=rng.randint(1, 5))
            )
    services.escalate_overdue()
    return made
