"""Swaps: a person asks to hand a planned shift to a colleague; the post's department head (or the
project manager) approves or rejects — never the person who asked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.rotas import kinds
from guanjia.rotas.choices import ShiftStatus, SwapStatus
from guanjia.rotas.models import Shift, SwapRequest
from guanjia.rotas.services.common import leads_of, require_lead
from guanjia.rotas.services.planning import check_free, check_serves
from guanjia.staff.models import StaffMember


def _label(shift: Shift) -> str:
    return f"{shift.date:%m-%d} {shift.pattern.name} {shift.post.name}"


@service
def swap_request(*, actor, shift: Shift, taker_id, reason: str) -> SwapRequest:
    """The person planned on ``shift`` asks that ``taker`` works it instead."""
    me = scope_for(actor).staff_id
    if me is None or shift.staff_id != me:
        raise NotAllowed(_("只能为自己的班次申请换班"))
    if shift.starts_at <= timezone.now() or shift.status != ShiftStatus.PLANNED:
        raise Conflict(_("班次已开始，不能再换班"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写换班原因")})
    taker = visible_reference(StaffMember, taker_id, actor, field="taker_id")
    if taker.pk == me or taker.deleted_at is not None:
        raise ValidationError({"taker_id": _("请选择另一位在职同事")})
    check_serves(taker, shift.post, field="taker_id")
    check_free(taker, shift.starts_at, shift.ends_at, field="taker_id")
    if SwapRequest.objects.filter(shift=shift, status=SwapStatus.PENDING).exists():
        raise Conflict(_("该班次已有待审批的换班申请"))
    swap = save_validated(
        SwapRequest(
            company_id=shift.company_id,
            project_id=shift.project_id,
            shift=shift,
            requester_id=me,
            taker=taker,
            reason=reason,
        )
    )
    notify(
        recipients=leads_of(shift.post),
        subject=Message(gettext_lazy("换班申请：%(shift)s"), shift=_label(shift)),
        body=Message(
            gettext_lazy("%(who)s 申请将 %(shift)s 换给 %(taker)s：%(reason)s"),
            who=shift.staff.name,
            shift=_label(shift),
            taker=taker.name,
            reason=reason,
        ),
        url=reverse("rotas:swaps"),
        related=swap,
        dedup_key=f"rotas-swap-{swap.pk}",
        kind=kinds.SWAP,
    )
    return swap


def _pending(swap: SwapRequest) -> SwapRequest:
    swap = lock(swap)
    if swap.status != SwapStatus.PENDING:
        raise Conflict(_("换班申请已处理：%(s)s") % {"s": swap.get_status_display()})
    return swap


def _tell_requester(swap: SwapRequest, verdict) -> None:
    shift = swap.shift
    notify(
        recipients=[swap.requester.user, swap.taker.user],
        subject=Message(gettext_lazy("换班%(verdict)s：%(shift)s"), verdict=verdict, shift=_label(shift)),
        body=Message(gettext_lazy("%(shift)s 的换班申请%(verdict)s"), verdict=verdict, shift=_label(shift)),
        url=reverse("rotas:my_shifts"),
        related=swap,
        dedup_key=f"rotas-swap-{swap.pk}-decided",
        kind=kinds.SWAP,
    )


@service
def swap_approve(*, actor, swap: SwapRequest, note: str = "") -> SwapRequest:
    """The head hands the shift to the taker (who must still be free then)."""
    require_lead(actor, swap.shift.post)
    swap = _pending(swap)
    if swap.requester.user_id == actor.pk:
        raise NotAllowed(_("不能审批自己的换班申请"))
    shift = lock(swap.shift)
    if shift.staff_id != swap.requester_id or shift.starts_at <= timezone.now():
        raise Conflict(_("班次已变更或已开始，不能换班"))
    check_free(swap.taker, shift.starts_at, shift.ends_at, field="taker_id", exclude_id=shift.pk)
    shift.staff, shift.swapped_from_id = swap.taker, swap.requester_id
    save_validated(shift)
    swap.status, swap.decided_by, swap.decided_at = SwapStatus.APPROVED, actor, timezone.now()
    swap.decision_note = (note or "")[:200]
    swap.save()
    _tell_requester(swap, gettext_lazy("已批准"))
    return swap


@service
def swap_reject(*, actor, swap: SwapRequest, note: str = "") -> SwapRequest:
    require_lead(actor, swap.shift.post)
    swap = _pending(swap)
    if swap.requester.user_id == actor.pk:
        raise NotAllowed(_("不能审批自己的换班申请"))
    swap.status, swap.decided_by, swap.decided_at = SwapStatus.REJECTED, actor, timezone.now()
    swap.decision_note = (note or "")[:200]
    swap.save()
    _tell_requester(swap, gettext_lazy("已驳回"))
    return swap
