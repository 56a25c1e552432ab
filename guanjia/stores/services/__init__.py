"""Every write of the stores: the catalogue and stores (``catalogue``), the ledger's one write path
(``ledger``), receipts, issues, returns and transfers (``movements``), stock-takes (``stocktakes``)
and purchase requests (``purchasing``)."""

from guanjia.stores.services.catalogue import (  # noqa: F401
    item_create,
    item_update,
    stock_set_levels,
    store_create,
    store_update,
)
from guanjia.stores.services.movements import (  # noqa: F401
    movement_issue,
    movement_receive,
    movement_return,
    movement_transfer,
)
from guanjia.stores.services.policy import policy_set  # noqa: F401
from guanjia.stores.services.purchasing import (  # noqa: F401
    purchase_approve,
    purchase_cancel,
    purchase_create,
    purchase_order,
    purchase_receive,
    purchase_reject,
    raise_for_low_stock,
)
from guanjia.stores.services.stocktakes import (  # noqa: F401
    stocktake_approve,
    stocktake_count,
    stocktake_reject,
    stocktake_start,
    stocktake_submit,
)
