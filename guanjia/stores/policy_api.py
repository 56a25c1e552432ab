"""REST resource of the company's purchasing rules (``/stores/policy``), mounted by ``stores.api``."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Router

from guanjia.core.api import ERROR_RESPONSES, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.stores import services
from guanjia.stores.services.common import CENT, policy_for

router = Router(tags=["stores"])


class StoresPolicyOut(Schema):
    pm_limit: Decimal = Field(..., description="up to this amount (元) the project manager approves alone")
    approval_hours: int = Field(..., description="each approver's deadline, in hours")


class StoresPolicyIn(Schema):
    pm_limit: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    approval_hours: int | None = Field(None, ge=1, le=336)


def _out(policy) -> dict:
    # An unsaved default policy holds the field's default as given (5000): shown as money all the same.
    return {"pm_limit": Decimal(policy.pm_limit).quantize(CENT), "approval_hours": policy.approval_hours}


@router.get(
    "/stores/policy",
    response={200: StoresPolicyOut, **ERROR_RESPONSES},
    operation_id="stores_policy_get",
    summary="The company's purchasing rules",
)
def policy_get(request):
    require(request.user, Perm.VIEW_STORES)
    return _out(policy_for(scope_for(request.user).company_id))


@router.put(
    "/stores/policy",
    response={200: StoresPolicyOut, **ERROR_RESPONSES},
    operation_id="stores_policy_set",
    summary="Change the company's purchasing rules (HQ only)",
)
def policy_set(request, payload: StoresPolicyIn):
    return _out(services.policy_set(actor=request.user, data=payload.model_dump(exclude_none=True)))
