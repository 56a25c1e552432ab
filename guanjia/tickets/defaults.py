"""What every company starts with: the category tree and the paid-services catalogue (seed 000)."""

from __future__ import annotations

from decimal import Decimal

from guanjia.core.services import service
from guanjia.tickets.choices import DEFAULT_CATEGORIES, DEFAULT_PAID_SERVICES
from guanjia.tickets.models import PaidService, TicketCategory


@service
def company_defaults_ensure(*, company, actor=None) -> None:
    """Give a company the default category tree and paid-services catalogue, once; idempotent."""
    for order, (name, children) in enumerate(DEFAULT_CATEGORIES.items()):
        parent, _created = TicketCategory.objects.get_or_create(
            company=company, parent=None, name=name, defaults={"sort_order": order}
        )
        for child_order, child in enumerate(children):
            TicketCategory.objects.get_or_create(
                company=company, parent=parent, name=child, defaults={"sort_order": child_order}
            )
    for name, price, unit in DEFAULT_PAID_SERVICES:
        PaidService.objects.get_or_create(
            company=company, name=name, defaults={"price": Decimal(price), "unit": unit}
        )
