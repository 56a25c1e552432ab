"""REST resources for auto-dispatch: the rules, and the desk's dispatch queue."""

import datetime

from ninja import Field, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.dispatch import selectors, services
from guanjia.dispatch.models import DispatchRule
from guanjia.staff.choices import Department
from guanjia.tickets.api import TicketOut
from guanjia.tickets.choices import Kind, Priority
from guanjia.tickets.selectors import ROW_COLUMNS, shape_rows, ticket_rows

router = Router(tags=["dispatch"])


class RuleOut(Schema):
    id: int
    project_id: int
    category_id: int
    category_name: str = Field(..., alias="category.name")
    building_id: int | None
    department: Department
    skill_id: int | None
    priority: int
    is_active: bool


class RuleIn(Schema):
    project_id: RefId
    category_id: RefId
    department: Department
    building_id: RefId | None = None
    skill_id: RefId | None = None
    priority: int = Field(0, ge=0, le=999)
    is_active: bool = True


class RulePatch(Schema):
    category_id: RefId = None
    department: Department = None
    building_id: RefId | None = None
    skill_id: RefId | None = None
    priority: int = Field(None, ge=0, le=999)
    is_active: bool = None


class RuleFilter(FilterSchema):
    project_id: RefId | None = None
    category_id: RefId | None = None
    building_id: RefId | None = None
    department: Department | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="dispatch_rule",
    plural="dispatch-rules",
    model=DispatchRule,
    out=RuleOut,
    create_in=RuleIn,
    update_in=RulePatch,
    filters=RuleFilter,
    orderings=["priority", "created_at"],
    view_perm=Perm.VIEW_ESTATES,
    create=services.dispatch_rule_create,
    update=services.dispatch_rule_update,
    delete=services.dispatch_rule_delete,
    select_related=("category",),
)


class QueuedTicketOut(TicketOut):
    """A request in the dispatch queue (its own schema: the queue pages by number, not cursor)."""

    due_at: datetime.datetime | None = Field(
        None, description="When its earliest running deadline falls due (past: late); null when none runs."
    )


class QueueFilter(FilterSchema):
    project_id: RefId | None = None
    kind: Kind | None = None
    priority: Priority | None = None


@router.get(
    "/dispatch-queue",
    response={200: list[QueuedTicketOut], **ERROR_RESPONSES},
    operation_id="dispatch_queue",
    summary="The dispatch queue",
)
@paginate(Pagination, shape=shape_rows)
def dispatch_queue(request, filters: QueueFilter = Query(...)):
    """Received requests nobody has been sent to yet (no dispatch rule matched, or the desk
    dispatches them itself), most pressing first: urgent before ordinary, then by the earliest
    running deadline (late ones first), then oldest first; ``due_at`` and ``overdue`` on each."""
    require(request.user, Perm.VIEW_ESTATES)
    return ticket_rows(
        filters.filter(selectors.dispatch_queue(request.user)), columns=(*ROW_COLUMNS, "due_at")
    )
