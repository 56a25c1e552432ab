from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "guanjia.households"
    label = "households"
    verbose_name = _("业主认证与家庭成员")

    def ready(self):
        from guanjia.households import notices

        notices.register_kinds()
