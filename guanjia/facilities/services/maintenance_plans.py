"""Plans of recurring work — preventive maintenance (维保计划) of ledger items and environmental work
(保洁, 消杀, 绿化) over common areas — the fire-safety defaults (seed 000), their periods, and the
generation of each plan's tasks exactly once per item or area and period."""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.facilities import hooks
from guanjia.facilities.choices import (
    DAYS_PER_PERIOD,
    ENVIRONMENTAL,
    FIRE_PLANS,
    MONTHS_PER_PERIOD,
    RETIRED_STATUSES,
    Discipline,
    Frequency,
    LineKind,
    TaskStatus,
)
from guanjia.facilities.models import Area, Equipment, EquipmentType, MaintenancePlan, MaintenanceTask
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _decimal, _drop_future_tasks, _local_date, local_midnight
from guanjia.facilities.services.ledger import type_with_descendants, types_ensure
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember

# Tasks appear this long before their period starts, so the team can plan the week.
GENERATE_AHEAD = datetime.timedelta(days=7)


# Maintenance plans --------------------------------------------------------------------------------

PLAN_FIELDS = {
    "name",
    "checklist",
    "frequency",
    "interval_days",
    "window_days",
    "starts_on",
    "team",
    "rectify_days",
    "is_active",
    "discipline",
    "area_kind",
    "contractor",
}
# Changing any of these changes what future tasks are, so untouched future tasks are made again.
PLAN_SHAPING = PLAN_FIELDS - {"name", "is_active", "rectify_days", "contractor"} | {
    "equipment_id",
    "equipment_type_id",
    "area_id",
    "assignee_id",
    "checker_id",
}


def clean_checklist(lines) -> list[dict]:
    """Check a plan's checklist; each error names the line (``checklist.2.min``)."""
    if not isinstance(lines, list) or not lines:
        raise ValidationError({"checklist": _("至少需要一个检查项")})
    if len(lines) > 60:
        raise ValidationError({"checklist": _("检查项不能超过 60 个")})
    cleaned = []
    for index, line in enumerate(lines):
        at = f"checklist.{index}"
        if not isinstance(line, dict):
            raise ValidationError({at: _("格式无效")})
        text = str(line.get("text") or "").strip()
        if not text:
            raise ValidationError({f"{at}.text": _("此项为必填项")})
        if len(text) > 200:
            raise ValidationError({f"{at}.text": _("不能超过 %(n)s 个字") % {"n": 200}})
        kind = line.get("kind") or LineKind.CHECK
        if kind not in LineKind.values:
            raise ValidationError({f"{at}.kind": _("“%(value)s” 不是有效的选项") % {"value": kind}})
        item = {"text": text, "expected": str(line.get("expected") or "").strip()[:200], "kind": kind}
        types = _line_types(line.get("types"), f"{at}.types")
        if types:
            item["types"] = types
        if kind == LineKind.READING:
            low = _decimal(line.get("min"), f"{at}.min", places="0.001")
            high = _decimal(line.get("max"), f"{at}.max", places="0.001")
            if low is None and high is None:
                raise ValidationError({f"{at}.min": _("读数项请填写允许范围（下限或上限）")})
            if low is not None and high is not None and low > high:
                raise ValidationError({f"{at}.max": _("上限不能小于下限")})
            item.update(
                unit=str(line.get("unit") or "").strip()[:10],
                min=None if low is None else str(low),
                max=None if high is None else str(high),
            )
        cleaned.append(item)
    return cleaned


def _line_types(value, field: str) -> list[str]:
    """The equipment types (names) a checklist line is about; none: every item the plan covers."""
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValidationError({field: _("格式无效")})
    names = []
    for name in (name.strip() for name in value):
        if not name or len(name) > 30:
            raise ValidationError({field: _("格式无效")})
        if name not in names:
            names.append(name)
    return names


def _type_tree(company_id) -> dict[int, tuple[int | None, str]]:
    """The company's equipment types: id → (parent id, name). The tree is small: one query."""
    return {
        pk: (parent, name)
        for pk, parent, name in EquipmentType.objects.filter(company_id=company_id).values_list(
            "id", "parent_id", "name"
        )
    }


