"""Official statements of incidents: what residents see."""

import datetime

from ninja import Field
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.emergencies.api.base import router
from guanjia.emergencies.choices import EventKind
from guanjia.emergencies.models import Statement


class EmergencyStatementOut(Schema):
    id: int
    project_id: int
    incident_id: int
    kind: EventKind = Field(..., alias="incident.kind")
    body: str
    issued_at: datetime.datetime


@router.get(
    "/emergency-statements",
    response={200: list[EmergencyStatementOut], **ERROR_RESPONSES},
    operation_id="emergency_statement_list",
    summary="Official statements",
)
@paginate(Pagination)
def statement_list(request):
    """The official statements of incidents: residents see those of the projects they live in."""
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_EMERGENCIES)
    return Statement.objects.visible_to(request.user).select_related("incident").order_by("-issued_at", "-id")
