"""The company's purchasing rules: the project manager's approval limit and each approver's deadline.
Company-wide, so only HQ changes them; requests already waiting keep the deadline they were given
(deadlines are stored, not recomputed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import save_validated, service
from guanjia.stores.models import StoresPolicy
from guanjia.stores.services.common import decimal_in

MAX_APPROVAL_HOURS = 24 * 14


@service
def policy_set(*, actor, data: dict) -> StoresPolicy:
    """Change ``pm_limit`` (元, ≥ 0) and/or ``approval_hours`` (1 to 336)."""
    require(actor, Perm.MANAGE_STORES)
    scope = scope_for(actor)
    if not scope.is_hq:
        raise NotAllowed(_("采购审批规则是全公司的设置，只有总部可以修改"))
    unknown = set(data) - {"pm_limit", "approval_hours"}
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    policy = StoresPolicy.objects.select_for_update().filter(company_id=scope.company_id).first()
    policy = policy or StoresPolicy(company_id=scope.company_id)
    if data.get("pm_limit") is not None:
        policy.pm_limit = decimal_in(data["pm_limit"], "pm_limit", allow_zero=True)
    if data.get("approval_hours") is not None:
        try:
            hours = int(str(data["approval_hours"]))
        except (TypeError, ValueError):
            raise ValidationError({"approval_hours": _("请填写整数小时")}) from None
        if not 1 <= hours <= MAX_APPROVAL_HOURS:
            raise ValidationError({"approval_hours": _("审批时限须在 1 到 336 小时之间")})
        policy.approval_hours = hours
    save_validated(policy)
    return policy
