"""REST resources of refunds and adjustments: asked for by one person, approved or rejected by
another."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.billing import services
from guanjia.billing.api.common import Money, Text, router
from guanjia.billing.choices import CorrectionKind, CorrectionStatus
from guanjia.billing.models import Correction
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404


class CorrectionOut(Schema):
    id: int
    project_id: int
    unit_id: int
    kind: CorrectionKind
    bill_id: int | None
    payment_id: int | None
    amount: Decimal
    reason: str
    status: CorrectionStatus
    requested_by_id: int | None
    requested_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_note: str


class RefundIn(Schema):
    payment_id: RefId
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    reason: str = Field(..., min_length=1, max_length=200)


class AdjustmentIn(Schema):
    bill_id: RefId
    amount: Money = Field(..., description="Negative waives, positive adds to the bill")
    reason: str = Field(..., min_length=1, max_length=200)


class DecisionIn(Schema):
    note: Text = ""


class CorrectionFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    kind: CorrectionKind | None = None
    status: CorrectionStatus | None = None


def _corrections(request):
    require(request.user, Perm.VIEW_BILLING)
    return Correction.objects.visible_to(request.user)


@router.get(
    "/corrections",
    response={200: list[CorrectionOut], **ERROR_RESPONSES},
    operation_id="correction_list",
    summary="List refund and adjustment requests",
)
@paginate(Pagination)
def correction_list(request, filters: CorrectionFilter = Query(...)):
    return filters.filter(_corrections(request)).order_by("-requested_at", "-id")


@router.get(
    "/corrections/{int:pk}",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_get",
    summary="Get a refund or adjustment request",
)
def correction_get(request, pk: int):
    return visible_or_404(_corrections(request), pk, request.user)


@router.post(
    "/refunds",
    response={201: CorrectionOut, **ERROR_RESPONSES},
    operation_id="refund_request",
    summary="Ask for a refund of a payment",
)
def refund_request(request, payload: RefundIn):
    """422 on ``amount`` when it exceeds what the payment still has to refund. Another person approves."""
    data = {**payload.model_dump(), "kind": CorrectionKind.REFUND}
    return 201, services.correction_request(actor=request.user, data=data)


@router.post(
    "/adjustments",
    response={201: CorrectionOut, **ERROR_RESPONSES},
    operation_id="adjustment_request",
    summary="Ask for an adjustment of a bill",
)
def adjustment_request(request, payload: AdjustmentIn):
    data = {**payload.model_dump(), "kind": CorrectionKind.ADJUSTMENT}
    return 201, services.correction_request(actor=request.user, data=data)


@router.post(
    "/corrections/{int:pk}/approve",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_approve",
    summary="Approve a refund or adjustment (not by the one who asked)",
)
def correction_approve(request, pk: int, payload: DecisionIn):
    correction = visible_or_404(_corrections(request), pk, request.user)
    return services.correction_decide(
        actor=request.user, correction=correction, approve=True, note=payload.note
    )


@router.post(
    "/corrections/{int:pk}/reject",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_reject",
    summary="Reject a refund or adjustment",
)
def correction_reject(request, pk: int, payload: DecisionIn):
    correction = visible_or_404(_corrections(request), pk, request.user)
    return services.correction_decide(
        actor=request.user, correction=correction, approve=False, note=payload.note
    )
