"""Read-side of the stores; every function starts from ``visible_to``."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from guanjia.stores.choices import OPEN_PURCHASE, SPEND_KINDS
from guanjia.stores.models import Movement, PurchaseRequest, Stock, Store

ZERO = Decimal("0.00")


def stores(user):
    return (
        Store.objects.visible_to(user).select_related("project", "keeper").order_by("project__name", "name")
    )


def stock(user, filters: dict):
    qs = Stock.objects.visible_to(user).select_related("store", "item")
    if filters.get("store"):
        qs = qs.filter(store=filters["store"])
    if filters.get("item"):
        qs = qs.filter(item=filters["item"])
    if filters.get("below_min"):
        qs = qs.filter(min_level__gt=0, on_hand__lt=F("min_level"))
    if filters.get("search"):
        term = filters["search"]
        qs = qs.filter(Q(item__name__icontains=term) | Q(item__code__icontains=term))
    return qs.order_by("store__name", "item__code", "id")


def movements(user, filters: dict):
    qs = Movement.objects.visible_to(user).select_related(
        "store", "item", "ticket", "task", "moved_by", "other_store"
    )
    for key in ("store", "item", "kind", "ticket"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("since"):
        qs = qs.filter(moved_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(moved_at__date__lte=filters["until"])
    return qs.order_by("-moved_at", "-id")


def purchases(user, filters: dict):
    qs = PurchaseRequest.objects.visible_to(user).select_related("store", "item", "supplier", "raised_by")
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_PURCHASE)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("store"):
        qs = qs.filter(store=filters["store"])
    return qs.order_by("-raised_at", "-id")


def monthly_spend(user, *, year: int, project_id: int | None = None) -> list[dict]:
    """A project's monthly material spend: the cost of parts issued from its stores to repair
    requests and maintenance tasks, less what came back, per Shanghai calendar month. One query."""
    qs = Movement.objects.visible_to(user).filter(kind__in=SPEND_KINDS, project__isnull=False)
    tz = timezone.get_default_timezone()
    qs = qs.annotate(month=TruncMonth("moved_at", tzinfo=tz)).filter(month__year=year)
    if project_id:
        qs = qs.filter(project_id=project_id)
    rows = (
        qs.values("project_id", "project__name", "month")
        .annotate(total=Sum("value"))
        .order_by("project__name", "month")
    )
    return [
        {
            "project_id": r["project_id"],
            "project_name": r["project__name"],
            "month": r["month"].strftime("%Y-%m"),
            "amount": -(r["total"] or ZERO),
        }
        for r in rows
    ]


def ticket_material_cost(ticket) -> Decimal:
    """A request's material cost: the sum of its material lines (store issues at cost, less
    returns, plus what was entered by hand at completion)."""
    return ticket.materials.aggregate(total=Sum("cost"))["total"] or ZERO
