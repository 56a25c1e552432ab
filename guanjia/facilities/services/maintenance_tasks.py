"""Doing a task: the scan at the item or in the area, the result of each checklist line, photos,
the defects found — on an item each failed line raises its own repair request (or joins the one
still open for the same fault of the same item) with a rectification deadline (限期整改); the item
is faulty while such work is open — and the supervisor's check (验收) of the done work, by someone
other than its doer; a rejected task goes back to the doer."""

from __future__ import annotations

import contextlib
import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import images, journal
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, service, visible_reference
from guanjia.facilities import hooks
from guanjia.facilities.choices import (
    OPEN_TASK_STATUSES,
    CheckResult,
    EquipmentStatus,
    LineKind,
    LineResult,
    TaskStatus,
)
from guanjia.facilities.models import (
    Area,
    Equipment,
    EquipmentRepair,
    MaintenancePlan,
    MaintenanceTask,
    TaskLineResult,
    TaskPhoto,
)
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _decimal, _local_date
from guanjia.facilities.services.ledger import root_type_name
from guanjia.notifications import services as notifications
from guanjia.notifications.messages import Message
from guanjia.staff.models import StaffMember
from guanjia.tickets import services as tickets
from guanjia.tickets.choices import FINAL_STATUSES, OPEN_STATUSES, Channel, Kind
from guanjia.tickets.models import TicketCategory

# Equipment type (top level) → the request category a failed check is filed under.
REPAIR_CATEGORY = {
    "消防": "消防",
    "电梯": "故障",
    "给排水": "漏水",
    "供配电": "停电",
    "公共照明": "路灯",
    "弱电": "监控",
}


# Doing a task -------------------------------------------------------------------------------------


def _task_open(task: MaintenanceTask) -> None:
    if task.status not in OPEN_TASK_STATUSES:
        raise Conflict(_("该任务已完成"))


@service
def task_start(*, actor, task: MaintenanceTask, code: str) -> MaintenanceTask:
    """Start a task by scanning the QR label of its item or area: ``code`` is the label's secret, so
    the scan proves the person stood there. The scan (who, when) is recorded on the task."""
    require(actor, Perm.DO_FACILITIES_WORK)
    task = lock(task)
    _task_open(task)
    if task.period_start > _local_date(common._now()):
        raise Conflict(_("该任务的周期尚未开始（%(day)s 开始）") % {"day": task.period_start})
    if task.area_id:
        area = Area.objects.get(pk=task.area_id)
        if not code or not secrets.compare_digest(str(code), area.qr_token):
            raise ValidationError({"code": _("二维码与该区域不符，请在现场扫码")})
    else:
        equipment = Equipment.objects.get(pk=task.equipment_id)
        if not code or not secrets.compare_digest(str(code), equipment.qr_token):
            raise ValidationError({"code": _("二维码与该设备不符，请在设备旁扫码")})
    task.scanned_at = common._now()
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
    # An outside firm's person: their company supervisor checks the work when no checker is named.
    found = hooks.outsourced(staff)
    if task.checker_id is None and found is not None and found.supervisor is not None:
        task.checker = found.supervisor
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
    """Record a task's results. Only whoever scanned the item or area may complete it. On an item
    every failed line becomes a repair request with a rectification deadline, or joins the open one
    for the same fault; in an area failed lines are recorded for the supervisor's check."""
    require(actor, Perm.DO_FACILITIES_WORK)
    task = lock(task)
    _task_open(task)
    if task.status != TaskStatus.IN_PROGRESS or task.scanned_by_id != actor.pk:
        raise Conflict(_("请先在现场扫描二维码，再填写结果"))
    lines = _line_results(task, results)
    for upload in photos:
        task_add_photo(actor=actor, task=task, upload=upload)
    now = common._now()
    plan = MaintenancePlan.objects.get(pk=task.plan_id)
    equipment = None
    if task.equipment_id:
        equipment = Equipment.objects.select_related("type", "building").get(pk=task.equipment_id)
    rows = []
    failed = 0
    for item in lines:
        repair = None
        if item["result"] == LineResult.FAIL:
            failed += 1
        if item["result"] == LineResult.FAIL and equipment is not None:
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
    task.check_result = ""
    task.save()
    if failed and equipment is not None:
        equipment_sync_status(equipment=equipment)
    return task


