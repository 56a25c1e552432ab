"""Every write of facilities goes through here: the ledger, plans and their tasks, costs, patrols.

Jobs (``tasks.py``) call ``generate_tasks``, ``escalate_overdue_tasks``, ``sync_repairs``,
``generate_rounds`` and ``close_rounds``; each is idempotent and guarded by a unique constraint, so
running it twice, late, or on two consumers at once changes nothing the second time.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import secrets
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, Role, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Building, Project
from guanjia.facilities.choices import (
    DAYS_PER_PERIOD,
    DEFAULT_TYPES,
    FIRE_PLANS,
    MONTHS_PER_PERIOD,
    OPEN_TASK_STATUSES,
    RETIRED_STATUSES,
    CostKind,
    EquipmentStatus,
    FileKind,
    Frequency,
    LineKind,
    LineResult,
    RepairEscalationStep,
    RoundStatus,
    RouteKind,
    TaskEscalationStep,
    TaskStatus,
)
from guanjia.facilities.models import (
    Checkpoint,
    CheckpointScan,
    Equipment,
    EquipmentCost,
    EquipmentFile,
    EquipmentRepair,
    EquipmentType,
    MaintenancePlan,
    MaintenanceTask,
    MissedCheckpoint,
    PatrolFinding,
    PatrolRound,
    PatrolRoute,
    RepairEscalation,
    TaskEscalation,
    TaskLineResult,
    TaskPhoto,
)
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember

# Tasks appear this long before their period starts, so the team can plan the week.
GENERATE_AHEAD = datetime.timedelta(days=7)
# Escalation of an overdue task: step → delay after the task's due time.
TASK_ESCALATION_DELAYS = {
    TaskEscalationStep.OVERDUE: datetime.timedelta(0),
    TaskEscalationStep.MANAGER: datetime.timedelta(days=1),
}
# A patroller may scan a round's first checkpoint this long before its window opens (marked early).
ROUND_EARLY = datetime.timedelta(minutes=30)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Equipment type (top level) → the request category a failed check is filed under.
REPAIR_CATEGORY = {
    "消防": "消防",
    "电梯": "故障",
    "给排水": "漏水",
    "供配电": "停电",
    "公共照明": "路灯",
    "弱电": "监控",
}


def _now() -> datetime.datetime:
    """The present moment. One seam, so demo data can be laid out over past months."""
    return timezone.now()


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a calendar day in the company's time zone (Asia/Shanghai), as an aware moment."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(_zone()).date()


def new_token() -> str:
    return secrets.token_urlsafe(12)[:16]


def _staff_of(user) -> StaffMember | None:
    staff_id = scope_for(user).staff_id
    return StaffMember.objects.filter(pk=staff_id).first() if staff_id else None


def _decimal(value, field: str, *, places: str = "0.01") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: _("“%(value)s” 不是数字") % {"value": value}}) from None
    if not number.is_finite() or abs(number) >= Decimal("1000000000"):
        raise ValidationError({field: _("数值无效")})
    return number.quantize(Decimal(places))


# Equipment types ----------------------------------------------------------------------------------


def types_ensure(*, company) -> dict[str, EquipmentType]:
    """The default type tree of a company (idempotent); returns top-level types by name."""
    roots = {}
    for root_name, children in DEFAULT_TYPES.items():
        root, _created = EquipmentType.objects.get_or_create(company=company, parent=None, name=root_name)
        roots[root_name] = root
        for child in children:
            EquipmentType.objects.get_or_create(company=company, parent=root, name=child)
    return roots


def type_with_descendants(equipment_type: EquipmentType) -> set[int]:
    """The ids of a type and every type below it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in EquipmentType.objects.filter(company_id=equipment_type.company_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), [equipment_type.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def root_type_name(equipment_type: EquipmentType) -> str:
    node, seen = equipment_type, 0
    while node.parent_id is not None and seen < 10:
        node = EquipmentType.objects.get(pk=node.parent_id)
        seen += 1
    return node.name


# Equipment ----------------------------------------------------------------------------------------

EQUIPMENT_FIELDS = {
    "code",
    "name",
    "floor",
    "room",
    "serial_no",
    "model_no",
    "vendor",
    "contractor",
    "contract_starts",
    "contract_ends",
    "installed_on",
    "warranty_until",
    "status",
    "notes",
}


def _equipment_refs(equipment: Equipment, *, actor, data: dict) -> None:
    if "type_id" in data:
        equipment.type = visible_reference(EquipmentType, data.pop("type_id"), actor, field="type_id")
    if "building_id" in data:
        pk = data.pop("building_id")
        equipment.building = (
            None if pk is None else visible_reference(Building, pk, actor, field="building_id")
        )
        if equipment.building is not None and equipment.building.project_id != equipment.project_id:
            raise ValidationError({"building_id": _("楼栋不属于该项目")})


@service
def equipment_create(*, actor, data: dict) -> Equipment:
    """Add an item to a project's ledger (engineering supervisors, project managers)."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    equipment = Equipment(company_id=project.company_id, project=project, qr_token=new_token())
    if data.get("type_id") is None:
        raise ValidationError({"type_id": _("此项为必填项")})
    _equipment_refs(equipment, actor=actor, data=data)
    apply_changes(
        equipment,
        {k: v for k, v in data.items() if v is not None or k in EQUIPMENT_FIELDS},
        allowed=EQUIPMENT_FIELDS,
    )
    for key in ("floor", "room", "serial_no", "model_no", "vendor", "contractor", "notes"):
        setattr(equipment, key, (getattr(equipment, key) or "").strip())
    if not equipment.code:
        equipment.code = _next_code(project)
    return save_validated(equipment)


def _next_code(project: Project) -> str:
    count = Equipment.objects.filter(project=project).count() + 1
    code = f"{project.code}-E{count:04d}"
    while Equipment.objects.filter(project=project, code=code, deleted_at__isnull=True).exists():
        count += 1
        code = f"{project.code}-E{count:04d}"
    return code


@service
def equipment_update(*, actor, equipment: Equipment, data: dict) -> Equipment:
    require(actor, Perm.CHANGE_FACILITIES)
    equipment = lock(equipment)
    data = dict(data)
    _equipment_refs(equipment, actor=actor, data=data)
    before = equipment.status
    apply_changes(equipment, data, allowed=EQUIPMENT_FIELDS)
    if equipment.status != before:
        equipment.faulty_from_repairs = False
    save_validated(equipment)
    if equipment.status in RETIRED_STATUSES:
        _drop_future_tasks(MaintenanceTask.objects.filter(equipment=equipment))
    return equipment


@service
def equipment_delete(*, actor, equipment: Equipment) -> None:
    """Soft-delete: the item's history (tasks, repairs, costs) stays."""
    require(actor, Perm.CHANGE_FACILITIES)
    equipment = lock(equipment)
    equipment.deleted_at = _now()
    equipment.save()
    _drop_future_tasks(MaintenanceTask.objects.filter(equipment=equipment))


def _drop_future_tasks(tasks) -> int:
    """Remove generated tasks whose period has not begun and that nobody has touched."""
    today = _local_date(_now())
    doomed = tasks.filter(period_start__gt=today, status=TaskStatus.PENDING, scanned_at__isnull=True)
    count = 0
    for task in doomed:
        task.delete()
        count += 1
    return count


def _check_document(upload) -> bytes:
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    if not data.startswith(b"%PDF-"):
        raise ValidationError({"file": _("资料请上传 PDF 文件（照片请选择“照片”类别）")})
    return data


@service
def equipment_add_file(*, actor, equipment: Equipment, kind: str, upload, title: str = "") -> EquipmentFile:
    """Attach a photo (cleaned by ``core.images``) or a PDF document to an item."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from guanjia.core import images

    require(actor, Perm.CHANGE_FACILITIES)
    if kind not in FileKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": kind}})
    prefix = f"facilities/{equipment.company_id}/equipment/{equipment.pk}"
    if kind == FileKind.PHOTO:
        clean = images.clean_photo(upload, field="file")
        name, thumb = images.save_photo(clean, prefix=prefix)
    else:
        data = _check_document(upload)
        name = default_storage.save(f"{prefix}/{new_token()}.pdf", ContentFile(data))
        thumb = ""
    return EquipmentFile.objects.create(
        company_id=equipment.company_id,
        project_id=equipment.project_id,
        equipment=equipment,
        kind=kind,
        title=(title or "").strip()[:100],
        file=name,
        thumbnail=thumb,
        uploaded_by=actor,
    )


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
}
# Changing any of these changes what future tasks are, so untouched future tasks are made again.
PLAN_SHAPING = PLAN_FIELDS - {"name", "is_active", "rectify_days"} | {
    "equipment_id",
    "equipment_type_id",
    "assignee_id",
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


def _validate_plan(plan: MaintenancePlan) -> None:
    if (plan.equipment_id is None) == (plan.equipment_type_id is None):
        raise ValidationError({"equipment_id": _("请选择一台设备或一个设备类型（二选一）")})
    plan.checklist = clean_checklist(plan.checklist)
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


@service
def plan_create(*, actor, data: dict) -> MaintenancePlan:
    """A new preventive-maintenance plan; its tasks are generated at once, then by the job."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    plan = MaintenancePlan(company_id=project.company_id, project=project)
    _plan_refs(plan, actor=actor, data=data)
    apply_changes(plan, {k: v for k, v in data.items() if v is not None}, allowed=PLAN_FIELDS)
    plan.name = (plan.name or "").strip()
    _validate_plan(plan)
    # Periods that ended before the plan existed are not work owed: start with the current one.
    today = _local_date(_now())
    plan.generate_from = max(plan.starts_on, period_start(plan, max(period_index(plan, today), 0)))
    save_validated(plan)
    generate_for_plan(plan, now=_now())
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
        tomorrow = _local_date(_now()) + datetime.timedelta(days=1)
        plan.generate_from = max(plan.starts_on, tomorrow)
        plan.generated_until = None
    save_validated(plan)
    if plan.is_active:
        generate_for_plan(plan, now=_now())
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
    starts_on = starts_on or _local_date(_now())
    plans = []
    for key, (name, frequency, window, lines) in FIRE_PLANS.items():
        existing = MaintenancePlan.objects.filter(project=project, template=key).first()
        if existing is not None:
            plans.append(existing)
            continue
        checklist = []
        for line in lines:
            if len(line) == 2:
                checklist.append({"text": line[0], "expected": line[1], "kind": LineKind.CHECK})
            else:
                text, expected, unit, low, high = line
                checklist.append(
                    {
                        "text": text,
                        "expected": expected,
                        "kind": LineKind.READING,
                        "unit": unit,
                        "min": low,
                        "max": high,
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
        generate_for_plan(plan, now=_now())
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
        items = plan_equipment(plan)
        existing = set(
            MaintenanceTask.objects.filter(plan=plan, period_start__gte=periods[0][0]).values_list(
                "equipment_id", "period_start"
            )
        )
        for start, end in periods:
            window_end = end
            if plan.window_days:
                window_end = min(end, start + datetime.timedelta(days=plan.window_days))
            for item in items:
                if (item.pk, start) in existing:
                    continue
                task = MaintenanceTask(
                    company_id=plan.company_id,
                    project_id=plan.project_id,
                    plan=plan,
                    equipment=item,
                    period_start=start,
                    period_end=end,
                    due_at=local_midnight(window_end),
                    checklist=plan.checklist,
                    team=plan.team,
                    assignee_id=plan.assignee_id,
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


def generate_tasks(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: generate every active plan's due tasks. Returns how many were created."""
    now = now or _now()
    created = 0
    for plan in (
        MaintenancePlan.objects.filter(is_active=True).select_related("equipment_type").order_by("id")
    ):
        with transaction.atomic():
            created += generate_for_plan(plan, now=now)
    return created


# Doing a task -------------------------------------------------------------------------------------


def _task_open(task: MaintenanceTask) -> None:
    if task.status not in OPEN_TASK_STATUSES:
        raise Conflict(_("该任务已完成"))


@service
def task_start(*, actor, task: MaintenanceTask, code: str) -> MaintenanceTask:
    """Start a task by scanning the item's QR label: ``code`` is the label's secret, so the scan
    proves the person stood at the item. The scan (who, when) is recorded on the task."""
    require(actor, Perm.DO_FACILITIES_WORK)
    task = lock(task)
    _task_open(task)
    if task.period_start > _local_date(_now()):
        raise Conflict(_("该任务的周期尚未开始（%(day)s 开始）") % {"day": task.period_start})
    equipment = Equipment.objects.get(pk=task.equipment_id)
    if not code or not secrets.compare_digest(str(code), equipment.qr_token):
        raise ValidationError({"code": _("二维码与该设备不符，请在设备旁扫码")})
    task.scanned_at = _now()
    task.scanned_by = actor
    task.status = TaskStatus.IN_PROGRESS
    task.save()
    return task


@service
def task_assign(*, actor, task: MaintenanceTask, assignee_id) -> MaintenanceTask:
    require(actor, Perm.CHANGE_FACILITIES)
    task = lock(task)
    _task_open(task)
    staff = visible_reference(StaffMember, assignee_id, actor, field="assignee_id")
    if not staff.projects.filter(pk=task.project_id).exists():
        raise ValidationError({"assignee_id": _("该员工不在此项目")})
    task.assignee = staff
    task.save()
    return task


def _line_results(task: MaintenanceTask, results) -> list[dict]:
    """Check the submitted results against the task's checklist; a reading outside its range fails."""
    if not isinstance(results, list):
        raise ValidationError({"results": _("格式无效")})
    by_position: dict[int, dict] = {}
    for index, item in enumerate(results):
        if not isinstance(item, dict):
            raise ValidationError({f"results.{index}": _("格式无效")})
        try:
            position = int(item.get("position"))
        except (TypeError, ValueError):
            raise ValidationError({f"results.{index}.position": _("此项为必填项")}) from None
        if not 1 <= position <= len(task.checklist):
            raise ValidationError({f"results.{index}.position": _("没有第 %(n)s 项") % {"n": position}})
        by_position[position] = item
    out = []
    for position, line in enumerate(task.checklist, start=1):
        at = f"results.{position - 1}"
        item = by_position.get(position)
        if item is None:
            raise ValidationError(
                {at: _("第 %(n)s 项“%(text)s”未填写结果") % {"n": position, "text": line["text"]}}
            )
        note = str(item.get("note") or "").strip()[:300]
        reading = None
        if line.get("kind") == LineKind.READING:
            reading = _decimal(item.get("reading"), f"{at}.reading", places="0.001")
            if reading is None:
                raise ValidationError({f"{at}.reading": _("请填写读数")})
            low, high = line.get("min"), line.get("max")
            in_range = (low is None or reading >= Decimal(low)) and (high is None or reading <= Decimal(high))
            result = (
                LineResult.PASS if in_range and item.get("result") != LineResult.FAIL else LineResult.FAIL
            )
            if not in_range and not note:
                note = _("读数 %(value)s%(unit)s 超出范围 %(low)s–%(high)s") % {
                    "value": reading.normalize(),
                    "unit": line.get("unit", ""),
                    "low": low if low is not None else "",
                    "high": high if high is not None else "",
                }
        else:
            result = item.get("result")
            if result not in LineResult.values:
                raise ValidationError({f"{at}.result": _("请选择合格或不合格")})
        out.append({"position": position, "line": line, "result": result, "reading": reading, "note": note})
    return out


@service
def task_complete(*, actor, task: MaintenanceTask, results, note: str = "", photos=()) -> MaintenanceTask:
    """Record a task's results. Only whoever scanned the item may complete it. Every failed line
    becomes a repair request (or joins the item's open one) with a rectification deadline."""
    require(actor, Perm.DO_FACILITIES_WORK)
    task = lock(task)
    _task_open(task)
    if task.status != TaskStatus.IN_PROGRESS or task.scanned_by_id != actor.pk:
        raise Conflict(_("请先在设备旁扫描二维码，再填写结果"))
    lines = _line_results(task, results)
    for upload in photos:
        task_add_photo(actor=actor, task=task, upload=upload)
    now = _now()
    plan = MaintenancePlan.objects.get(pk=task.plan_id)
    equipment = Equipment.objects.select_related("type", "building").get(pk=task.equipment_id)
    rows = []
    failed = 0
    for item in lines:
        repair = None
        if item["result"] == LineResult.FAIL:
            failed += 1
            repair = _repair_for(
                actor=actor,
                equipment=equipment,
                plan=plan,
                text=item["line"]["text"],
                note=item["note"],
                now=now,
            )
        rows.append(
            TaskLineResult(
                company_id=task.company_id,
                project_id=task.project_id,
                task=task,
                position=item["position"],
                text=item["line"]["text"],
                result=item["result"],
                reading=item["reading"],
                note=item["note"],
                repair=repair,
            )
        )
    TaskLineResult.objects.bulk_create(rows)
    journal.journal_bulk_create(rows)
    task.status = TaskStatus.DONE
    task.done_at = now
    task.done_by = actor
    task.failed_lines = failed
    task.note = (note or "").strip()[:500]
    task.save()
    if failed:
        equipment_sync_status(equipment=equipment)
    return task


def _repair_category(actor, equipment: Equipment):
    from guanjia.tickets.models import TicketCategory

    wanted = REPAIR_CATEGORY.get(root_type_name(equipment.type), "公共设施")
    categories = TicketCategory.objects.visible_to(actor).filter(is_active=True)
    return categories.filter(name=wanted).first() or categories.filter(name="公共设施").first()


def _repair_for(
    *, actor, equipment: Equipment, plan: MaintenancePlan, text: str, note: str, now
) -> EquipmentRepair:
    """The item's open repair request, or a new one (公区报修 via the maintenance channel)."""
    from guanjia.tickets import services as tickets
    from guanjia.tickets.choices import OPEN_STATUSES, Channel, Kind

    deadline = now + datetime.timedelta(days=plan.rectify_days)
    detail = f"{text}：{note}" if note else text
    repair = (
        EquipmentRepair.objects.select_for_update()
        .filter(equipment=equipment, closed_at__isnull=True, ticket__status__in=OPEN_STATUSES)
        .order_by("id")
        .first()
    )
    if repair is not None:
        if deadline < repair.rectify_by:
            repair.rectify_by = deadline
            repair.save()
        ticket = repair.ticket
        # The person may not be allowed to comment on that request; the link still records it.
        with contextlib.suppress(NotAllowed):
            tickets.ticket_act(
                actor=actor,
                ticket=ticket,
                action="comment",
                data={"note": _("维保检查又发现不合格：%(detail)s") % {"detail": detail}},
            )
        return repair
    category = _repair_category(actor, equipment)
    ticket = tickets.ticket_create(
        actor=actor,
        data={
            "kind": Kind.COMMON_REPAIR,
            "channel": Channel.MAINTENANCE,
            "project_id": equipment.project_id,
            "building_id": equipment.building_id,
            "location": f"{equipment.name} {equipment.place}".strip(),
            "category_id": category.pk if category else None,
            "description": _("【维保不合格·限期整改 %(deadline)s】%(item)s（%(code)s）%(plan)s — %(detail)s")
            % {
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
                "item": equipment.name,
                "code": equipment.code,
                "plan": plan.name,
                "detail": detail,
            },
        },
    )
    return EquipmentRepair.objects.create(
        company_id=equipment.company_id,
        project_id=equipment.project_id,
        equipment=equipment,
        ticket=ticket,
        rectify_by=deadline,
    )


@service
def task_add_photo(*, actor, task: MaintenanceTask, upload) -> TaskPhoto:
    from guanjia.core import images

    require(actor, Perm.DO_FACILITIES_WORK)
    clean = images.clean_photo(upload, field="photos")
    name, thumb = images.save_photo(clean, prefix=f"facilities/{task.company_id}/tasks/{task.pk}")
    return TaskPhoto.objects.create(
        company_id=task.company_id,
        project_id=task.project_id,
        task=task,
        image=name,
        thumbnail=thumb,
        uploaded_by=actor,
    )


def equipment_sync_status(*, equipment: Equipment) -> Equipment:
    """The item is faulty while repair work for it is open, and back in service when that work is
    done — unless someone set it out of service or scrapped it by hand."""
    equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
    open_work = EquipmentRepair.objects.filter(equipment=equipment, closed_at__isnull=True).exists()
    if open_work and equipment.status == EquipmentStatus.IN_SERVICE:
        equipment.status = EquipmentStatus.FAULTY
        equipment.faulty_from_repairs = True
        equipment.save()
    elif not open_work and equipment.status == EquipmentStatus.FAULTY and equipment.faulty_from_repairs:
        equipment.status = EquipmentStatus.IN_SERVICE
        equipment.faulty_from_repairs = False
        equipment.save()
    return equipment


def sync_repairs(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: close the links of repair requests that were closed or cancelled, and put
    their items back in service. Returns how many links were closed."""
    from guanjia.tickets.choices import FINAL_STATUSES

    now = now or _now()
    closed = 0
    finished = EquipmentRepair.objects.filter(closed_at__isnull=True, ticket__status__in=FINAL_STATUSES)
    for repair in finished.order_by("id"):
        with transaction.atomic():
            if (
                EquipmentRepair.objects.filter(pk=repair.pk, closed_at__isnull=True).update(closed_at=now)
                != 1
            ):
                continue
            repair.refresh_from_db()
            journal.record(repair, "update", {"closed_at": [None, now.isoformat()]})
            equipment_sync_status(equipment=repair.equipment)
            closed += 1
    return closed


# Overdue tasks ------------------------------------------------------------------------------------


def _users(staff_qs) -> list:
    return [s.user for s in staff_qs.select_related("user") if s.user_id and s.user.is_active]


def _heads(project_id: int, department: str) -> list:
    return _users(
        StaffMember.objects.filter(
            projects=project_id,
            department=department,
            roles__role=Role.DEPARTMENT_HEAD,
            deleted_at__isnull=True,
        ).distinct()
    )


def _managers(project_id: int) -> list:
    return _users(
        StaffMember.objects.filter(
            projects=project_id, roles__role=Role.PROJECT_MANAGER, deleted_at__isnull=True
        ).distinct()
    )


def escalate_overdue_tasks(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: a task not done by the end of its window is overdue; step 1 notifies the
    assignee and the team's heads, step 2 (a day later) the project managers. Each step exactly once
    (unique constraint), also after downtime."""
    now = now or _now()
    taken = 0
    last = max(TASK_ESCALATION_DELAYS)
    overdue = (
        MaintenanceTask.objects.filter(
            status__in=OPEN_TASK_STATUSES, due_at__lte=now, escalation_step__lt=last
        )
        .select_related("plan", "equipment", "assignee__user")
        .order_by("due_at", "id")
    )
    for task in overdue.iterator(chunk_size=500):
        for step, delay in sorted(TASK_ESCALATION_DELAYS.items()):
            if step <= task.escalation_step:
                continue
            if task.due_at + delay > now:
                break
            if _take_task_step(task, step, now):
                taken += 1
    return taken


def _take_task_step(task: MaintenanceTask, step: int, now) -> bool:
    from guanjia.notifications.services import notify

    if step == TaskEscalationStep.OVERDUE:
        recipients = _heads(task.project_id, task.team)
        if task.assignee_id and task.assignee.user_id:
            recipients.insert(0, task.assignee.user)
    else:
        recipients = _managers(task.project_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                escalation = TaskEscalation.objects.create(
                    company_id=task.company_id,
                    project_id=task.project_id,
                    task=task,
                    step=step,
                    happened_at=now,
                    notified=[u.pk for u in recipients],
                )
        except IntegrityError:
            MaintenanceTask.objects.filter(pk=task.pk, escalation_step__lt=step).update(escalation_step=step)
            return False
        MaintenanceTask.objects.filter(pk=task.pk, escalation_step__lt=step).update(escalation_step=step)
        task.escalation_step = step
        notify(
            recipients=recipients,
            subject=_("维保任务逾期：%(plan)s — %(item)s")
            % {"plan": task.plan.name, "item": task.equipment.name},
            body=_("%(item)s 的“%(plan)s”应于 %(due)s 前完成，至今未完成。(%(step)s)")
            % {
                "item": task.equipment,
                "plan": task.plan.name,
                "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
                "step": escalation.get_step_display(),
            },
            url=reverse("facilities:task", args=[task.pk]),
            related=task,
            dedup_key=f"facilities-task-{task.pk}-step-{step}",
            urgent=step == TaskEscalationStep.MANAGER,
        )
    return True


# Rectification deadlines (限期整改) -----------------------------------------------------------------

REPAIR_ESCALATION_DELAYS = {
    RepairEscalationStep.ASSIGNEE: datetime.timedelta(0),
    RepairEscalationStep.HEADS: datetime.timedelta(days=1),
}


def escalate_overdue_repairs(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: a repair request raised by a failed checklist line and still open when its
    rectification deadline passes escalates — step 1 notifies the request's assignee (or, with none,
    the engineering heads), step 2 a day later the engineering heads and the project managers. Each
    step exactly once (unique constraint), in order after downtime. Returns how many steps were taken."""
    from guanjia.tickets.choices import FINAL_STATUSES

    now = now or _now()
    taken = 0
    last = max(REPAIR_ESCALATION_DELAYS)
    due = (
        EquipmentRepair.objects.filter(closed_at__isnull=True, rectify_by__lte=now, escalation_step__lt=last)
        .exclude(ticket__status__in=FINAL_STATUSES)
        .select_related("equipment", "ticket__assignee__user")
        .order_by("rectify_by", "id")
    )
    for repair in due.iterator(chunk_size=500):
        for step, delay in sorted(REPAIR_ESCALATION_DELAYS.items()):
            if step <= repair.escalation_step:
                continue
            if repair.rectify_by + delay > now:
                break
            if _take_repair_step(repair, step, now):
                taken += 1
    return taken


def _repair_recipients(repair: EquipmentRepair, step: int) -> list:
    heads = _heads(repair.project_id, Department.ENGINEERING)
    if step == RepairEscalationStep.ASSIGNEE:
        assignee = repair.ticket.assignee
        if assignee is not None and assignee.user_id and assignee.user.is_active:
            return [assignee.user]
        return heads
    people = heads + [u for u in _managers(repair.project_id) if u not in heads]
    return people


def _take_repair_step(repair: EquipmentRepair, step: int, now) -> bool:
    from guanjia.notifications.services import notify

    recipients = _repair_recipients(repair, step)
    with transaction.atomic():
        try:
            with transaction.atomic():
                escalation = RepairEscalation.objects.create(
                    company_id=repair.company_id,
                    project_id=repair.project_id,
                    repair=repair,
                    step=step,
                    happened_at=now,
                    notified=[u.pk for u in recipients],
                )
        except IntegrityError:
            EquipmentRepair.objects.filter(pk=repair.pk, escalation_step__lt=step).update(
                escalation_step=step
            )
            return False
        EquipmentRepair.objects.filter(pk=repair.pk, escalation_step__lt=step).update(escalation_step=step)
        repair.escalation_step = step
        notify(
            recipients=recipients,
            subject=_("整改逾期：%(item)s（%(no)s）")
            % {"item": repair.equipment.name, "no": repair.ticket.number},
            body=_("%(item)s 的维修单 %(no)s 应于 %(due)s 前整改完毕，至今未完成。(%(step)s)")
            % {
                "item": repair.equipment,
                "no": repair.ticket.number,
                "due": timezone.localtime(repair.rectify_by).strftime("%Y-%m-%d %H:%M"),
                "step": escalation.get_step_display(),
            },
            url=reverse("facilities:equipment", args=[repair.equipment_id]),
            related=repair.ticket,
            dedup_key=f"facilities-repair-{repair.pk}-step-{step}",
            urgent=step == RepairEscalationStep.HEADS,
        )
    return True


# Costs --------------------------------------------------------------------------------------------


@service
def cost_create(*, actor, data: dict) -> EquipmentCost:
    """A contractor invoice or other cost of an item, entered by hand."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    equipment = visible_reference(Equipment, data.pop("equipment_id", None), actor, field="equipment_id")
    amount = _decimal(data.get("amount"), "amount")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("金额须大于 0")})
    kind = data.get("kind") or CostKind.REPAIR
    if kind not in CostKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": kind}})
    cost = EquipmentCost(
        company_id=equipment.company_id,
        project_id=equipment.project_id,
        equipment=equipment,
        kind=kind,
        incurred_on=data.get("incurred_on"),
        amount=amount,
        contractor=str(data.get("contractor") or "").strip(),
        invoice_no=str(data.get("invoice_no") or "").strip(),
        description=str(data.get("description") or "").strip(),
    )
    if cost.incurred_on is None:
        raise ValidationError({"incurred_on": _("此项为必填项")})
    return save_validated(cost)


@service
def cost_delete(*, actor, cost: EquipmentCost) -> None:
    require(actor, Perm.CHANGE_FACILITIES)
    cost.delete()


# Patrols ------------------------------------------------------------------------------------------


def parse_round_times(value) -> list[datetime.time]:
    text = str(value or "").replace("，", ",").replace("；", ",").replace(";", ",")
    times = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        try:
            hour, minute = part.split(":")
            times.append(datetime.time(int(hour), int(minute)))
        except ValueError:
            raise ValidationError(
                {"round_times": _("“%(value)s” 不是有效时间，请写作 22:00,01:00") % {"value": part}}
            ) from None
    if not times or len(times) > 24:
        raise ValidationError({"round_times": _("请填写 1 到 24 个开始时间，如 22:00,01:00")})
    return sorted(set(times))


def _clean_route(route: PatrolRoute) -> None:
    route.name = (route.name or "").strip()
    route.round_times = ",".join(t.strftime("%H:%M") for t in parse_round_times(route.round_times))
    days = route.weekdays or ""
    if not days or any(c not in "0123456" for c in days) or len(set(days)) != len(days):
        raise ValidationError({"weekdays": _("星期写作 0–6 的数字（周一为 0），如 0123456")})
    route.weekdays = "".join(sorted(days))
    if route.kind not in RouteKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": route.kind}})


ROUTE_FIELDS = {"name", "kind", "department", "round_times", "window_minutes", "weekdays", "is_active"}


def _route_supervisor(route: PatrolRoute, *, actor, data: dict) -> None:
    if "supervisor_id" in data:
        pk = data.pop("supervisor_id")
        route.supervisor = (
            None if pk is None else visible_reference(StaffMember, pk, actor, field="supervisor_id")
        )


def _add_checkpoints(route: PatrolRoute, checkpoints, *, actor, start: int) -> list[Checkpoint]:
    made = []
    for index, item in enumerate(checkpoints):
        at = f"checkpoints.{index}"
        name = str((item or {}).get("name") or "").strip()
        if not name:
            raise ValidationError({f"{at}.name": _("此项为必填项")})
        building = None
        if item.get("building_id") is not None:
            building = visible_reference(Building, item["building_id"], actor, field=f"{at}.building_id")
            if building.project_id != route.project_id:
                raise ValidationError({f"{at}.building_id": _("楼栋不属于该项目")})
        checkpoint = Checkpoint(
            company_id=route.company_id,
            project_id=route.project_id,
            route=route,
            position=start + index,
            name=name[:60],
            building=building,
            place=str(item.get("place") or "").strip()[:100],
            qr_token=new_token(),
        )
        _set_window(checkpoint, item, route=route, at=at)
        save_validated(checkpoint)
        made.append(checkpoint)
    return made


def _minutes(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("请填写分钟数（整数）")}) from None
    if not 0 <= minutes <= 720:
        raise ValidationError({field: _("分钟数应在 0 到 720 之间")})
    return minutes


def _set_window(checkpoint: Checkpoint, data: dict, *, route: PatrolRoute, at: str = "") -> None:
    """The checkpoint's expected window within a round, in minutes after the round starts."""
    prefix = f"{at}." if at else ""
    if "expected_from" in data:
        checkpoint.expected_from = _minutes(data.get("expected_from"), f"{prefix}expected_from")
    if "expected_to" in data:
        checkpoint.expected_to = _minutes(data.get("expected_to"), f"{prefix}expected_to")
    low, high = checkpoint.expected_from, checkpoint.expected_to
    if (low is None) != (high is None):
        missing = "expected_to" if high is None else "expected_from"
        raise ValidationError({f"{prefix}{missing}": _("预计时段需同时填写最早和最晚")})
    if low is not None:
        if high < low:
            raise ValidationError({f"{prefix}expected_to": _("最晚不能早于最早")})
        if high > route.window_minutes:
            raise ValidationError(
                {f"{prefix}expected_to": _("不能超过每轮时限 %(n)s 分钟") % {"n": route.window_minutes}}
            )


def checkpoint_plan(route: PatrolRoute) -> list[dict]:
    """The snapshot a new round keeps of its route's active checkpoints, in order."""
    return [
        {"id": c.pk, "position": c.position, "name": c.name, "from": c.expected_from, "to": c.expected_to}
        for c in route.checkpoints.filter(is_active=True).order_by("position")
    ]


def round_checkpoints(patrol: PatrolRound) -> list[dict]:
    """The checkpoints of a round, in order: its snapshot (rounds made before snapshots existed fall
    back to the route's active checkpoints)."""
    return patrol.checkpoint_plan or checkpoint_plan(patrol.route)


CHECKPOINT_FIELDS = {"name", "place", "building_id", "expected_from", "expected_to"}


@service
def checkpoint_update(*, actor, checkpoint: Checkpoint, data: dict) -> Checkpoint:
    """Rename, move to another place or set the expected window of a checkpoint. Rounds already
    generated keep their snapshot; the change applies from the next round generated."""
    require(actor, Perm.CHANGE_FACILITIES)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        raise Conflict(_("该巡查点已移除"))
    unknown = set(data) - CHECKPOINT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("不能修改此字段")})
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            raise ValidationError({"name": _("此项为必填项")})
        checkpoint.name = name[:60]
    if "place" in data:
        checkpoint.place = str(data["place"] or "").strip()[:100]
    if "building_id" in data:
        building = None
        if data["building_id"] is not None:
            building = visible_reference(Building, data["building_id"], actor, field="building_id")
            if building.project_id != checkpoint.project_id:
                raise ValidationError({"building_id": _("楼栋不属于该项目")})
        checkpoint.building = building
    _set_window(checkpoint, data, route=checkpoint.route)
    save_validated(checkpoint)
    return checkpoint


@service
def checkpoint_move(*, actor, checkpoint: Checkpoint, direction: str) -> Checkpoint:
    """Swap a checkpoint with its active neighbour (``up`` or ``down``); at either end nothing moves."""
    require(actor, Perm.CHANGE_FACILITIES)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("方向应为 up 或 down")})
    lock(checkpoint.route)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        raise Conflict(_("该巡查点已移除"))
    siblings = Checkpoint.objects.filter(route_id=checkpoint.route_id, is_active=True)
    other = (
        siblings.filter(position__lt=checkpoint.position).order_by("-position").first()
        if direction == "up"
        else siblings.filter(position__gt=checkpoint.position).order_by("position").first()
    )
    if other is None:
        return checkpoint
    mine, theirs = checkpoint.position, other.position
    # Through a free position, because (route, position) is unique at every moment.
    checkpoint.position = 32767
    checkpoint.save(update_fields=["position", "updated_at"])
    other.position = mine
    other.save(update_fields=["position", "updated_at"])
    checkpoint.position = theirs
    checkpoint.save(update_fields=["position", "updated_at"])
    return checkpoint


