"""The stock ledger's one write path: ``post`` changes a store's stock of an item by a signed
quantity and writes the immutable ``Movement`` that says why. Nothing else changes ``Stock.on_hand``
or ``Stock.avg_cost``.

Cost is the weighted average per store and item: what comes in at a price (a receipt, a transfer
in, a return) moves the average to ``(on_hand × avg + q × price) / (on_hand + q)``; what goes out
leaves at the average, which does not change. Decimal throughout, the average kept to 4 places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.stores.choices import MovementKind
from guanjia.stores.models import Movement, Stock, StockItem, Store
from guanjia.stores.services.common import CENT, now

AVG_PLACES = Decimal("0.0001")


def stock_for(store: Store, item: StockItem) -> Stock:
    """The store's stock row of the item, created empty when first needed, read under its lock
    (PostgreSQL: SELECT … FOR UPDATE; SQLite: the IMMEDIATE transaction holds the write lock)."""
    stock = Stock.objects.filter(store=store, item=item).first()
    if stock is None:
        try:
            with transaction.atomic():
                stock = Stock.objects.create(
                    company_id=store.company_id, project_id=store.project_id, store=store, item=item
                )
        except IntegrityError:  # created by a concurrent movement: use theirs
            pass
    return Stock.objects.select_for_update().get(store=store, item=item)


def _short(stock: Stock, item: StockItem, field: str) -> ValidationError:
    return ValidationError(
        {
            field: _("库存不足：“%(name)s”仅剩 %(n)s %(unit)s")
            % {"name": item.name, "n": stock.on_hand.normalize(), "unit": item.unit}
        }
    )


def post(
    stock: Stock,
    *,
    kind: str,
    quantity: Decimal,
    unit_cost: Decimal | None = None,
    actor=None,
    field: str = "quantity",
    **links,
) -> Movement:
    """Move ``quantity`` (signed: in is positive) of a locked ``stock`` row and write the movement.
    Out goes at the average cost; in at ``unit_cost`` (the average when not given). The conditional
    update is the guard against going below zero (also where row locks are not real); the CHECK
    constraint is the last one."""
    if quantity == 0:
        raise ValidationError({field: _("数量须大于 0")})
    item = StockItem.objects.get(pk=stock.item_id)
    before_on_hand, before_avg = stock.on_hand, stock.avg_cost
    if quantity < 0:
        unit_cost = before_avg
        updated = Stock.objects.filter(pk=stock.pk, on_hand__gte=-quantity).update(
            on_hand=F("on_hand") + quantity
        )
        if not updated:
            stock.refresh_from_db(fields=["on_hand"])
            raise _short(stock, item, field)
        new_avg = before_avg
    else:
        unit_cost = before_avg if unit_cost is None else unit_cost
        total = before_on_hand + quantity
        new_avg = ((before_on_hand * before_avg + quantity * unit_cost) / total).quantize(
            AVG_PLACES, rounding=ROUND_HALF_UP
        )
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity, avg_cost=new_avg)
    stock.refresh_from_db(fields=["on_hand", "avg_cost"])
    changes = {"on_hand": [str(before_on_hand), str(stock.on_hand)]}
    if new_avg != before_avg:
        changes["avg_cost"] = [str(before_avg), str(stock.avg_cost)]
    journal.record(stock, "update", changes)
    movement = Movement(
        company_id=stock.company_id,
        project_id=stock.project_id,
        store_id=stock.store_id,
        item=item,
        kind=kind,
        quantity=quantity,
        unit_cost=unit_cost,
        value=(quantity * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP),
        on_hand_after=stock.on_hand,
        moved_at=now(),
        moved_by=actor,
        **links,
    )
    movement.save()
    return movement


IN_KINDS = {MovementKind.RECEIVE, MovementKind.RETURN, MovementKind.TRANSFER_IN}