def type_names_around(type_id: int, tree: dict[int, tuple[int | None, str]]) -> set[str]:
    """The names of a type, the types above it and the types below it: a checklist line about any
    of them fits an item of this type. A line about 灭火器 fits an extinguisher (灭火器) and an item
    filed only as 消防 (it may be one), never a fire door (防火门, a sibling)."""
    names, node, visited = set(), type_id, set()
    while node in tree and node not in visited:  # up: the type and its ancestors
        visited.add(node)
        node, name = tree[node]
        names.add(name)
    children: dict[int | None, list[int]] = {}
    for pk, (parent, _name) in tree.items():
        children.setdefault(parent, []).append(pk)
    todo, seen = list(children.get(type_id, [])), set()
    while todo:  # down: every type below it
        pk = todo.pop()
        if pk not in seen:
            seen.add(pk)
            names.add(tree[pk][1])
            todo.extend(children.get(pk, []))
    return names


def checklist_for_type(checklist: list[dict], names: set[str]) -> list[dict]:
    """The lines of a plan's checklist that fit an item whose type is around ``names``."""
    return [line for line in checklist if not line.get("types") or names & set(line["types"])]


def _plan_refs(plan: MaintenancePlan, *, actor, data: dict) -> None:
    if "equipment_id" in data:
        pk = data.pop("equipment_id")
        plan.equipment = None if pk is None else visible_reference(Equipment, pk, actor, field="equipment_id")
        if plan.equipment is not None and plan.equipment.project_id != plan.project_id:
            raise ValidationError({"equipment_id": _("设备不属于该项目")})
    if "equipment_type_id" in data:
        pk = data.pop("equipment_type_id")
        plan.equipment_type = (
            None if pk is None else visible_reference(EquipmentType, pk, actor, field="equipment_type_id")
        )
    if "assignee_id" in data:
        pk = data.pop("assignee_id")
        plan.assignee = None if pk is None else visible_reference(StaffMember, pk, actor, field="assignee_id")
        if plan.assignee is not None and not plan.assignee.projects.filter(pk=plan.project_id).exists():
            raise ValidationError({"assignee_id": _("该员工不在此项目")})
    if "area_id" in data:
        pk = data.pop("area_id")
        plan.area = None if pk is None else visible_reference(Area, pk, actor, field="area_id")
        if plan.area is not None and (plan.area.project_id != plan.project_id or plan.area.deleted_at):
            raise ValidationError({"area_id": _("区域不属于该项目")})
    if "checker_id" in data:
        pk = data.pop("checker_id")
        plan.checker = None if pk is None else visible_reference(StaffMember, pk, actor, field="checker_id")
        if plan.checker is not None and not plan.checker.projects.filter(pk=plan.project_id).exists():
            raise ValidationError({"checker_id": _("该员工不在此项目")})


def _outsourced_defaults(plan: MaintenancePlan) -> None:
    """An outside firm's person as the doer: their firm is the plan's outsourced team and their
    company supervisor its checker, unless the plan names others (``hooks.outsourced``)."""
    found = hooks.outsourced(plan.assignee)
    if found is None:
        return
    if not plan.contractor:
        plan.contractor = found.employer[:100]
    supervisor = found.supervisor
    if (
        plan.checker_id is None
        and supervisor is not None
        and supervisor.projects.filter(pk=plan.project_id).exists()
    ):
        plan.checker = supervisor


def _validate_target(plan: MaintenancePlan) -> None:
    """One target: an item or a type for maintenance, an area or a kind of area for environmental work."""
    plan.area_kind = plan.area_kind or ""
    if plan.discipline not in Discipline.values:
        raise ValidationError({"discipline": _("“%(value)s” 不是有效的选项") % {"value": plan.discipline}})
    equipment_targets = (plan.equipment_id is not None) + (plan.equipment_type_id is not None)
    area_targets = (plan.area_id is not None) + bool(plan.area_kind)
    if plan.discipline == Discipline.MAINTENANCE:
        if area_targets:
            raise ValidationError({"area_id": _("设备维保计划请选择设备或设备类型，不能选择区域")})
        if equipment_targets != 1:
            raise ValidationError({"equipment_id": _("请选择一台设备或一个设备类型（二选一）")})
    else:
        if equipment_targets:
            raise ValidationError({"equipment_id": _("保洁、消杀、绿化计划请选择区域，不能选择设备")})
        if area_targets != 1:
            raise ValidationError({"area_id": _("请选择一个区域或一种区域类型（二选一）")})
    if plan.checker_id is not None and plan.checker_id == plan.assignee_id:
        raise ValidationError({"checker_id": _("验收人不能是执行人")})


