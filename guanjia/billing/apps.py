from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "guanjia.billing"
    label = "billing"
    verbose_name = _("收费")

    def ready(self) -> None:
        from guanjia.billing import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.billing import exports

        exports.register()  # the bill list's export (dataio)

        from guanjia.billing.models import InvoiceRequest
        from guanjia.billing.services.loops import on_ticket_transition
        from guanjia.core.media import register_private_files
        from guanjia.tickets import events

        # A paid service confirmed on a request becomes a bill; a cancelled request's bill is reversed.
        events.on_transition("billing.ticket_charges", on_ticket_transition, order=80)
        register_private_files("billing/invoices", InvoiceRequest, ["document"])  # 电子发票 PDFs
