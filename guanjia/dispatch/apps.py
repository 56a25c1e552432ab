from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "guanjia.dispatch"
    label = "dispatch"
    verbose_name = _("自动派工")

    def ready(self) -> None:
        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.dispatch.models import DispatchRule

        connect_shared_cache_signals(DispatchRule)
