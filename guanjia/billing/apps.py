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