@service
def checkpoint_order(*, actor, route: PatrolRoute, ids: list) -> list[Checkpoint]:
    """Put the route's active checkpoints in the given order (all of them, each once)."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    active = {c.pk: c for c in route.checkpoints.filter(is_active=True)}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationError({"order": _("顺序应为巡查点编号的列表")}) from None
    if sorted(wanted) != sorted(active):
        raise ValidationError({"order": _("顺序需包含本路线每个启用的巡查点各一次")})
    slots = sorted(c.position for c in active.values())
    top = route.checkpoints.order_by("-position").values_list("position", flat=True).first() or 0
    for offset, pk in enumerate(wanted):  # first out of the way, then into place
        Checkpoint.objects.filter(pk=pk).update(position=top + 1 + offset)
    ordered = []
    for pk, slot in zip(wanted, slots, strict=True):
        checkpoint = active[pk]
        checkpoint.position = slot
        checkpoint.save(update_fields=["position", "updated_at"])
        ordered.append(checkpoint)
    return ordered


@service
def checkpoint_remove(*, actor, checkpoint: Checkpoint) -> None:
    """Take a checkpoint off its route (soft: its scans and missed records stay). Rounds already
    generated keep it; a route keeps at least one checkpoint."""
    require(actor, Perm.CHANGE_FACILITIES)
    lock(checkpoint.route)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        return
    if (
        not Checkpoint.objects.filter(route_id=checkpoint.route_id, is_active=True)
        .exclude(pk=checkpoint.pk)
        .exists()
    ):
        raise Conflict(_("路线至少需要一个巡查点"))
    checkpoint.is_active = False
    checkpoint.save()


@service
def route_create(*, actor, data: dict) -> PatrolRoute:
    """A patrol route with its ordered checkpoints; rounds appear from the next generation run."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    checkpoints = data.pop("checkpoints", None) or []
    if not checkpoints:
        raise ValidationError({"checkpoints": _("至少需要一个巡查点")})
    route = PatrolRoute(company_id=project.company_id, project=project, rounds_from=_now())
    _route_supervisor(route, actor=actor, data=data)
    apply_changes(route, {k: v for k, v in data.items() if v is not None}, allowed=ROUTE_FIELDS)
    _clean_route(route)
    save_validated(route)
    _add_checkpoints(route, checkpoints, actor=actor, start=1)
    generate_rounds_for(route, now=_now())
    return route