@service
def task_check(*, actor, task: MaintenanceTask, passed: bool, note: str = "") -> MaintenanceTask:
    """The supervisor's check (验收) of a done task. The checker is the task's named checker or a
    supervisor of the project (may change facilities), and never the person who did the work. A
    rejection needs a reason and sends the task back to its doer: the results are cleared, the scan
    stays, and the doer completes it again."""
    task = lock(task)
    staff_id = common.scope_for(actor).staff_id
    named = task.checker_id is not None and task.checker_id == staff_id
    if not named:
        require(actor, Perm.CHANGE_FACILITIES)
    if task.status != TaskStatus.DONE:
        raise Conflict(_("任务尚未完成，不能验收"))
    if task.check_result == CheckResult.PASSED:
        raise Conflict(_("该任务已验收"))
    if task.done_by_id == actor.pk or task.scanned_by_id == actor.pk:
        raise NotAllowed(_("验收人不能是执行人"))
    note = (note or "").strip()[:300]
    if not passed and not note:
        raise ValidationError({"note": _("退回返工请写明原因")})
    task.check_result = CheckResult.PASSED if passed else CheckResult.REJECTED
    task.checked_at = common._now()
    task.checked_by = actor
    task.check_note = note
    if not passed:
        for result in task.results.all():
            result.delete()
        task.status = TaskStatus.IN_PROGRESS
        task.done_at = None
        task.failed_lines = 0
    task.save()
    if not passed and task.scanned_by_id:
        target = task.target
        notifications.notify(
            recipients=[task.scanned_by],
            subject=Message(
                gettext_lazy("任务被退回返工：%(plan)s — %(item)s"), plan=task.plan.name, item=target.name
            ),
            body=Message(gettext_lazy("验收意见：%(note)s"), note=note),
            url=reverse("facilities:task", args=[task.pk]),
            related=task,
            dedup_key=f"facilities-task-{task.pk}-rejected-{task.checked_at.isoformat()}",
            kind="facilities.task_rejected",
        )
    return task


def _repair_category(actor, equipment: Equipment):
    wanted = REPAIR_CATEGORY.get(root_type_name(equipment.type), "公共设施")
    categories = TicketCategory.objects.visible_to(actor).filter(is_active=True)
    return categories.filter(name=wanted).first() or categories.filter(name="公共设施").first()


def _repair_for(
    *, actor, equipment: Equipment, plan: MaintenancePlan, text: str, note: str, now
) -> EquipmentRepair:
    """The open repair request for this fault of this item, or a new one (公区报修 via the
    maintenance channel). A fault is a checklist line: another fault of the same item is other work
    for perhaps another person, with its own deadline, so it gets its own request."""
    deadline = now + datetime.timedelta(days=plan.rectify_days)
    detail = f"{text}：{note}" if note else text
    repair = (
        EquipmentRepair.objects.select_for_update()
        .filter(
            equipment=equipment,
            closed_at__isnull=True,
            ticket__status__in=OPEN_STATUSES,
            # The fault's earlier failures point at it (a subquery: FOR UPDATE locks this row only).
            pk__in=TaskLineResult.objects.filter(text=text, repair__equipment=equipment).values("repair_id"),
        )
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
    require(actor, Perm.DO_FACILITIES_WORK)
    clean = images.clean_photo(upload, field="photos")
    name, thumb = images.save_photo(
        clean, prefix=f"facilities/{task.company_id}/tasks/{task.pk}", field="photos"
    )
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
    now = now or common._now()
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
