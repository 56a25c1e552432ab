"""Corrective actions (整改): the owner submits what was done with photos, the auditor or HQ quality
(never the owner) accepts or rejects; the lifecycle is the table CA_TRANSITIONS."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.quality.choices import CaAction, CaStatus, NcStatus
from guanjia.quality.models import CorrectiveAction, QualityPhoto

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
    _notify_act(action, name)  # written with the change: the outbox
    return action


def _notify_act(action: CorrectiveAction, name: str) -> None:
    nc = action.nonconformance
    if name == CaAction.SUBMIT:
        recipients = [nc.audit.auditor.user]
        subject = Message(gettext_lazy("整改 %(number)s 已提交，请验证"), number=nc.number)
        kind = "quality.ca_submitted"
    elif name == CaAction.REJECT:
        recipients = [action.owner.user]
        subject = Message(
            gettext_lazy("整改 %(number)s 验证未通过：%(reason)s"),
            number=nc.number,
            reason=action.reject_reason,
        )
        kind = "quality.ca_rejected"
    else:
        recipients = [action.owner.user]
        subject = Message(gettext_lazy("整改 %(number)s 验证通过，已关闭"), number=nc.number)
        kind = "quality.ca_closed"
    notify(
        recipients=recipients,
        subject=subject,
        body=nc.item.standard[:200],
        url=reverse("quality:nc_detail", args=[nc.pk]),
        related=action,
        dedup_key=f"quality-ca-{action.pk}-{name}-{action.round}",
        kind=kind,
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
