from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "guanjia.payments"
    label = "payments"
    verbose_name = _("线上支付")

    def ready(self) -> None:
        from guanjia.billing import hooks
        from guanjia.payments.services import orders, refunds

        # An approved refund of an online payment goes back through the gateway it came from.
        hooks.on_refund_approved(refunds.refund_on_approval)
        # The cashier is warned before taking cash for a bill an open online order holds.
        hooks.on_held_online(orders.bills_held)
