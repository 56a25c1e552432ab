"""批量操作 on requests: dispatch, close, cancel or remind (催办) many at once, from the request
list and the dispatch queue (web) or ``POST /tickets/bulk`` (API).

Each request goes through ``services.ticket_act`` on its own (``core.bulk.run_each``): the
workflow's rules hold for every one, one refusal undoes nothing else, and the report names each
request refused and why.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router

from guanjia.core.api import ERROR_RESPONSES, RefId, Schema
from guanjia.core.bulk import BulkResult, BulkResultOut, bulk_out, parse_ids, run_each
from guanjia.tickets import selectors, services
from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket

# bulk action → (the workflow's action, the words of the report: "已派工 12 条")
BULK_ACTIONS = {
    "dispatch": (Action.DISPATCH, gettext_lazy("已派工")),
    "close": (Action.CLOSE, gettext_lazy("已关闭")),
    "cancel": (Action.CANCEL, gettext_lazy("已取消")),
    "remind": (Action.REMIND, gettext_lazy("已催办")),
}


def tickets_bulk_act(*, actor, action: str, ids, assignee_id=None, reason: str = "") -> BulkResult:
    """Perform one action on each of the requests ``ids``; what the action needs (the person to
    send, the reason to cancel) is asked once for all of them (422 naming the field)."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("未知的批量操作：%(action)s") % {"action": action}})
    ids = parse_ids(ids)
    workflow_action, done_words = BULK_ACTIONS[action]
    data: dict = {}
    if action == "dispatch":
        if not assignee_id:
            raise ValidationError({"assignee_id": _("请选择处理人")})
        data["assignee_id"] = assignee_id
    elif action == "cancel":
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("取消须填写原因")})
        data["reason"] = reason[:200]
    records = {t.pk: t for t in Ticket.objects.visible_to(actor).filter(pk__in=ids).only("id", "number")}
    return run_each(
        action_label=str(done_words),
        ids=ids,
        records=records,
        label=lambda t: t.number,
        call=lambda t: services.ticket_act(actor=actor, ticket=t, action=workflow_action, data=data),
    )


def bar_context(actions, people: dict[int, list]) -> dict:
    """The bulk bar's choices: its actions and, to dispatch, everyone who serves a project on the
    page (``people``: per project; someone not serving a request's project is refused for it)."""
    everyone: dict[int, object] = {}
    for members in people.values():
        for member in members:
            everyone.setdefault(member.pk, member)
    return {
        "bulk_url": reverse("ticket_bulk"),
        "bulk_actions": [(name, BULK_ACTIONS[name][0].label) for name in actions],
        "bulk_people": sorted(everyone.values(), key=lambda m: (m.department, m.name, m.pk))
        if "dispatch" in actions
        else None,
        "bulk_reason": "cancel" in actions,
    }


def page_context(user, *, actions=("dispatch", "remind", "close", "cancel")):
    """``list_page``'s ``page_context`` for a page of requests: the bulk bar (one query for the
    people of the page's projects)."""

    def context(page) -> dict:
        projects = {t.project_id for t in page.object_list}
        people = selectors.people_by_project(user, projects) if "dispatch" in actions else {}
        return bar_context(actions, people)

    return context


# API -----------------------------------------------------------------------------------------------

router = Router(tags=["tickets"])


class TicketBulkIn(Schema):
    action: Literal["dispatch", "close", "cancel", "remind"]
    ids: list[int] = Field(..., description="工单 id，一次最多 200 条")
    assignee_id: RefId | None = Field(None, description="派工：处理人（员工 id）")
    reason: str = Field("", max_length=200, description="取消：原因")


@router.post(
    "/tickets/bulk",
    response={200: BulkResultOut, **ERROR_RESPONSES},
    operation_id="ticket_bulk",
    summary="Dispatch, close, cancel or remind many requests at once; a result per request",
)
def ticket_bulk(request, payload: TicketBulkIn):
    """Each request is acted on by itself, under the same rules as one at a time: the answer lists
    every id as ``done``, ``skipped`` (reminded within 30 minutes: not sent again) or ``refused``
    with the reason (its state, not yours, not visible …). More than 200 ids, or a dispatch without
    ``assignee_id``, a cancel without ``reason``: 422 and nothing done."""
    result = tickets_bulk_act(
        actor=request.user,
        action=payload.action,
        ids=payload.ids,
        assignee_id=payload.assignee_id,
        reason=payload.reason,
    )
    return bulk_out(result)