def _validate_plan(plan: MaintenancePlan) -> None:
    _outsourced_defaults(plan)
    _validate_target(plan)
    plan.contractor = (plan.contractor or "").strip()
    plan.checklist = clean_checklist(plan.checklist)
    _check_line_types(plan)
    if plan.frequency == Frequency.EVERY_N_DAYS:
        if not plan.interval_days:
            raise ValidationError({"interval_days": _("“每N天”须填写间隔天数")})
    else:
        plan.interval_days = None
    if plan.starts_on is None:
        raise ValidationError({"starts_on": _("此项为必填项")})
    if (
        plan.window_days
        and plan.frequency in DAYS_PER_PERIOD
        and plan.window_days > DAYS_PER_PERIOD[plan.frequency]
    ):
        raise ValidationError({"window_days": _("完成时限不能长于周期")})
    if (
        plan.window_days
        and plan.frequency == Frequency.EVERY_N_DAYS
        and plan.window_days > (plan.interval_days or 0)
    ):
        raise ValidationError({"window_days": _("完成时限不能长于周期")})


def _check_line_types(plan: MaintenancePlan) -> None:
    """A line about an equipment type must name one of the company's types that the plan's items can
    be; otherwise it would silently never be asked."""
    if not any(line.get("types") for line in plan.checklist):
        return
    tree = _type_tree(plan.company_id)
    if plan.discipline != Discipline.MAINTENANCE:
        raise ValidationError({"checklist.0.types": _("区域的检查项不按设备类型区分")})
    known = {name for _parent, name in tree.values()}
    target = plan.equipment.type_id if plan.equipment_id else plan.equipment_type_id
    fitting = type_names_around(target, tree)
    for index, line in enumerate(plan.checklist):
        for name in line.get("types", []):
            if name not in known:
                raise ValidationError(
                    {f"checklist.{index}.types": _("没有设备类型“%(name)s”") % {"name": name}}
                )
            if name not in fitting:
                raise ValidationError(
                    {
                        f"checklist.{index}.types": _("设备类型“%(name)s”不在本计划的设备范围内")
                        % {"name": name}
                    }
                )


