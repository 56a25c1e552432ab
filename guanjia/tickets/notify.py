"""Who hears about what happened to a request: decided in the transaction of the change (the
notification rows are written with it; see ``services._announce``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanjia.accounts.models import User
from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy, Resident
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Action
from guanjia.tickets.models import TicketEvent
from guanjia.tickets.timeline import PLAIN_WORDS


def _loaded(ticket, name: str):
    """The related object the ticket already holds in memory (no query), else None."""
    field = ticket._meta.get_field(name)
    return field.get_cached_value(ticket) if field.is_cached(ticket) else None


def _live_staff_user_ids(ticket, names: list[str]) -> list[int]:
    """The user ids of the ticket's staff in these roles (``first_contact``, ``assignee``) who
    have not left: from the members the change already holds, the others in one narrow query."""
    found, missing = {}, {}
    for name in names:
        member_id = getattr(ticket, f"{name}_id")
        if member_id is None:
            continue
        member = _loaded(ticket, name)
        if member is not None:
            found[name] = member.user_id if member.deleted_at is None else None
        else:
            missing[name] = member_id
    if missing:
        live = dict(
            StaffMember.objects.filter(pk__in=set(missing.values()), deleted_at__isnull=True).values_list(
                "pk", "user_id"
            )
        )
        found.update({name: live.get(member_id) for name, member_id in missing.items()})
    return [found[name] for name in names if found.get(name) is not None]


def _reporter_user_id(ticket) -> int | None:
    if not ticket.reporter_resident_id:
        return None
    resident = _loaded(ticket, "reporter_resident")
    if resident is not None:
        return resident.user_id
    return Resident.objects.filter(pk=ticket.reporter_resident_id).values_list("user_id", flat=True).first()


def recipients_for(event: TicketEvent) -> tuple[list, list]:
    """(staff users, resident users) to tell about this event; never the person who did it.

    Read from the request as the change left it in memory (the event is announced inside the
    change's transaction), asking the database only for what it does not hold: the work of one
    narrow query or two, where re-reading the event with every related row cost a fifth of a create.
    """
    ticket = event.ticket
    staff_roles: list[str] = []
    tell_resident = False
    heads: list[int] = []
    action = event.action
    if action == Action.CREATE:
        staff_roles = ["first_contact"]
    elif action in (Action.DISPATCH, Action.REASSIGN):
        staff_roles, tell_resident = ["assignee"], True
    elif action in (Action.REJECT, Action.REOPEN, Action.COMPLETE, Action.HOLD):
        staff_roles, tell_resident = ["first_contact"], action == Action.COMPLETE
    elif action in (Action.FOLLOW_UP, Action.FIRST_FEEDBACK, Action.CANCEL, Action.CLOSE):
        tell_resident = True
        if action == Action.FOLLOW_UP and ticket.status == "rework":
            staff_roles = ["first_contact"]
    elif action == Action.ESCALATE:
        staff_roles = ["first_contact"]
        heads = list(
            StaffMember.objects.filter(projects=ticket.project_id, deleted_at__isnull=True)
            .filter(roles__role__in=[Role.DEPARTMENT_HEAD, Role.PROJECT_MANAGER])
            .values_list("user_id", flat=True)
        )
    elif action == Action.REMIND:
        staff_roles = ["assignee"]
    elif action == Action.HANDOVER or action == Action.RATE:
        staff_roles = ["first_contact"]
    staff_ids = [*_live_staff_user_ids(ticket, staff_roles), *heads]
    resident_id = _reporter_user_id(ticket) if tell_resident else None
    if resident_id is not None and resident_id not in staff_ids and not _still_lives_there(ticket):
        # Moved out: the request left their portal, so its news no longer goes to them either.
        resident_id = None
    wanted = {pk for pk in [*staff_ids, resident_id] if pk is not None and pk != event.actor_id}
    if not wanted:
        return [], []
    users = User.objects.in_bulk(wanted)
    staff = [users[pk] for pk in dict.fromkeys(staff_ids) if pk in users]
    residents = [users[resident_id]] if resident_id in users and resident_id not in staff_ids else []
    return staff, residents


def _still_lives_there(ticket) -> bool:
    """Whether the reporter still holds a tie to the request's unit (or, without a unit, its
    estate): the same rule as the portal's list (``models.reported_by``)."""
    current = Occupancy.objects.filter(resident_id=ticket.reporter_resident_id).current()
    if ticket.unit_id:
        return current.filter(unit_id=ticket.unit_id).exists()
    return current.filter(project_id=ticket.project_id).exists()


def notify_event(event: TicketEvent) -> None:
    """Tell the people concerned about an event just recorded (``services._announce``)."""
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
