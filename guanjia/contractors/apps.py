from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractorsConfig(AppConfig):
    name = "guanjia.contractors"
    label = "contractors"
    verbose_name = _("供应商与外包")
