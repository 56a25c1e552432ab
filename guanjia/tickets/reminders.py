"""催办: the desk reminds the person sent to a request to get on with it.

A reminder is an action of the workflow (``Action.REMIND``, performed by ``services.ticket_act``):
one timeline event naming who was reminded, and a notification to them after commit. The same
person is reminded of the same request at most once per ``REMIND_WINDOW``: pressing again (or a
bulk reminder over requests reminded a moment ago) sends nothing and says when the last one went.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.bulk import Unchanged
from guanjia.core.errors import NotAllowed
from guanjia.core.scoping import scope_for
from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket, TicketEvent

REMIND_WINDOW = datetime.timedelta(minutes=30)
DEFAULT_NOTE = gettext_lazy("请尽快处理")


def remind_facts(ticket: Ticket, *, actor, now: datetime.datetime) -> dict:
    """Check a reminder may go now (the request is locked by ``ticket_act``); the event's facts."""
    if ticket.assignee_id is None:  # the table's states all have someone sent; guard anyway
        raise NotAllowed(_("工单还没有处理人，无需催办"))
    if actor is not None and ticket.assignee_id == scope_for(actor).staff_id:
        raise NotAllowed(_("不能催办自己"))
    last = (
        TicketEvent.objects.filter(
            ticket=ticket,
            action=Action.REMIND,
            time__gt=now - REMIND_WINDOW,
            data__assignee_id=ticket.assignee_id,
        )
        .order_by("-time", "-id")
        .values_list("time", flat=True)
        .first()
    )
    if last is not None:
        raise Unchanged(
            _("%(minutes)s 分钟内已催办过 %(name)s（%(time)s），未重复发送")
            % {
                "minutes": int(REMIND_WINDOW.total_seconds() // 60),
                "name": ticket.assignee.name,
                "time": timezone.localtime(last).strftime("%H:%M"),
            }
        )
    return {"assignee": ticket.assignee.name, "assignee_id": ticket.assignee_id}
