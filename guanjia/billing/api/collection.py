"""REST resources of collecting what is owed: door-to-door visits, arrears with their ageing and the
collection rate (收缴率)."""

import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.billing import selectors, services
from guanjia.billing.api.common import Period, Text, router
from guanjia.billing.choices import VisitStatus
from guanjia.billing.models import CollectionVisit
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, register_crud
from guanjia.core.bulk import BulkResultOut, bulk_out
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404


class VisitOut(Schema):
    id: int
    project_id: int
    unit_id: int
    collector_id: int
    visit_at: datetime.datetime
    status: VisitStatus
    note: str
    payment_id: int | None


class VisitIn(Schema):
    unit_id: RefId
    collector_id: RefId
    visit_at: datetime.datetime
    note: Text = ""


class VisitCloseIn(Schema):
    status: VisitStatus
    note: Text = ""
    payment_id: RefId | None = None


class VisitFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    collector_id: RefId | None = None
    status: VisitStatus | None = None
    visit_at__gte: datetime.datetime | None = None
    visit_at__lt: datetime.datetime | None = None


register_crud(
    router,
    name="collection_visit",
    plural="collection-visits",
    model=CollectionVisit,
    out=VisitOut,
    create_in=VisitIn,
    update_in=None,
    filters=VisitFilter,
    orderings=["visit_at"],
    view_perm=Perm.VIEW_BILLING,
    create=services.visit_book,
    update=None,
    delete=None,
)


@router.post(
    "/collection-visits/{int:pk}/close",
    response={200: VisitOut, **ERROR_RESPONSES},
    operation_id="collection_visit_close",
    summary="Record a door-to-door visit as done, missed or cancelled",
)
def visit_close(request, pk: int, payload: VisitCloseIn):
    require(request.user, Perm.VIEW_BILLING)
    visit = visible_or_404(CollectionVisit.objects, pk, request.user)
    return services.visit_close(actor=request.user, visit=visit, **payload.model_dump())


# Figures ------------------------------------------------------------------------------------------


class ArrearsOut(Schema):
    unit_id: int
    unit: str
    project_id: int
    project_name: str
    total: Decimal
    d30: Decimal = Field(..., description="1–30 days past due")
    d90: Decimal = Field(..., description="31–90 days past due")
    d180: Decimal = Field(..., description="91–180 days past due")
    older: Decimal = Field(..., description="more than 180 days past due")


class ArrearsQuery(Schema):
    project_id: RefId | None = None
    on: datetime.date | None = None


@router.get(
    "/billing/arrears",
    response={200: list[ArrearsOut], **ERROR_RESPONSES},
    operation_id="billing_arrears",
    summary="Arrears per unit with their ageing",
)
@paginate(Pagination, shape=selectors.shape_arrears)
def arrears(request, query: ArrearsQuery = Query(...)):
    """Units owing on bills past their due date (as of ``on``, default today), largest first."""
    require(request.user, Perm.VIEW_BILLING)
    return selectors.arrears(
        request.user, today=query.on or timezone.localdate(), project_id=query.project_id
    )


class CollectionOut(Schema):
    project_id: int
    project_name: str
    period: str
    billed: Decimal
    collected: Decimal
    outstanding: Decimal
    rate: Decimal | None = Field(..., description="collected ÷ billed, in per cent")


class CollectionQuery(Schema):
    period_from: Period | None = Field(None, description="Default: January of this year")
    period_to: Period | None = Field(None, description="Default: this month")
    project_id: RefId | None = None


@router.get(
    "/billing/collection-rate",
    response={200: list[CollectionOut], **ERROR_RESPONSES},
    operation_id="billing_collection_rate",
    summary="Collection rate (收缴率) per project and period",
)
def collection_rate(request, query: CollectionQuery = Query(...)):
    require(request.user, Perm.VIEW_BILLING)
    month = services.current_period()
    rows = selectors.collection(
        request.user,
        period_from=query.period_from or f"{month[:4]}-01",
        period_to=query.period_to or month,
        project_id=query.project_id,
    )
    return [{**row, "project_name": row["project__name"]} for row in rows]


class BillRemindIn(Schema):
    ids: list[int] = Field(..., description="账单 id，一次最多 200 条")


@router.post(
    "/bills/remind",
    response={200: BulkResultOut, **ERROR_RESPONSES},
    operation_id="bill_remind",
    summary="Remind the payers of many bills at once (催缴); a result per bill",
)
def bill_remind(request, payload: BillRemindIn):
    """Each bill's residents are notified, once per bill and day: again the same day is ``skipped``
    (not sent again); a paid bill, a unit with no resident account, a bill not visible: ``refused``
    with the reason. More than 200 ids: 422 and nothing sent."""
    return bulk_out(services.bills_bulk_remind(actor=request.user, ids=payload.ids))
