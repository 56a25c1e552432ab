"""The kinds of notification the stores send (notifications.kinds)."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

WAITING = "stores.purchase_waiting"
OVERDUE = "stores.purchase_overdue"
DECIDED = "stores.purchase_decided"


def register() -> None:
    register_kind(WAITING, _("采购申请待审批"), params=("item", "store", "amount"))
    register_kind(OVERDUE, _("采购申请超期未审批"), params=("item", "store", "amount", "step"))
    register_kind(DECIDED, _("采购申请审批结果"), params=("item", "store", "status"))