@service
def route_update(*, actor, route: PatrolRoute, data: dict) -> PatrolRoute:
    """Change a route; rounds already generated keep their times. ``checkpoints`` appends points."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    data = dict(data)
    checkpoints = data.pop("checkpoints", None) or []
    _route_supervisor(route, actor=actor, data=data)
    apply_changes(route, data, allowed=ROUTE_FIELDS)
    _clean_route(route)
    save_validated(route)
    if checkpoints:
        last = route.checkpoints.order_by("-position").values_list("position", flat=True).first() or 0
        _add_checkpoints(route, checkpoints, actor=actor, start=last + 1)
    return route


@service
def route_delete(*, actor, route: PatrolRoute) -> None:
    """A route with rounds that happened is deactivated (its history stays); one without is removed.
    Rounds not over yet and not scanned at all (the one under way included) go with it."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    route.rounds.filter(window_end__gt=_now(), scanned_count=0).delete()
    if route.rounds.exists():
        route.is_active = False
        route.save()
        return
    route.delete()


def _assignee_for(route: PatrolRoute, at: datetime.datetime) -> StaffMember | None:
    from guanjia.core.roles import permissions_for
    from guanjia.staff.services import on_duty

    people = [
        s
        for s in on_duty(project=route.project, at=at)
        if s.department == route.department
        and Perm.DO_FACILITIES_WORK in permissions_for(s.roles.values_list("role", flat=True))
    ]
    return min(people, key=lambda s: s.pk) if people else None


