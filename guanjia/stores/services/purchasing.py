"""Purchase requests (请购 → 审批 → 下单 → 到货): raised by a stock level falling below its minimum
(once: at most one open request per store and item, a partial unique constraint), from a repair
request or by hand; approved by amount (the project manager; above the company's limit then HQ;
never by the person who asked); rejected with a reason; ordered from a supplier of the company's
register (``contractors.Contractor`` with ``supplies_goods``); received into the store in parts,
each receipt a ledger movement at the order price (which moves the average cost)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.contractors.models import Contractor
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for, user_can
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember
from guanjia.stores import kinds
from guanjia.stores.choices import (
    OPEN_PURCHASE,
    WAITING_APPROVAL,
    MovementKind,
    PurchaseSource,
    PurchaseStatus,
)
from guanjia.stores.models import PurchaseRequest, Stock, StockItem, Store
from guanjia.stores.services import ledger
from guanjia.stores.services.common import CENT, decimal_in, now, policy_for
from guanjia.tickets.models import Ticket


def approvers(purchase: PurchaseRequest) -> list:
    """Who decides the request at its stage: the project's managers, else the company's HQ
    approvers (administrators)."""
    members = StaffMember.objects.filter(company_id=purchase.company_id, deleted_at__isnull=True)
    if purchase.status == PurchaseStatus.PENDING_PM and purchase.project_id:
        members = members.filter(projects=purchase.project_id).with_role(Role.PROJECT_MANAGER)
    else:
        members = members.with_role(Role.COMPANY_ADMIN)
    return [m.user for m in members.select_related("user").distinct() if m.user_id]


def _announce_waiting(purchase: PurchaseRequest) -> None:
    notify(
        recipients=approvers(purchase),
        subject=Message(gettext_lazy("采购申请待审批：%(item)s"), item=purchase.item.name),
        body=Message(
            gettext_lazy("%(store)s 申请采购 %(item)s，预估金额 %(amount)s 元，请审批。"),
            store=purchase.store.name,
            item=purchase.item.name,
            amount=str(purchase.amount),
        ),
        url=reverse("stores:purchase", args=[purchase.pk]),
        related=purchase,
        dedup_key=f"stores-purchase-{purchase.pk}-{purchase.status}",
        kind=kinds.WAITING,
    )


def _start_stage(purchase: PurchaseRequest, status: str) -> None:
    purchase.status = status
    purchase.due_at = now() + datetime.timedelta(hours=policy_for(purchase.company_id).approval_hours)
    purchase.escalation_step = 0


def _new(*, store: Store, item: StockItem, quantity, unit_price, source, actor=None, ticket=None, reason=""):
    purchase = PurchaseRequest(
        company_id=store.company_id,
        project_id=store.project_id,
        store=store,
        item=item,
        source=source,
        ticket=ticket,
        quantity=quantity,
        unit_price=unit_price,
        amount=(quantity * unit_price).quantize(CENT),
        reason=reason[:200],
        raised_by=actor,
        raised_at=now(),
    )
    # The central store has no project manager: its requests go to HQ at once.
    _start_stage(
        purchase, PurchaseStatus.PENDING_HQ if store.project_id is None else PurchaseStatus.PENDING_PM
    )
    return purchase


def raise_for_low_stock(stock: Stock) -> PurchaseRequest | None:
    """After stock went down: below its minimum and no request open for it → one request, to
    bring it back to the reorder quantity (twice the minimum when none is set). Called inside the
    movement's transaction; the partial unique constraint makes a concurrent second one a no-op."""
    stock.refresh_from_db(fields=["on_hand", "min_level", "reorder_quantity", "avg_cost"])
    if not stock.below_min:
        return None
    if PurchaseRequest.objects.filter(
        store_id=stock.store_id, item_id=stock.item_id, status__in=OPEN_PURCHASE
    ).exists():
        return None
    quantity = stock.reorder_quantity or (stock.min_level * 2 - stock.on_hand)
    store = Store.objects.get(pk=stock.store_id)
    item = StockItem.objects.get(pk=stock.item_id)
    purchase = _new(
        store=store,
        item=item,
        quantity=quantity.quantize(CENT),
        unit_price=stock.avg_cost.quantize(CENT),
        source=PurchaseSource.LOW_STOCK,
        reason=_("库存 %(n)s 低于最低库存 %(min)s")
        % {"n": stock.on_hand.normalize(), "min": stock.min_level.normalize()},
    )
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:
        return None
    _announce_waiting(purchase)
    return purchase


@service
def purchase_create(*, actor, data: dict) -> PurchaseRequest:
    """A request by hand, or for a repair request that lacks a part (``ticket_id``)."""
    if not (user_can(actor, Perm.ISSUE_STORES) or user_can(actor, Perm.MANAGE_STORES)):
        raise NotAllowed(_("没有请购权限"))
    store = visible_reference(Store, data.get("store_id"), actor, field="store_id")
    item = visible_reference(StockItem, data.get("item_id"), actor, field="item_id")
    quantity = decimal_in(data.get("quantity"), "quantity")
    ticket = None
    if data.get("ticket_id"):
        ticket = visible_reference(Ticket, data["ticket_id"], actor, field="ticket_id")
        if ticket.project_id != store.project_id:
            raise ValidationError({"ticket_id": _("维修单不属于该仓库所在项目")})
    price = data.get("unit_price")
    if price in (None, ""):
        stock = Stock.objects.filter(store=store, item=item).first()
        if stock is None or not stock.avg_cost:
            raise ValidationError({"unit_price": _("请填写预估单价")})
        unit_price = stock.avg_cost.quantize(CENT)
    else:
        unit_price = decimal_in(price, "unit_price", allow_zero=True)
    purchase = _new(
        store=store,
        item=item,
        quantity=quantity,
        unit_price=unit_price,
        source=PurchaseSource.TICKET if ticket else PurchaseSource.MANUAL,
        actor=actor,
        ticket=ticket,
        reason=str(data.get("reason") or "").strip(),
    )
    save_validated(purchase)
    _announce_waiting(purchase)
    return purchase


