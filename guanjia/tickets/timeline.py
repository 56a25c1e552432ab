"""The request's timeline: one ``TicketEvent`` per action, and the words residents read for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from guanjia.tickets.choices import Action, Status
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
    Action.RATE: gettext_lazy("您已评价，报事已完结"),
    Action.REOPEN: gettext_lazy("您反馈不满意，我们会重新处理"),
    Action.CLOSE: gettext_lazy("报事已完结"),
    Action.HOLD: gettext_lazy("暂时挂起"),
    Action.RESUME: gettext_lazy("继续处理"),
    Action.REASSIGN: gettext_lazy("已改派其他师傅"),
    Action.ESCALATE: gettext_lazy("已升级处理"),
    Action.CANCEL: gettext_lazy("报事已撤销"),
    Action.HANDOVER: gettext_lazy("已更换负责人"),
    Action.COMMENT: gettext_lazy("备注"),
    Action.PHOTO: gettext_lazy("上传了照片"),
    Action.CONFIRM_CHARGES: gettext_lazy("费用已确认"),
    Action.REMIND: gettext_lazy("已催促处理"),
}
# A rating given before the call-back leaves the request open for it.
RATED_BEFORE_CALL_BACK = gettext_lazy("您已评价，我们还会回访")


@dataclass(frozen=True)
class ResidentWords:
    """How one portal action reads to the resident who takes it: the button (or the form's title),
    the form's send button, the message once it is done, the question asked before it, and the
    form's fields in their words. The staff's names (``Action.label``) stay on the console."""

    label: str
    submit: str
    done: str
    confirm: str = ""
    fields: dict = field(default_factory=dict)


# The actions a resident takes in the portal, written for the resident (not "业主要求返工").
RESIDENT_ACTIONS = {
    Action.RATE: ResidentWords(
        label=gettext_lazy("评价本次服务"),
        submit=gettext_lazy("提交评价"),
        done=gettext_lazy("谢谢您的评价"),
        fields={"comment": gettext_lazy("您的意见（可选）")},
    ),
    Action.REOPEN: ResidentWords(
        label=gettext_lazy("不满意，请重新处理"),
        submit=gettext_lazy("提交，请重新处理"),
        done=gettext_lazy("已收到，我们会重新安排处理"),
        fields={"reason": gettext_lazy("哪里还没处理好")},
    ),
    Action.CANCEL: ResidentWords(
        label=gettext_lazy("撤销报事"),
        submit=gettext_lazy("确认撤销"),
        done=gettext_lazy("报事已撤销"),
        confirm=gettext_lazy("撤销后这条报事不再处理，不能恢复。确定撤销吗？"),
        fields={"reason": gettext_lazy("撤销原因")},
    ),
    Action.COMMENT: ResidentWords(
        label=gettext_lazy("补充说明"),
        submit=gettext_lazy("发送说明"),
        done=gettext_lazy("说明已发送给物业"),
        fields={"note": gettext_lazy("说明")},
    ),
}

# Where the request stands, in the resident's words (the portal's status badge).
PLAIN_STATUS = {
    Status.RECEIVED: gettext_lazy("已受理"),
    Status.DISPATCHED: gettext_lazy("已安排师傅"),
    Status.ACCEPTED: gettext_lazy("师傅已接单"),
    Status.ON_SITE: gettext_lazy("师傅已到场"),
    Status.COMPLETED: gettext_lazy("已处理完成"),
    Status.FOLLOWED_UP: gettext_lazy("已回访"),
    Status.CLOSED: gettext_lazy("已完结"),
    Status.ON_HOLD: gettext_lazy("暂停处理"),
    Status.REWORK: gettext_lazy("重新处理中"),
    Status.CANCELLED: gettext_lazy("已撤销"),
}
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
