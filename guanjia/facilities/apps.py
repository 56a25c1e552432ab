from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "guanjia.facilities"
    label = "facilities"
    verbose_name = _("设备与巡查")

    def ready(self) -> None:
        from guanjia.facilities import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.bootstrap import register_company_starter
        from guanjia.facilities.services.ledger import types_ensure

        register_company_starter("facilities.equipment_types", types_ensure, order=30)