def _locked(purchase: PurchaseRequest) -> PurchaseRequest:
    purchase = lock(purchase)
    purchase.item = StockItem.objects.get(pk=purchase.item_id)
    purchase.store = Store.objects.get(pk=purchase.store_id)
    return purchase


def _check_approver(actor, purchase: PurchaseRequest) -> None:
    if purchase.status == PurchaseStatus.PENDING_PM:
        require(actor, Perm.APPROVE_PURCHASE)
    elif purchase.status == PurchaseStatus.PENDING_HQ:
        require(actor, Perm.APPROVE_PURCHASE_HQ)
        if not scope_for(actor).is_hq:
            raise NotAllowed(_("超出项目经理限额的采购须由总部审批"))
    else:
        raise Conflict(
            _("该采购申请当前为“%(status)s”，不能审批") % {"status": purchase.get_status_display()}
        )
    if purchase.raised_by_id is not None and purchase.raised_by_id == actor.pk:
        raise NotAllowed(_("不能审批自己提交的采购申请"))


@service
def purchase_approve(*, actor, purchase: PurchaseRequest) -> PurchaseRequest:
    """Approve at the current stage. The project manager's approval finishes a request up to the
    company's limit; above it the request goes on to HQ (someone other than the manager)."""
    purchase = _locked(purchase)
    _check_approver(actor, purchase)
    at = now()
    if purchase.status == PurchaseStatus.PENDING_PM:
        purchase.pm_approved_by, purchase.pm_approved_at = actor, at
        if purchase.amount > policy_for(purchase.company_id).pm_limit:
            _start_stage(purchase, PurchaseStatus.PENDING_HQ)
            purchase.save()
            _announce_waiting(purchase)
            return purchase
    else:
        if purchase.pm_approved_by_id == actor.pk:
            raise NotAllowed(_("总部审批须由项目经理以外的人完成"))
        purchase.hq_approved_by, purchase.hq_approved_at = actor, at
    purchase.status = PurchaseStatus.APPROVED
    purchase.due_at = None
    purchase.save()
    return purchase


@service
def purchase_reject(*, actor, purchase: PurchaseRequest, reason: str) -> PurchaseRequest:
    """Refuse with a reason; the stock level may raise a new request with the next movement."""
    purchase = _locked(purchase)
    _check_approver(actor, purchase)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写驳回原因")})
    purchase.status = PurchaseStatus.REJECTED
    purchase.rejected_by, purchase.rejected_at = actor, now()
    purchase.rejection_reason = reason[:200]
    purchase.due_at = None
    purchase.save()
    return purchase


@service
def purchase_order(*, actor, purchase: PurchaseRequest, supplier_id, unit_price=None) -> PurchaseRequest:
    """Place the approved request with a supplier of the register at an agreed unit price."""
    require(actor, Perm.MANAGE_STORES)
    purchase = _locked(purchase)
    if purchase.status != PurchaseStatus.APPROVED:
        raise Conflict(_("只有已批准的采购申请可以下单"))
    supplier = visible_reference(Contractor, supplier_id, actor, field="supplier_id")
    if not (supplier.supplies_goods and supplier.is_active):
        raise ValidationError({"supplier_id": _("“%(name)s”不是合作中的供应商") % {"name": supplier.name}})
    price = (
        purchase.unit_price
        if unit_price in (None, "")
        else decimal_in(unit_price, "unit_price", allow_zero=True)
    )
    purchase.supplier = supplier
    purchase.order_price = price
    purchase.ordered_by, purchase.ordered_at = actor, now()
    purchase.status = PurchaseStatus.ORDERED
    purchase.save()
    return purchase


@service
def purchase_receive(*, actor, purchase: PurchaseRequest, quantity) -> PurchaseRequest:
    """Goods of an order arrived (all or part): into the request's store at the order price."""
    require(actor, Perm.MANAGE_STORES)
    purchase = _locked(purchase)
    if purchase.status != PurchaseStatus.ORDERED:
        raise Conflict(_("只有已下单的采购可以收货"))
    quantity = decimal_in(quantity, "quantity")
    if quantity > purchase.outstanding:
        raise ValidationError(
            {"quantity": _("到货数量超过未到数量 %(n)s") % {"n": purchase.outstanding.normalize()}}
        )
    stock = ledger.stock_for(purchase.store, purchase.item)
    ledger.post(
        stock,
        kind=MovementKind.RECEIVE,
        quantity=quantity,
        unit_cost=Decimal(purchase.order_price),
        actor=actor,
        purchase=purchase,
        note=_("采购到货 %(supplier)s")
        % {"supplier": purchase.supplier.name if purchase.supplier_id else ""},
    )
    purchase.received_quantity += quantity
    if purchase.received_quantity == purchase.quantity:
        purchase.status = PurchaseStatus.RECEIVED
    purchase.save()
    return purchase


@service
def purchase_cancel(*, actor, purchase: PurchaseRequest) -> PurchaseRequest:
    """Withdraw a request not yet ordered (the asker or the store's manager)."""
    purchase = _locked(purchase)
    if purchase.raised_by_id != actor.pk:
        require(actor, Perm.MANAGE_STORES)
    if purchase.status not in (*WAITING_APPROVAL, PurchaseStatus.APPROVED):
        raise Conflict(_("该采购申请已下单或已结束，不能取消"))
    purchase.status = PurchaseStatus.CANCELLED
    purchase.due_at = None
    purchase.save()
    return purchase
