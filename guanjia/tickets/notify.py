"""Who hears about what happened to a request: decided in the transaction of the change (the
notification rows are written with it; see ``services._announce``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Action
from guanjia.tickets.models import TicketEvent
from guanjia.tickets.timeline import PLAIN_WORDS


def _staff_users(*members):
    return [m.user for m in members if m is not None and m.deleted_at is None]


def recipients_for(event: TicketEvent) -> tuple[list, list]:
    """(staff users, resident users) to tell about this event; never the person who did it."""
    ticket = event.ticket
    staff, residents = [], []
    resident_user = (
        ticket.reporter_resident.user
        if ticket.reporter_resident_id and ticket.reporter_resident.user_id
        else None
    )
    action = event.action
    if action == Action.CREATE:
        staff = _staff_users(ticket.first_contact)
    elif action in (Action.DISPATCH, Action.REASSIGN):
        staff = _staff_users(ticket.assignee)
        residents = [resident_user]
    elif action in (Action.REJECT, Action.REOPEN, Action.COMPLETE, Action.HOLD):
        staff = _staff_users(ticket.first_contact)
        residents = [resident_user] if action == Action.COMPLETE else []
    elif action in (Action.FOLLOW_UP, Action.FIRST_FEEDBACK, Action.CANCEL, Action.CLOSE):
        residents = [resident_user]
        if action == Action.FOLLOW_UP and ticket.status == "rework":
            staff = _staff_users(ticket.first_contact)
    elif action == Action.ESCALATE:
        heads = StaffMember.objects.filter(projects=ticket.project_id, deleted_at__isnull=True).filter(
            roles__role__in=[Role.DEPARTMENT_HEAD, Role.PROJECT_MANAGER]
        )
        staff = _staff_users(ticket.first_contact, *heads)
    elif action == Action.REMIND:
        staff = _staff_users(ticket.assignee)
    elif action == Action.HANDOVER or action == Action.RATE:
        staff = _staff_users(ticket.first_contact)
    if resident_user is not None and resident_user in residents and not _still_lives_there(ticket):
        # Moved out: the request left their portal, so its news no longer goes to them either.
        residents = []
    people = {u.pk: u for u in [*staff, *residents] if u is not None and u.pk != event.actor_id}
    staff_ids = {u.pk for u in staff if u is not None}
    return [u for pk, u in people.items() if pk in staff_ids], [
        u for pk, u in people.items() if pk not in staff_ids
    ]


def _still_lives_there(ticket) -> bool:
    """Whether the reporter still holds a tie to the request's unit (or, without a unit, its
    estate): the same rule as the portal's list (``models.reported_by``)."""
    current = Occupancy.objects.filter(resident_id=ticket.reporter_resident_id).current()
    if ticket.unit_id:
        return current.filter(unit_id=ticket.unit_id).exists()
    return current.filter(project_id=ticket.project_id).exists()


def notify_event(event_id: int) -> None:
    event = (
        TicketEvent.objects.select_related(
            "ticket__first_contact__user", "ticket__assignee__user", "ticket__reporter_resident__user"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    ticket = event.ticket
    staff, residents = recipients_for(event)
    # "%(number)s %(what)s" is a layout, not a phrase: nothing to translate but its parts.
    subject = Message("%(number)s %(what)s", number=ticket.number, what=Action(event.action).label)
    body = event.note or ticket.description[:200]
    if staff:
        notify(
            recipients=staff,
            subject=subject,
            body=body,
            url=reverse("ticket_detail", args=[ticket.pk]),
            related=ticket,
            dedup_key=f"ticket-event:{event.pk}",
            kind="tickets.event",
        )
    if residents:
        notify(
            recipients=residents,
            subject=Message(
                "%(number)s %(what)s",
                number=ticket.number,
                what=PLAIN_WORDS.get(event.action, gettext_lazy("有新进展")),
            ),
            body=_resident_body(event, body),
            url=_resident_url(event),
            related=ticket,
            dedup_key=f"ticket-event:{event.pk}",
            kind="tickets.progress",
            channels=("in_app",),
        )


def _resident_body(event: TicketEvent, body: str) -> Message | str:
    """What the resident reads: done work invites the rating at once (the call-back comes as well)."""
    if event.action == Action.COMPLETE:
        return Message(
            gettext_lazy("%(body)s。请您为本次服务评价，不满意可请我们重新处理。"), body=body.rstrip("。")
        )
    if event.action == Action.FOLLOW_UP:
        if (event.data or {}).get("rating") is not None:
            return Message(gettext_lazy("回访已完成，感谢您的评价"))
        return Message(gettext_lazy("请对本次服务进行评价"))
    return body


def _resident_url(event: TicketEvent) -> str:
    """The request's page in the portal; for done work, with the rating open."""
    url = reverse("portal_ticket_detail", args=[event.ticket_id])
    return f"{url}?action={Action.RATE}#actions" if event.action == Action.COMPLETE else url