def generate_rounds_for(route: PatrolRoute, *, now: datetime.datetime) -> int:
    """Rounds of a route for yesterday, today and tomorrow (yesterday catches up after downtime),
    each once (unique constraint on route and start). The on-duty person of the route's team is
    the patroller."""
    if not route.is_active:
        return 0
    today = _local_date(now)
    plan = checkpoint_plan(route)
    created = 0
    existing = set(
        route.rounds.filter(window_start__gte=local_midnight(today - datetime.timedelta(days=1))).values_list(
            "window_start", flat=True
        )
    )
    for offset in (-1, 0, 1):
        day = today + datetime.timedelta(days=offset)
        if str(day.weekday()) not in route.weekdays:
            continue
        for at in parse_round_times(route.round_times):
            start = datetime.datetime.combine(day, at, tzinfo=_zone())
            end = start + datetime.timedelta(minutes=route.window_minutes)
            if start in existing or end <= route.rounds_from:
                continue
            patrol = PatrolRound(
                company_id=route.company_id,
                project_id=route.project_id,
                route=route,
                window_start=start,
                window_end=end,
                assignee=_assignee_for(route, start),
                checkpoint_count=len(plan),
                checkpoint_plan=plan,
            )
            try:
                with transaction.atomic():
                    patrol.save()
            except IntegrityError:
                continue
            created += 1
    return created


