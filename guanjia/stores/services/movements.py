"""Goods received, issued to a repair request or a planned maintenance task, returned, and
transferred between stores. Each is one ledger movement (two for a transfer) through ``ledger.post``;
a movement that takes a stock below its minimum raises the purchase request (``purchasing``).

An issue to a repair request also writes the request's material line (``tickets.materials``) with
the cost at the store's average, so the request's materials come from the store; an issue to a
maintenance task is kept on the movement, where the facilities costs page reads it (``hooks``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import service, visible_reference
from guanjia.facilities.models import MaintenanceTask
from guanjia.stores.choices import MovementKind
from guanjia.stores.models import Movement, StockItem, Store
from guanjia.stores.services import ledger
from guanjia.stores.services.common import CENT, decimal_in
from guanjia.stores.services.purchasing import raise_for_low_stock
from guanjia.tickets import materials
from guanjia.tickets.choices import FINAL_STATUSES
from guanjia.tickets.models import Ticket


def _store(actor, store_id, field: str = "store_id") -> Store:
    store = visible_reference(Store, store_id, actor, field=field)
    if not store.is_active:
        raise ValidationError({field: _("该仓库已停用")})
    return store


def _item(actor, item_id) -> StockItem:
    item = visible_reference(StockItem, item_id, actor, field="item_id")
    if not item.is_active:
        raise ValidationError({"item_id": _("该物料已停用")})
    return item


def _note(data: dict) -> str:
    return str(data.get("note") or "").strip()[:200]


@service
def movement_receive(*, actor, data: dict) -> Movement:
    """Goods received into a store outside a purchase request (a delivery, a gift, opening stock),
    at a unit cost."""
    require(actor, Perm.MANAGE_STORES)
    store = _store(actor, data.get("store_id"))
    item = _item(actor, data.get("item_id"))
    quantity = decimal_in(data.get("quantity"), "quantity")
    unit_cost = decimal_in(data.get("unit_cost"), "unit_cost", allow_zero=True)
    stock = ledger.stock_for(store, item)
    return ledger.post(
        stock,
        kind=MovementKind.RECEIVE,
        quantity=quantity,
        unit_cost=unit_cost,
        actor=actor,
        note=_note(data),
    )


@service
def movement_issue(*, actor, data: dict) -> Movement:
    """Parts taken from a project's store for a repair request (``ticket_id``) or a maintenance task
    (``task_id``) of the same project. Never more than the store holds: the last unit goes to one
    issue, the other is told what is left (422 on ``quantity``)."""
    require(actor, Perm.ISSUE_STORES)
    store = _store(actor, data.get("store_id"))
    if store.project_id is None:
        raise ValidationError({"store_id": _("总仓不直接领用，请先调拨到项目仓库")})
    item = _item(actor, data.get("item_id"))
    quantity = decimal_in(data.get("quantity"), "quantity")
    ticket = task = None
    if data.get("ticket_id"):
        ticket = visible_reference(Ticket, data["ticket_id"], actor, field="ticket_id")
        if ticket.project_id != store.project_id:
            raise ValidationError({"ticket_id": _("维修单不属于该仓库所在项目")})
        if ticket.status in FINAL_STATUSES:
            raise ValidationError({"ticket_id": _("维修单已结束，不能再领料")})
    elif data.get("task_id"):
        task = visible_reference(MaintenanceTask, data["task_id"], actor, field="task_id")
        if task.project_id != store.project_id:
            raise ValidationError({"task_id": _("维保任务不属于该仓库所在项目")})
    else:
        raise ValidationError({"ticket_id": _("请选择领料用于的维修单或维保任务")})
    stock = ledger.stock_for(store, item)
    line = None
    if ticket is not None and stock.on_hand >= quantity:
        # The request's material line, at what the parts leave the store with (the average cost);
        # a short stock below refuses the issue and rolls the line back with it.
        cost = (quantity * stock.avg_cost).quantize(CENT, rounding=ROUND_HALF_UP)
        line = materials.material_add(ticket, name=item.name, quantity=quantity, unit=item.unit, cost=cost)
    movement = ledger.post(
        stock,
        kind=MovementKind.ISSUE,
        quantity=-quantity,
        actor=actor,
        ticket=ticket,
        ticket_material=line,
        task=task,
        note=_note(data),
    )
    raise_for_low_stock(stock)
    return movement


def returned_so_far(issue: Movement) -> Decimal:
    return issue.returns.aggregate(n=Sum("quantity"))["n"] or Decimal("0")


@service
def movement_return(*, actor, data: dict) -> Movement:
    """Unused parts of an issue back into its store, at the cost they left with; the request's
    material line shrinks by as much."""
    require(actor, Perm.ISSUE_STORES)
    issue = visible_reference(Movement, data.get("issue_id"), actor, field="issue_id")
    if issue.kind != MovementKind.ISSUE:
        raise ValidationError({"issue_id": _("只能退回领用出库的物料")})
    quantity = decimal_in(data.get("quantity"), "quantity")
    store = Store.objects.get(pk=issue.store_id)
    stock = ledger.stock_for(store, issue.item)
    left = -issue.quantity - returned_so_far(issue)
    if quantity > left:
        raise ValidationError({"quantity": _("退回数量超过未退数量 %(n)s") % {"n": left.normalize()}})
    movement = ledger.post(
        stock,
        kind=MovementKind.RETURN,
        quantity=quantity,
        unit_cost=issue.unit_cost,
        actor=actor,
        issue=issue,
        ticket_id=issue.ticket_id,
        task_id=issue.task_id,
        note=_note(data),
    )
    if issue.ticket_material_id:
        materials.material_reduce(issue.ticket_material, quantity=quantity, cost=movement.value)
    return movement


@service
def movement_transfer(*, actor, data: dict) -> tuple[Movement, Movement]:
    """Move stock from one store to another of the company (central → project, or between
    projects); it arrives at the cost it left with."""
    require(actor, Perm.MANAGE_STORES)
    source = _store(actor, data.get("store_id"))
    target = _store(actor, data.get("to_store_id"), field="to_store_id")
    if source.pk == target.pk:
        raise ValidationError({"to_store_id": _("调入仓库不能与调出仓库相同")})
    item = _item(actor, data.get("item_id"))
    quantity = decimal_in(data.get("quantity"), "quantity")
    # Lock both rows in one order (by store id) so two opposite transfers cannot deadlock.
    first, second = sorted((source, target), key=lambda s: s.pk)
    stocks = {first.pk: ledger.stock_for(first, item), second.pk: ledger.stock_for(second, item)}
    out = ledger.post(
        stocks[source.pk],
        kind=MovementKind.TRANSFER_OUT,
        quantity=-quantity,
        actor=actor,
        other_store=target,
        note=_note(data),
    )
    into = ledger.post(
        stocks[target.pk],
        kind=MovementKind.TRANSFER_IN,
        quantity=quantity,
        unit_cost=out.unit_cost,
        actor=actor,
        other_store=source,
        note=_note(data),
    )
    raise_for_low_stock(stocks[source.pk])
    return out, into
