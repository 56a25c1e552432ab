"""Non-conformances: raised per failed item on submission (recurrence flagged within the company's
window), their corrective action assigned, their preventive action recorded, repair requests raised."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.quality.choices import NcStatus, Outcome
from guanjia.quality.models import Audit, CorrectiveAction, NonConformance, QualitySettings
from guanjia.quality.services.people import may_manage_project, project_managers, user_can_receive
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Channel, Kind
from guanjia.tickets.services import ticket_create

# Recurrence ---------------------------------------------------------------------------------------


def recurrence_days(company_id: int) -> int:
    found = (
        QualitySettings.objects.filter(company_id=company_id)
        .values_list("recurrence_days", flat=True)
        .first()
    )
    return found or 90


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


def raise_nonconformances(audit: Audit, results: list, now: datetime.datetime) -> list[NonConformance]:
    """One non-conformance per failed item of a submitted audit, flagged recurring when the same item
    of the project failed within the recurrence window; the project's managers are told on commit."""
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
        _notify_raised(audit, raised, managers)  # written with the change: the outbox
    return raised


def _notify_raised(audit: Audit, raised: list, managers: list) -> None:
    notify(
        recipients=managers,
        subject=Message(
            gettext_lazy("品质核查 %(number)s：%(n)s 项不合格，请安排整改"),
            number=audit.number,
            n=len(raised),
        ),
        body="\n".join(f"{nc.item_key} {nc.item.standard[:40]}" for nc in raised),
        url=reverse("quality:audit_detail", args=[audit.pk]),
        related=audit,
        dedup_key=f"quality-audit-{audit.pk}-raised",
        kind="quality.audit_raised",
    )


# Assigning and following up -----------------------------------------------------------------------


@service
def nc_assign(*, actor, nc: NonConformance, data: dict) -> CorrectiveAction:
    """The project manager (or HQ quality) gives the corrective action an owner and a deadline."""
    if not may_manage_project(actor, nc.project_id):
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
    _notify_owner(action)  # written with the change: the outbox
    return action


def _notify_owner(action: CorrectiveAction) -> None:
    nc = action.nonconformance
    notify(
        recipients=[action.owner.user],
        subject=Message(
            gettext_lazy("整改任务 %(number)s，期限 %(deadline)s"),
            number=nc.number,
            deadline=timezone.localtime(action.deadline).strftime("%Y-%m-%d %H:%M"),
        ),
        body=nc.item.standard[:200],
        url=reverse("quality:nc_detail", args=[nc.pk]),
        related=action,
        dedup_key=f"quality-ca-{action.pk}-assigned",
        kind="quality.ca_assigned",
    )


@service
def nc_prevent(*, actor, nc: NonConformance, data: dict) -> NonConformance:
    """Record the root cause and the preventive action (预防措施) of a recurring non-conformance."""
    nc = lock(nc)
    action = CorrectiveAction.objects.filter(nonconformance=nc).first()
    is_owner = action is not None and scope_for(actor).staff_id == action.owner_id
    if not (is_owner or may_manage_project(actor, nc.project_id)):
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
    if not may_manage_project(actor, nc.project_id) and not user_can_receive(actor):
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