@service
def plan_create(*, actor, data: dict) -> MaintenancePlan:
    """A new preventive-maintenance plan; its tasks are generated at once, then by the job."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    plan = MaintenancePlan(company_id=project.company_id, project=project)
    _plan_refs(plan, actor=actor, data=data)
    if data.get("discipline") in ENVIRONMENTAL and not data.get("team"):
        data["team"] = Department.ENVIRONMENT
    apply_changes(plan, {k: v for k, v in data.items() if v is not None}, allowed=PLAN_FIELDS)
    plan.name = (plan.name or "").strip()
    plan.contractor = (plan.contractor or "").strip()
    _validate_plan(plan)
    # Periods that ended before the plan existed are not work owed: start with the current one.
    today = _local_date(common._now())
    plan.generate_from = max(plan.starts_on, period_start(plan, max(period_index(plan, today), 0)))
    save_validated(plan)
    generate_for_plan(plan, now=common._now())
    return plan


@service
def plan_update(*, actor, plan: MaintenancePlan, data: dict) -> MaintenancePlan:
    """Change a plan. Tasks of periods already begun (or touched) keep what they were; untouched
    future tasks are removed and made again from the changed plan."""
    require(actor, Perm.CHANGE_FACILITIES)
    plan = lock(plan)
    data = dict(data)
    shaping = bool(set(data) & PLAN_SHAPING)
    _plan_refs(plan, actor=actor, data=data)
    apply_changes(plan, data, allowed=PLAN_FIELDS)
    _validate_plan(plan)
    if shaping:
        _drop_future_tasks(plan.tasks.all())
        tomorrow = _local_date(common._now()) + datetime.timedelta(days=1)
        plan.generate_from = max(plan.starts_on, tomorrow)
        plan.generated_until = None
    save_validated(plan)
    if plan.is_active:
        generate_for_plan(plan, now=common._now())
    return plan


@service
def plan_delete(*, actor, plan: MaintenancePlan) -> None:
    """Removes the plan's untouched tasks; a plan with done or started tasks is then deactivated
    (its history stays), otherwise removed."""
    require(actor, Perm.CHANGE_FACILITIES)
    plan = lock(plan)
    for task in plan.tasks.filter(status=TaskStatus.PENDING, scanned_at__isnull=True):
        task.delete()
    if plan.tasks.exists():
        plan.is_active = False
        plan.save()
        return
    plan.delete()


@service
def fire_plans_apply(
    *, actor, project: Project, starts_on: datetime.date | None = None
) -> list[MaintenancePlan]:
    """Apply seed 000's fire-safety schedule to a project: one plan per frequency for every item of
    type 消防. Applying twice adds nothing (one plan per project and template)."""
    require(actor, Perm.CHANGE_FACILITIES)
    roots = types_ensure(company=project.company)
    starts_on = starts_on or _local_date(common._now())
    plans = []
    for key, (name, frequency, window, lines) in FIRE_PLANS.items():
        existing = MaintenancePlan.objects.filter(project=project, template=key).first()
        if existing is not None:
            plans.append(existing)
            continue
        checklist = []
        for line in lines:
            if len(line) == 3:
                types, text, expected = line
                checklist.append(
                    {"text": text, "expected": expected, "kind": LineKind.CHECK, "types": list(types)}
                )
            else:
                types, text, expected, unit, low, high = line
                checklist.append(
                    {
                        "text": text,
                        "expected": expected,
                        "kind": LineKind.READING,
                        "unit": unit,
                        "min": low,
                        "max": high,
                        "types": list(types),
                    }
                )
        plan = MaintenancePlan(
            company_id=project.company_id,
            project=project,
            name=str(name),
            equipment_type=roots["消防"],
            checklist=clean_checklist(checklist),
            frequency=frequency,
            window_days=window,
            starts_on=starts_on,
            generate_from=starts_on,
            team=Department.ENGINEERING,
            rectify_days=1 if frequency == Frequency.WEEKLY else 3,
            template=key,
        )
        save_validated(plan)
        generate_for_plan(plan, now=common._now())
        plans.append(plan)
    return plans


# Periods and task generation ----------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(plan: MaintenancePlan, index: int) -> datetime.date:
    """The first day of the plan's ``index``-th period, counted from ``starts_on``."""
    if plan.frequency in MONTHS_PER_PERIOD:
        return add_months(plan.starts_on, index * MONTHS_PER_PERIOD[plan.frequency])
    days = DAYS_PER_PERIOD.get(plan.frequency) or plan.interval_days or 1
    return plan.starts_on + datetime.timedelta(days=index * days)


def period_index(plan: MaintenancePlan, day: datetime.date) -> int:
    """The index of the period containing ``day`` (negative before the plan starts)."""
    if plan.frequency in MONTHS_PER_PERIOD:
        step = MONTHS_PER_PERIOD[plan.frequency]
        months = (day.year - plan.starts_on.year) * 12 + day.month - plan.starts_on.month
        index = months // step
        while period_start(plan, index) > day:
            index -= 1
        while period_start(plan, index + 1) <= day:
            index += 1
        return index
    days = DAYS_PER_PERIOD.get(plan.frequency) or plan.interval_days or 1
    return (day - plan.starts_on).days // days


