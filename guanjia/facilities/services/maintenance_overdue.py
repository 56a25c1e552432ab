"""Overdue maintenance: tasks not done by the end of their window, and repair requests still open
after their rectification deadline (限期整改). Each escalation step notifies exactly once."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.facilities.choices import OPEN_TASK_STATUSES, RepairEscalationStep, TaskEscalationStep
from guanjia.facilities.models import EquipmentRepair, MaintenanceTask, RepairEscalation, TaskEscalation
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _heads, _managers
from guanjia.notifications import services as notifications
from guanjia.notifications.messages import Message, label_of
from guanjia.staff.choices import Department
from guanjia.tickets.choices import FINAL_STATUSES

# Escalation of an overdue task: step → delay after the task's due time.
TASK_ESCALATION_DELAYS = {
    TaskEscalationStep.OVERDUE: datetime.timedelta(0),
    TaskEscalationStep.MANAGER: datetime.timedelta(days=1),
}


def escalate_overdue_tasks(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: a task not done by the end of its window is overdue; step 1 notifies the
    assignee and the team's heads, step 2 (a day later) the project managers. Each step exactly once
    (unique constraint), also after downtime."""
    now = now or common._now()
    taken = 0
    last = max(TASK_ESCALATION_DELAYS)
    overdue = (
        MaintenanceTask.objects.filter(
            status__in=OPEN_TASK_STATUSES, due_at__lte=now, escalation_step__lt=last
        )
        .select_related("plan", "equipment", "area", "assignee__user", "checker__user")
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
    if step == TaskEscalationStep.OVERDUE:
        recipients = _heads(task.project_id, task.team)
        # The checker (a company supervisor over an outsourced team) hears of it with the heads.
        if task.checker_id and task.checker.user_id and task.checker.user not in recipients:
            recipients.append(task.checker.user)
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
        notifications.notify(
            recipients=recipients,
            subject=Message(
                gettext_lazy("维保任务逾期：%(plan)s — %(item)s"),
                plan=task.plan.name,
                item=task.target.name,
            ),
            body=Message(
                gettext_lazy("%(item)s 的“%(plan)s”应于 %(due)s 前完成，至今未完成。(%(step)s)"),
                item=task.target,
                plan=task.plan.name,
                due=timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
                step=label_of(escalation, "step"),
            ),
            url=reverse("facilities:task", args=[task.pk]),
            related=task,
            dedup_key=f"facilities-task-{task.pk}-step-{step}",
            kind="facilities.maintenance_overdue",
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
    now = now or common._now()
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
        notifications.notify(
            recipients=recipients,
            subject=Message(
                gettext_lazy("整改逾期：%(item)s（%(no)s）"),
                item=repair.equipment.name,
                no=repair.ticket.number,
            ),
            body=Message(
                gettext_lazy("%(item)s 的维修单 %(no)s 应于 %(due)s 前整改完毕，至今未完成。(%(step)s)"),
                item=repair.equipment,
                no=repair.ticket.number,
                due=timezone.localtime(repair.rectify_by).strftime("%Y-%m-%d %H:%M"),
                step=label_of(escalation, "step"),
            ),
            url=reverse("facilities:equipment", args=[repair.equipment_id]),
            related=repair.ticket,
            dedup_key=f"facilities-repair-{repair.pk}-step-{step}",
            kind="facilities.repair_overdue",
            urgent=step == RepairEscalationStep.HEADS,
        )
    return True