def generate_rounds(*, now: datetime.datetime | None = None) -> int:
    now = now or _now()
    created = 0
    for route in PatrolRoute.objects.filter(is_active=True).select_related("project").order_by("id"):
        created += generate_rounds_for(route, now=now)
    return created


def current_round(checkpoint: Checkpoint, *, now: datetime.datetime | None = None) -> PatrolRound | None:
    """The round of the checkpoint's route open for scanning now (from ROUND_EARLY before its window)."""
    now = now or _now()
    return (
        PatrolRound.objects.filter(
            route_id=checkpoint.route_id,
            closed_at__isnull=True,
            window_start__lte=now + ROUND_EARLY,
            window_end__gt=now,
        )
        .order_by("window_start")
        .first()
    )


@service
def round_scan(*, actor, patrol: PatrolRound, code: str) -> CheckpointScan:
    """Record a checkpoint scanned in a round: the time and the person, and whether it was inside
    the round's window and in the route's order. Each checkpoint once per round."""
    require(actor, Perm.DO_FACILITIES_WORK)
    patrol = lock(patrol)
    if patrol.closed_at is not None:
        raise Conflict(_("本轮巡查已结束，不能再扫码"))
    points = round_checkpoints(patrol)
    order = [p["id"] for p in points]
    checkpoint = Checkpoint.objects.filter(
        route_id=patrol.route_id, pk__in=order, qr_token=str(code or "")
    ).first()
    if checkpoint is None:
        raise ValidationError({"code": _("该二维码不是本路线的巡查点")})
    now = _now()
    scanned = set(patrol.scans.values_list("checkpoint_id", flat=True))
    if checkpoint.pk in scanned:
        raise Conflict(_("巡查点“%(name)s”本轮已扫过") % {"name": checkpoint.name})
    point = points[order.index(checkpoint.pk)]
    earlier = set(order[: order.index(checkpoint.pk)])
    if point.get("from") is not None:
        low = patrol.window_start + datetime.timedelta(minutes=point["from"])
        high = patrol.window_start + datetime.timedelta(minutes=point["to"])
    else:
        low, high = patrol.window_start, patrol.window_end
    scan = CheckpointScan(
        company_id=patrol.company_id,
        project_id=patrol.project_id,
        round=patrol,
        checkpoint=checkpoint,
        scanned_at=now,
        scanned_by=actor,
        staff=_staff_of(actor),
        in_window=low <= now <= high,
        in_order=earlier <= scanned,
    )
    save_validated(scan)
    patrol.scanned_count = len(scanned) + 1
    patrol.irregular_count += int(not (scan.in_window and scan.in_order))
    patrol.status = RoundStatus.IN_PROGRESS
    if patrol.assignee_id is None and scan.staff is not None:
        patrol.assignee = scan.staff
    if patrol.scanned_count >= patrol.checkpoint_count:
        patrol.status = RoundStatus.COMPLETED
    patrol.save()
    return scan


