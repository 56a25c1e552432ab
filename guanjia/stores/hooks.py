"""What the stores add to pages of apps below them (registered from ``StoresConfig.ready``):
the facilities costs page's panel of parts issued from the stores, per project."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from guanjia.core.roles import Perm
from guanjia.facilities.cost_panels import CostPanel, register_cost_panel
from guanjia.stores.choices import SPEND_KINDS
from guanjia.stores.models import Movement

ZERO = Decimal("0.00")


def issued_costs(user, *, year: int | None, project_id: int | None) -> list[dict]:
    """Per project: the cost of parts issued to maintenance tasks and to repair requests (less
    returns), in the year if one is given. One query."""
    qs = Movement.objects.visible_to(user).filter(kind__in=SPEND_KINDS, project__isnull=False)
    if year:
        tz = timezone.get_default_timezone()
        start = timezone.make_aware(timezone.datetime(year, 1, 1), tz)
        qs = qs.filter(moved_at__gte=start, moved_at__lt=start.replace(year=year + 1))
    if project_id:
        qs = qs.filter(project_id=project_id)
    rows = (
        qs.values("project_id", "project__name")
        .annotate(
            tasks=Sum("value", filter=Q(task__isnull=False)),
            tickets=Sum("value", filter=Q(ticket__isnull=False)),
            total=Sum("value"),
        )
        .order_by("project__name")
    )
    return [
        {
            "label": r["project__name"],
            "tasks": -(r["tasks"] or ZERO),
            "tickets": -(r["tickets"] or ZERO),
            "total": -(r["total"] or ZERO),
        }
        for r in rows
    ]


def register() -> None:
    register_cost_panel(
        CostPanel(
            name="stores_issued",
            template="stores/_facilities_costs_panel.html",
            rows=issued_costs,
            perm=Perm.VIEW_STORES,
        )
    )
