"""Stock-takes (盘点): the counter records what is on the shelf per item and explains every
difference; someone else (not the counter) approves, and only then each difference posts as an
adjustment movement at the average cost. A rejected count goes back to counting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.stores.choices import MovementKind, StockTakeStatus
from guanjia.stores.models import Stock, StockItem, StockTake, StockTakeLine, Store
from guanjia.stores.services import ledger
from guanjia.stores.services.common import decimal_in, now
from guanjia.stores.services.purchasing import raise_for_low_stock


@service
def stocktake_start(*, actor, store_id) -> StockTake:
    """Open a count of a store: one line per item it holds, with the book quantity of now."""
    require(actor, Perm.MANAGE_STORES)
    store = visible_reference(Store, store_id, actor, field="store_id")
    take = StockTake(
        company_id=store.company_id,
        project_id=store.project_id,
        store=store,
        counted_by=actor,
        started_at=now(),
    )
    save_validated(take)
    for stock in Stock.objects.filter(store=store).order_by("item_id"):
        StockTakeLine.objects.create(
            company_id=store.company_id,
            project_id=store.project_id,
            stocktake=take,
            item_id=stock.item_id,
            book=stock.on_hand,
        )
    return take


@service
def stocktake_count(*, actor, stocktake: StockTake, item_id, counted, reason: str = "") -> StockTakeLine:
    """Enter the counted quantity of an item (an item not yet in the store's book may be added)."""
    require(actor, Perm.MANAGE_STORES)
    stocktake = lock(stocktake)
    if stocktake.status != StockTakeStatus.COUNTING:
        raise Conflict(_("盘点已提交，不能再修改"))
    item = visible_reference(StockItem, item_id, actor, field="item_id")
    counted = decimal_in(counted, "counted", allow_zero=True)
    line = StockTakeLine.objects.filter(stocktake=stocktake, item=item).first()
    if line is None:
        stock = Stock.objects.filter(store_id=stocktake.store_id, item=item).first()
        line = StockTakeLine(
            company_id=stocktake.company_id,
            project_id=stocktake.project_id,
            stocktake=stocktake,
            item=item,
            book=stock.on_hand if stock else 0,
        )
    line.counted = counted
    line.reason = (reason or "").strip()[:200]
    line.save()
    return line


@service
def stocktake_submit(*, actor, stocktake: StockTake) -> StockTake:
    """Hand the count over for approval: every line counted, every difference explained."""
    require(actor, Perm.MANAGE_STORES)
    stocktake = lock(stocktake)
    if stocktake.status != StockTakeStatus.COUNTING:
        raise Conflict(_("盘点已提交"))
    errors = {}
    for line in stocktake.lines.select_related("item"):
        if line.counted is None:
            errors[f"lines.{line.item_id}.counted"] = _("“%(name)s”尚未盘点") % {"name": line.item.name}
        elif line.counted != line.book and not line.reason:
            errors[f"lines.{line.item_id}.reason"] = _("“%(name)s”有差异，请说明原因") % {
                "name": line.item.name
            }
    if errors:
        raise ValidationError(errors)
    stocktake.status = StockTakeStatus.SUBMITTED
    stocktake.submitted_at = now()
    stocktake.save()
    return stocktake


def _decide(actor, stocktake: StockTake) -> StockTake:
    require(actor, Perm.MANAGE_STORES)
    stocktake = lock(stocktake)
    if stocktake.status != StockTakeStatus.SUBMITTED:
        raise Conflict(_("只有待审核的盘点可以审核"))
    if stocktake.counted_by_id == actor.pk:
        raise NotAllowed(_("盘点须由盘点人以外的人审核"))
    return stocktake


@service
def stocktake_approve(*, actor, stocktake: StockTake, note: str = "") -> StockTake:
    """A second person approves: each difference posts as an adjustment (the stock moves by the
    difference, which is what the count found against the book when it was counted)."""
    stocktake = _decide(actor, stocktake)
    store = Store.objects.get(pk=stocktake.store_id)
    for line in stocktake.lines.select_related("item").order_by("item_id"):
        difference = line.counted - line.book
        if not difference:
            continue
        stock = ledger.stock_for(store, line.item)
        ledger.post(
            stock,
            kind=MovementKind.ADJUST,
            quantity=difference,
            actor=actor,
            stocktake=stocktake,
            field=f"lines.{line.item_id}.counted",
            note=line.reason,
        )
        if difference < 0:
            raise_for_low_stock(stock)
    stocktake.status = StockTakeStatus.APPROVED
    stocktake.decided_by, stocktake.decided_at = actor, now()
    stocktake.decision_note = (note or "").strip()[:200]
    stocktake.save()
    return stocktake


@service
def stocktake_reject(*, actor, stocktake: StockTake, note: str) -> StockTake:
    """Send the count back to the counter with a reason."""
    stocktake = _decide(actor, stocktake)
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写退回原因")})
    stocktake.status = StockTakeStatus.COUNTING
    stocktake.submitted_at = None
    stocktake.decision_note = note.strip()[:200]
    stocktake.save()
    return stocktake