def close_rounds(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: a round whose window has closed is claimed once (a conditional update);
    its unscanned checkpoints are flagged missed (unique per round and checkpoint) and the route's
    supervisor is notified once. Returns how many rounds were closed."""
    from guanjia.notifications.services import notify

    now = now or _now()
    closed = 0
    due = PatrolRound.objects.filter(closed_at__isnull=True, window_end__lte=now).select_related(
        "route__supervisor__user", "assignee"
    )
    for patrol in due.order_by("window_end", "id"):
        with transaction.atomic():
            if PatrolRound.objects.filter(pk=patrol.pk, closed_at__isnull=True).update(closed_at=now) != 1:
                continue
            scanned = set(patrol.scans.values_list("checkpoint_id", flat=True))
            wanted = [p["id"] for p in round_checkpoints(patrol) if p["id"] not in scanned]
            by_id = Checkpoint.objects.in_bulk(wanted)
            missing = [by_id[pk] for pk in wanted if pk in by_id]
            rows = [
                MissedCheckpoint(
                    company_id=patrol.company_id,
                    project_id=patrol.project_id,
                    round=patrol,
                    checkpoint=c,
                    staff=patrol.assignee,
                )
                for c in missing
            ]
            MissedCheckpoint.objects.bulk_create(rows)
            journal.journal_bulk_create(rows)
            status = RoundStatus.INCOMPLETE if missing else RoundStatus.COMPLETED
            PatrolRound.objects.filter(pk=patrol.pk).update(missed_count=len(missing), status=status)
            journal.record(
                patrol,
                "update",
                {
                    "closed_at": [None, now.isoformat()],
                    "status": [patrol.status, status],
                    "missed_count": [0, len(missing)],
                },
            )
            if missing:
                route = patrol.route
                recipients = (
                    [route.supervisor.user]
                    if route.supervisor and route.supervisor.user_id
                    else _heads(patrol.project_id, route.department)
                )
                who = patrol.assignee.name if patrol.assignee else _("未指定")
                notify(
                    recipients=recipients,
                    subject=_("巡查漏检：%(route)s") % {"route": route.name},
                    body=_("%(route)s %(time)s 一轮（巡查人：%(who)s）漏检 %(n)s 个点：%(points)s")
                    % {
                        "route": route.name,
                        "time": timezone.localtime(patrol.window_start).strftime("%m-%d %H:%M"),
                        "who": who,
                        "n": len(missing),
                        "points": "、".join(c.name for c in missing),
                    },
                    url=reverse("facilities:round", args=[patrol.pk]),
                    related=patrol,
                    dedup_key=f"facilities-round-{patrol.pk}-missed",
                )
            closed += 1
    return closed


@service
def finding_report(
    *, actor, patrol: PatrolRound, checkpoint_id, description: str, category_id=None, photos=()
) -> PatrolFinding:
    """A problem found at a checkpoint: it becomes a service request of kind patrol (巡查报事) with
    the checkpoint's place filled in; the photos go onto the request."""
    from guanjia.tickets import services as tickets
    from guanjia.tickets.choices import Channel, Kind

    require(actor, Perm.DO_FACILITIES_WORK)
    checkpoint = (
        Checkpoint.objects.filter(route_id=patrol.route_id, pk=checkpoint_id).first()
        if checkpoint_id
        else None
    )
    if checkpoint is None:
        raise ValidationError({"checkpoint_id": _("请选择本路线的巡查点")})
    if not (description or "").strip():
        raise ValidationError({"description": _("请描述发现的问题")})
    ticket = tickets.ticket_create(
        actor=actor,
        data={
            "kind": Kind.PATROL,
            "channel": Channel.PATROL,
            "project_id": patrol.project_id,
            "building_id": checkpoint.building_id,
            "location": (checkpoint.place or checkpoint.name)[:100],
            "category_id": category_id,
            "description": description.strip(),
        },
    )
    for upload in photos:
        tickets.ticket_add_photo(actor=actor, ticket=ticket, upload=upload)
    return PatrolFinding.objects.create(
        company_id=patrol.company_id,
        project_id=patrol.project_id,
        round=patrol,
        checkpoint=checkpoint,
        ticket=ticket,
        found_by=actor,
    )
