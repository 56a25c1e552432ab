"""The catalogue (items), the stores, and each stock's minimum level."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.staff.models import StaffMember
from guanjia.stores.models import Stock, StockItem, Store
from guanjia.stores.services import ledger
from guanjia.stores.services.common import decimal_in
from guanjia.stores.services.purchasing import raise_for_low_stock

ITEM_FIELDS = {"code", "name", "kind", "unit", "spec", "is_active"}


def _clean_item(item: StockItem) -> None:
    item.code = (item.code or "").strip()
    item.name = (item.name or "").strip()
    item.unit = (item.unit or "").strip()


@service
def item_create(*, actor, data: dict) -> StockItem:
    """A new item of the company's catalogue."""
    require(actor, Perm.MANAGE_STORES)
    item = StockItem(company_id=actor.company_id)
    apply_changes(item, {k: v for k, v in data.items() if v is not None}, allowed=ITEM_FIELDS)
    _clean_item(item)
    return save_validated(item)


@service
def item_update(*, actor, item: StockItem, data: dict) -> StockItem:
    require(actor, Perm.MANAGE_STORES)
    item = lock(item)
    apply_changes(item, {k: v for k, v in data.items() if v is not None}, allowed=ITEM_FIELDS)
    _clean_item(item)
    return save_validated(item)


@service
def store_create(*, actor, data: dict) -> Store:
    """A project's store, or (HQ only, no project) the company's central store."""
    require(actor, Perm.MANAGE_STORES)
    project = None
    if data.get("project_id"):
        project = visible_reference(Project, data["project_id"], actor, field="project_id")
    elif not scope_for(actor).is_hq:
        raise NotAllowed(_("总仓只能由总部设立"))
    store = Store(company_id=actor.company_id, project=project, name=str(data.get("name") or "").strip())
    if data.get("keeper_id"):
        store.keeper = visible_reference(StaffMember, data["keeper_id"], actor, field="keeper_id")
    return save_validated(store)


@service
def store_update(*, actor, store: Store, data: dict) -> Store:
    require(actor, Perm.MANAGE_STORES)
    store = lock(store)
    if data.get("name") is not None:
        store.name = str(data["name"]).strip()
    if data.get("is_active") is not None:
        store.is_active = bool(data["is_active"])
    if data.get("keeper_id"):
        store.keeper = visible_reference(StaffMember, data["keeper_id"], actor, field="keeper_id")
    return save_validated(store)


@service
def stock_set_levels(*, actor, data: dict) -> Stock:
    """The minimum level of an item in a store (and how much to ask for when below it). A level
    above what is there raises the purchase request at once."""
    require(actor, Perm.MANAGE_STORES)
    store = visible_reference(Store, data.get("store_id"), actor, field="store_id")
    item = visible_reference(StockItem, data.get("item_id"), actor, field="item_id")
    min_level = decimal_in(data.get("min_level"), "min_level", allow_zero=True)
    reorder = decimal_in(data.get("reorder_quantity") or 0, "reorder_quantity", allow_zero=True)
    if reorder and reorder < min_level:
        raise ValidationError({"reorder_quantity": _("请购数量不应小于最低库存")})
    stock = ledger.stock_for(store, item)
    stock.min_level, stock.reorder_quantity = min_level, reorder
    stock.save(update_fields=["min_level", "reorder_quantity", "updated_at"])
    raise_for_low_stock(stock)
    return stock
