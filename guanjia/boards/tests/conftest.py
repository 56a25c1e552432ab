import datetime
import itertools
import zoneinfo

import pytest

from guanjia.sla.models import TicketDeadline
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Channel, Kind, Priority, Status
from guanjia.tickets.models import FollowUpCall, Ticket
from guanjia.tickets.tests.conftest import tw  # noqa: F401  (the service-request world)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
# "Now" of every board test: Wednesday 2026-03-18 10:00 in Shanghai.
NOW = datetime.datetime(2026, 3, 18, 10, 0, tzinfo=SH)
_numbers = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SH)


def make_ticket(project, *, first_contact, received_at, **fields) -> Ticket:
    """A request row as the services leave it, with the stage moments given directly. A follow-up
    score is one satisfied call (``FollowUpCall``) made when the request was followed up (else
    completed), as ``ticket_act`` records it."""
    fields.setdefault("kind", Kind.HOME_REPAIR)
    fields.setdefault("status", Status.RECEIVED)
    fields.setdefault("priority", Priority.NORMAL)
    ticket = Ticket.objects.create(
        company_id=project.company_id,
        project=project,
        number=f"T{next(_numbers):06d}",
        channel=Channel.FRONT_DESK,
        location="大堂",
        description="测试",
        first_contact=first_contact,
        received_at=received_at,
        **fields,
    )
    if ticket.follow_up_score is not None:
        FollowUpCall.objects.create(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            ticket=ticket,
            made_at=ticket.followed_up_at or ticket.completed_at,
            handler_id=ticket.assignee_id or ticket.completed_by_id,
            satisfied=True,
            score=ticket.follow_up_score,
        )
    return ticket


def make_deadline(ticket, stage, *, due_at, done_at=None, round=0) -> TicketDeadline:
    return TicketDeadline.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        stage=stage,
        round=round,
        started_at=due_at - datetime.timedelta(hours=2),
        allowed_minutes=120,
        due_at=due_at,
        done_at=done_at,
        thresholds=[80, 100, 150, 200],
    )


@pytest.fixture
def bw(world):
    """The scoping world plus the staff members behind its users."""
    world.desk_member = StaffMember.objects.get(user=world.desk)
    world.tech_member = StaffMember.objects.get(user=world.technician)
    world.sibling_member = StaffMember.objects.get(user=world.sibling_desk)
    return world