def plan_equipment(plan: MaintenancePlan) -> list[Equipment]:
    """The items a plan covers now: its item, or every item of its type (and subtypes) in the project,
    leaving out deleted, out-of-service and scrapped ones."""
    items = Equipment.objects.filter(project_id=plan.project_id, deleted_at__isnull=True).exclude(
        status__in=RETIRED_STATUSES
    )
    if plan.equipment_id is not None:
        items = items.filter(pk=plan.equipment_id)
    else:
        items = items.filter(type_id__in=type_with_descendants(plan.equipment_type))
    return list(items.order_by("id"))


def plan_areas(plan: MaintenancePlan) -> list[Area]:
    """The areas a plan covers now: its area, or every active area of its kind in the project."""
    areas = Area.objects.filter(project_id=plan.project_id, deleted_at__isnull=True, is_active=True)
    areas = areas.filter(pk=plan.area_id) if plan.area_id is not None else areas.filter(kind=plan.area_kind)
    return list(areas.order_by("id"))


def _plan_targets(plan: MaintenancePlan) -> list[tuple[str, object, list[dict]]]:
    """(field, item or area, checklist) for everything the plan covers now. Each item is asked only
    the lines that fit its type; an item no line fits gets no task. Every area gets every line."""
    if plan.discipline != Discipline.MAINTENANCE:
        return [("area", area, plan.checklist) for area in plan_areas(plan)]
    tree = _type_tree(plan.company_id)
    targets = []
    for item in plan_equipment(plan):
        checklist = checklist_for_type(plan.checklist, type_names_around(item.type_id, tree))
        if checklist:
            targets.append(("equipment", item, checklist))
    return targets


def generate_for_plan(plan: MaintenancePlan, *, now: datetime.datetime) -> int:
    """Create the plan's missing tasks for every period that starts before now + GENERATE_AHEAD.

    Catches up: periods since the last run (or since the plan began) are all covered. Exactly once:
    the unique constraint (plan, item, period) makes a concurrent or repeated run insert nothing.
    """
    if not plan.is_active:
        return 0
    today = _local_date(now)
    horizon = today + GENERATE_AHEAD
    lower = plan.generate_from
    if plan.generated_until is not None:
        current = period_start(plan, max(period_index(plan, today), 0))
        lower = max(plan.generate_from, min(plan.generated_until, current))
    index = max(period_index(plan, lower), 0)
    if period_start(plan, index) < lower:
        index += 1
    periods = []
    while (start := period_start(plan, index)) < horizon:
        periods.append((start, period_start(plan, index + 1)))
        index += 1
    created = 0
    if periods:
        targets = _plan_targets(plan)
        field = "area_id" if plan.discipline != Discipline.MAINTENANCE else "equipment_id"
        existing = set(
            MaintenanceTask.objects.filter(plan=plan, period_start__gte=periods[0][0]).values_list(
                field, "period_start"
            )
        )
        for start, end in periods:
            window_end = end
            if plan.window_days:
                window_end = min(end, start + datetime.timedelta(days=plan.window_days))
            for kind, target, checklist in targets:
                if (target.pk, start) in existing:
                    continue
                task = MaintenanceTask(
                    company_id=plan.company_id,
                    project_id=plan.project_id,
                    plan=plan,
                    discipline=plan.discipline,
                    period_start=start,
                    period_end=end,
                    due_at=local_midnight(window_end),
                    checklist=checklist,
                    team=plan.team,
                    assignee_id=plan.assignee_id,
                    checker_id=plan.checker_id,
                    **{kind: target},
                )
                try:
                    with transaction.atomic():
                        task.save()
                except IntegrityError:
                    continue  # another run made it first
                created += 1
    MaintenancePlan.objects.filter(pk=plan.pk).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=horizon)
    ).update(generated_until=horizon)
    plan.generated_until = horizon
    return created


def generate_tasks(*, now: datetime.datetime | None = None, project=None) -> int:
    """The periodic job: generate every active plan's due tasks (``project``: only that project's,
    as the demo replays one project's history day by day). Returns how many were created."""
    now = now or common._now()
    created = 0
    plans = MaintenancePlan.objects.filter(is_active=True)
    if project is not None:
        plans = plans.filter(project=project)
    for plan in plans.select_related("equipment_type").order_by("id"):
        with transaction.atomic():
            created += generate_for_plan(plan, now=now)
    return created
