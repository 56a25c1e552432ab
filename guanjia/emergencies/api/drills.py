"""Drills: planned here, run as an incident marked as a drill, tied to the yearly fire-system test;
figures per project and year."""

import datetime

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.emergencies import selectors, services
from guanjia.emergencies.api.base import router
from guanjia.emergencies.choices import DrillStatus, EventKind
from guanjia.emergencies.models import Drill


class DrillOut(Schema):
    id: int
    project_id: int
    plan_id: int
    plan_name: str = Field(..., alias="plan.name")
    kind: EventKind = Field(..., alias="plan.kind")
    planned_for: datetime.date
    level: int
    status: DrillStatus
    incident_id: int | None = Field(
        description="the run: an incident marked as a drill (its actions and log)"
    )
    evaluation: str
    score: int | None
    note: str
    fire_test_id: int | None = Field(
        description="the yearly whole-system fire test (a maintenance task) it goes with"
    )


class DrillIn(Schema):
    project_id: RefId
    plan_id: RefId
    planned_for: datetime.date
    level: int = Field(2, ge=1, le=3)
    note: str = Field("", max_length=200)
    fire_test_id: RefId | None = Field(
        None, description="fire drills: the project's yearly fire-system task (default: the year's first)"
    )


class DrillFilter(FilterSchema):
    project_id: RefId | None = None
    status: DrillStatus | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="planned for in this year")

    def filter_year(self, value):
        return Q(planned_for__year=value) if value else Q()


class DrillStartIn(Schema):
    description: str = Field("", max_length=2000, description="default: 演练：<plan>")
    building_id: RefId | None = None
    floor_from: int | None = Field(None, ge=-20, le=300)
    floor_to: int | None = Field(None, ge=-20, le=300)
    location: str = Field("", max_length=100)


class FireTestIn(Schema):
    fire_test_id: RefId | None = Field(
        None, description="the project's yearly fire-system task; null: unlink"
    )


class DrillFiguresOut(Schema):
    project_id: int
    project_name: str
    done: int = Field(description="drills done in the year")
    planned: int = Field(description="drills planned from today on")
    last_fire: datetime.date | None = Field(description="day of the last fire drill done")
    fire_due: bool = Field(description="no fire drill done in the last 365 days")
    fire_drill_done: bool = Field(description="a fire drill done in the year")
    fire_test_total: int
    fire_test_done: int
    fire_test_complete: bool = Field(description="the year's whole-system fire tests all done")

    @staticmethod
    def resolve_project_id(row) -> int:
        return row["project"].id

    @staticmethod
    def resolve_project_name(row) -> str:
        return row["project"].name


# Drills are planned here and then change only through their actions (start, fire-test) and the
# drill incident's own actions (evaluate): no PATCH, no DELETE.
register_crud(
    router,
    name="drill",
    model=Drill,
    out=DrillOut,
    create_in=DrillIn,
    update_in=None,
    filters=DrillFilter,
    orderings=["planned_for", "created_at"],
    view_perm=Perm.VIEW_EMERGENCIES,
    create=services.drill_plan,
    update=None,
    delete=None,
    select_related=("plan",),
)


def _drills(request):
    require(request.user, Perm.VIEW_EMERGENCIES)
    return Drill.objects.visible_to(request.user).select_related("plan")


@router.post(
    "/drills/{int:pk}/start",
    response={200: DrillOut, **ERROR_RESPONSES},
    operation_id="drill_start",
    summary="Run a planned drill",
)
def drill_start(request, pk: int, payload: DrillStartIn):
    """Run the drill as an incident marked as a drill (``incident_id``): the chain is called, the
    checklists and timings start. 409 if it was started already. Evaluate it with the incident's
    ``evaluate`` action."""
    drill = visible_or_404(_drills(request), pk, request.user)
    services.drill_start(actor=request.user, drill=drill, data=payload.model_dump())
    return _drills(request).get(pk=pk)


@router.post(
    "/drills/{int:pk}/fire-test",
    response={200: DrillOut, **ERROR_RESPONSES},
    operation_id="drill_link_fire_test",
    summary="Link the yearly fire-system test",
)
def drill_fire_test(request, pk: int, payload: FireTestIn):
    """Link a fire drill with its project's yearly whole-system fire test of that year (or unlink)."""
    drill = visible_or_404(_drills(request), pk, request.user)
    services.drill_link_fire_test(actor=request.user, drill=drill, task_id=payload.fire_test_id)
    return _drills(request).get(pk=pk)


@router.get(
    "/drill-figures",
    response={200: list[DrillFiguresOut], **ERROR_RESPONSES},
    operation_id="drill_figures",
    summary="Drills per project and year",
)
def drill_figures(request, year: int = Query(None, ge=2000, le=2100)):
    """Per project the caller sees, for a year (default this year): drills done and planned, the
    last fire drill and whether one is due, and the yearly fire-system tests done."""
    require(request.user, Perm.VIEW_EMERGENCIES)
    return selectors.drill_figures(request.user, year or timezone.localdate().year)
