"""Drills: planned per project, tied to the yearly whole-system fire test, run as an incident
marked as a drill, then evaluated."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.emergencies.choices import DrillStatus, EventKind, LogKind
from guanjia.emergencies.models import Drill, EmergencyPlan, Incident
from guanjia.emergencies.services.common import _level, _log
from guanjia.emergencies.services.incidents import incident_open
from guanjia.estates.models import Project
from guanjia.facilities.models import MaintenanceTask

FIRE_YEARLY_TEMPLATE = "fire_yearly"


def fire_test_candidates(project: Project | int, day: datetime.date):
    """The tasks of the project's yearly fire plan (seed 000: the whole-system run with the fire
    drill) for the year of ``day``: the period containing the day, or starting in its year."""
    project_id = project if isinstance(project, int) else project.pk
    return (
        MaintenanceTask.objects.filter(project_id=project_id, plan__template=FIRE_YEARLY_TEMPLATE)
        .filter(Q(period_start__lte=day, period_end__gt=day) | Q(period_start__year=day.year))
        .select_related("equipment", "plan")
        .order_by("period_start", "equipment__code", "id")
    )


def _fire_test_for(actor, drill: Drill, task_id):
    task = visible_reference(MaintenanceTask, task_id, actor, field="fire_test_id")
    if drill.plan.kind != EventKind.FIRE:
        raise ValidationError({"fire_test_id": _("只有消防演练可以关联年度消防系统测试")})
    if not fire_test_candidates(drill.project_id, drill.planned_for).filter(pk=task.pk).exists():
        raise ValidationError({"fire_test_id": _("该任务不是本项目当年的年度消防维保任务")})
    return task


@service
def drill_plan(*, actor, data: dict) -> Drill:
    require(actor, Perm.CHANGE_EMERGENCIES)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    plan = visible_reference(EmergencyPlan, data.get("plan_id"), actor, field="plan_id")
    if not data.get("planned_for"):
        raise ValidationError({"planned_for": _("请填写计划日期")})
    if plan.company_id != project.company_id:
        raise ValidationError({"plan_id": _("预案不属于该公司")})
    planned_for = data["planned_for"]
    if isinstance(planned_for, str):
        try:
            planned_for = datetime.date.fromisoformat(planned_for)
        except ValueError:
            raise ValidationError({"planned_for": _("日期格式应为 YYYY-MM-DD")}) from None
    drill = Drill(
        company_id=project.company_id,
        project=project,
        plan=plan,
        planned_for=planned_for,
        level=_level({"level": data.get("level") or 2}),
        note=(data.get("note") or "").strip()[:200],
    )
    task_id = data.get("fire_test_id")
    if task_id not in (None, ""):
        drill.fire_test = _fire_test_for(actor, drill, task_id)
    elif plan.kind == EventKind.FIRE:
        # Planning a fire drill links the year's whole-system test when the project has one.
        drill.fire_test = fire_test_candidates(project, planned_for).first()
    return save_validated(drill)


@service
def drill_link_fire_test(*, actor, drill: Drill, task_id) -> Drill:
    """Link (or, with an empty id, unlink) the yearly fire-system test of the drill's project and year."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    drill.fire_test = None if task_id in (None, "") else _fire_test_for(actor, drill, task_id)
    drill.save(update_fields=["fire_test", "updated_at"])
    return drill


@service
def drill_start(*, actor, drill: Drill, data: dict) -> Incident:
    """Run a planned drill: an incident marked as a drill, with the chain, checklists and timings."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    if drill.status != DrillStatus.PLANNED:
        raise Conflict(_("该演练已开始或已完成"))
    payload = {
        "project_id": drill.project_id,
        "kind": drill.plan.kind,
        "level": drill.level,
        "description": (data.get("description") or "").strip()
        or _("演练：%(plan)s") % {"plan": drill.plan.name},
        "building_id": data.get("building_id"),
        "floor_from": data.get("floor_from"),
        "floor_to": data.get("floor_to"),
        "location": data.get("location", ""),
    }
    incident = incident_open(actor=actor, data=payload, drill=drill)
    drill.incident, drill.status = incident, DrillStatus.RUNNING
    drill.save(update_fields=["incident", "status", "updated_at"])
    return incident


@service
def drill_evaluate(*, actor, drill: Drill, evaluation: str, score=None) -> Drill:
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    if drill.incident_id is None:
        raise Conflict(_("演练尚未进行"))
    evaluation = (evaluation or "").strip()
    if not evaluation:
        raise ValidationError({"evaluation": _("请填写演练评估")})
    drill.evaluation = evaluation
    if score not in (None, ""):
        try:
            drill.score = int(score)
        except (TypeError, ValueError):
            raise ValidationError({"score": _("评分必须是0到100的整数")}) from None
    save_validated(drill)
    _log(drill.incident, actor=actor, kind=LogKind.EVALUATION, text=evaluation[:200])
    return drill
