"""The stock list and the ledger as files (``/data/export/stores-stock.xlsx`` and
``stores-movements.xlsx`` with the page's filters, and the API's ``/exports/…``)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec
from guanjia.stores.api import MovementFilter, StockFilter
from guanjia.stores.models import Movement, Stock


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


STOCK_EXPORT = ExportSpec(
    "stores-stock",
    gettext_lazy("库存"),
    Stock,
    StockFilter,
    Perm.VIEW_STORES,
    [
        (gettext_lazy("仓库"), lambda s: s.store.name),
        (gettext_lazy("物料编码"), lambda s: s.item.code),
        (gettext_lazy("物料名称"), lambda s: s.item.name),
        (gettext_lazy("单位"), lambda s: s.item.unit),
        (gettext_lazy("库存数量"), lambda s: s.on_hand),
        (gettext_lazy("加权平均单价"), lambda s: s.avg_cost),
        (gettext_lazy("库存金额"), lambda s: s.value),
        (gettext_lazy("最低库存"), lambda s: s.min_level),
        (gettext_lazy("低于最低库存"), lambda s: "✓" if s.below_min else ""),
    ],
    select_related=("store", "item"),
)

MOVEMENT_EXPORT = ExportSpec(
    "stores-movements",
    gettext_lazy("出入库记录"),
    Movement,
    MovementFilter,
    Perm.VIEW_STORES,
    [
        (gettext_lazy("时间"), lambda m: _when(m.moved_at)),
        (gettext_lazy("仓库"), lambda m: m.store.name),
        (gettext_lazy("类型"), lambda m: m.get_kind_display()),
        (gettext_lazy("物料编码"), lambda m: m.item.code),
        (gettext_lazy("物料名称"), lambda m: m.item.name),
        (gettext_lazy("数量"), lambda m: m.quantity),
        (gettext_lazy("单价"), lambda m: m.unit_cost),
        (gettext_lazy("金额"), lambda m: m.value),
        (gettext_lazy("结存"), lambda m: m.on_hand_after),
        (gettext_lazy("维修单"), lambda m: m.ticket.number if m.ticket_id else ""),
        (gettext_lazy("维保任务"), lambda m: m.task_id or ""),
        (gettext_lazy("经办人"), lambda m: m.moved_by.display_name if m.moved_by_id else ""),
        (gettext_lazy("说明"), lambda m: m.note),
    ],
    select_related=("store", "item", "ticket", "moved_by"),
)
