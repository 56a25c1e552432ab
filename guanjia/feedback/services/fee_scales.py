"""Pay by satisfaction (买单式): a project's scale of fee percentages by the share of households
satisfied. ``fee_percent`` (what a share earns on a scale) is a read and lives in the selectors."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.feedback.models import FeeScale
from guanjia.feedback.selectors import HUNDRED
from guanjia.feedback.services import common


def _percent(value, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("须为 0–100 的数字")]
        return None
    if not Decimal(0) <= number <= HUNDRED:
        errors[field] = [_("须为 0–100 的数字")]
        return None
    return number


@service
def fee_scale_publish(*, actor, data: dict) -> FeeScale:
    """Publish (or replace) a project's pay-by-satisfaction scale: thresholds of the share satisfied
    strictly descending, fee percentages not rising as satisfaction falls."""
    require(actor, Perm.MANAGE_SURVEYS)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    rows = data.get("steps") or []
    errors: dict = {}
    if not rows:
        errors["steps"] = [_("请至少填写一档")]
    steps = []
    for n, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        low = _percent(row.get("min_satisfied"), f"steps.{n}.min_satisfied", errors)
        fee = _percent(row.get("fee_percent"), f"steps.{n}.fee_percent", errors)
        if low is None or fee is None:
            continue
        if steps and low >= steps[-1][0]:
            errors[f"steps.{n}.min_satisfied"] = [_("满意率门槛须从高到低排列")]
        elif steps and fee > steps[-1][1]:
            errors[f"steps.{n}.fee_percent"] = [_("满意率越低，收费比例不能越高")]
        steps.append((low, fee))
    if errors:
        raise ValidationError(errors)
    scale = FeeScale.objects.select_for_update().filter(project=project).first() or FeeScale(
        company_id=project.company_id, project=project
    )
    scale.steps = [{"min_satisfied": str(low), "fee_percent": str(fee)} for low, fee in steps]
    scale.published_at = common._now()
    return save_validated(scale)
