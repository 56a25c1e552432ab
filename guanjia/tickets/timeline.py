"""The request's timeline: one ``TicketEvent`` per action, and the words residents read for each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket, TicketEvent

# Resident-visible wording of each action, for the timeline "in plain words".
PLAIN_WORDS = {
    Action.CREATE: gettext_lazy("我们已收到您的报事"),
    Action.DISPATCH: gettext_lazy("已安排师傅处理"),
    Action.ACCEPT: gettext_lazy("师傅已接单"),
    Action.REJECT: gettext_lazy("正在重新安排师傅"),
    Action.ARRIVE: gettext_lazy("师傅已到场"),
    Action.COMPLETE: gettext_lazy("已处理完成"),
    Action.FIRST_FEEDBACK: gettext_lazy("我们给您答复了"),
    Action.FOLLOW_UP: gettext_lazy("我们已回访"),
    Action.RATE: gettext_lazy("您已评价，工单关闭"),
    Action.REOPEN: gettext_lazy("您要求返工，我们会重新处理"),
    Action.CLOSE: gettext_lazy("工单已关闭"),
    Action.HOLD: gettext_lazy("暂时挂起"),
    Action.RESUME: gettext_lazy("继续处理"),
    Action.REASSIGN: gettext_lazy("已改派其他师傅"),
    Action.ESCALATE: gettext_lazy("已升级处理"),
    Action.CANCEL: gettext_lazy("工单已取消"),
    Action.HANDOVER: gettext_lazy("已更换负责人"),
    Action.COMMENT: gettext_lazy("备注"),
    Action.PHOTO: gettext_lazy("上传了照片"),
    Action.CONFIRM_CHARGES: gettext_lazy("费用已确认"),
    Action.REMIND: gettext_lazy("已催促处理"),
}
# A rating given before the call-back leaves the request open for it.
RATED_BEFORE_CALL_BACK = gettext_lazy("您已评价，我们还会回访")
# Events residents do not see in their timeline (internal analysis and bookkeeping).
INTERNAL_ACTIONS = frozenset({Action.HANDOVER, Action.ESCALATE, Action.REMIND})


def record_event(
    ticket: Ticket, *, actor, action: str, from_status: str, note: str = "", data=None, when
) -> TicketEvent:
    """Keep one step of the request in its timeline (who, when, from which state, with what note)."""
    return TicketEvent.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        time=when,
        actor=actor,
        actor_name=actor.get_full_name() if actor is not None else "",
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        note=note,
        data=data or {},
        internal=action in INTERNAL_ACTIONS,
    )
