from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstatesConfig(AppConfig):
    name = "guanjia.estates"
    label = "estates"
    verbose_name = _("项目与房产")

    def ready(self):
        from guanjia.estates.selectors import connect_household_signals

        connect_household_signals()
