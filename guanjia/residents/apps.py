from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "guanjia.residents"
    label = "residents"
    verbose_name = _("住户账号")

    def ready(self):
        from guanjia.residents import hooks

        hooks.register()
