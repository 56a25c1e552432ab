"""REST resources of deadlines: the company's policies, and the deadlines of one request."""

import datetime

from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.services import visible_or_404
from guanjia.sla import services
from guanjia.sla.choices import Stage
from guanjia.sla.models import SlaPolicy
from guanjia.tickets.models import Ticket

router = Router(tags=["sla"])


class PolicyOut(Schema):
    id: int
    name: str
    project_id: int | None
    category_id: int | None
    priority: str
    kind: str
    calendar_id: int | None
    response_minutes: int | None
    on_site_minutes: int | None
    complete_minutes: int | None
    feedback_minutes: int | None
    follow_up_minutes: int | None
    pause_on_hold: bool
    thresholds: list[int]
    is_active: bool


class DeadlineOut(Schema):
    id: int
    stage: Stage
    round: int
    started_at: datetime.datetime
    allowed_minutes: int
    due_at: datetime.datetime
    done_at: datetime.datetime | None
    paused: bool
    overdue: bool
    escalation_step: int

    @staticmethod
    def resolve_paused(obj) -> bool:
        return obj.paused_at is not None


@router.get(
    "/sla/policies", response={200: list[PolicyOut], **ERROR_RESPONSES}, operation_id="sla_policy_list"
)
@paginate(Pagination)
def list_policies(request):
    """The deadline policies that apply to the user's projects (company-wide ones included)."""
    return SlaPolicy.objects.visible_to(request.user).select_related("calendar")


@router.get(
    "/tickets/{int:pk}/deadlines",
    response={200: list[DeadlineOut], **ERROR_RESPONSES},
    operation_id="ticket_deadlines",
)
def ticket_deadlines(request, pk: int):
    """Each stage's stored deadline, per round of work: due time, when it was done, whether it is
    overdue now, and how far up the escalation ladder it went."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    return services.deadlines_for(ticket, timezone.now())
