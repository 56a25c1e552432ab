from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "guanjia.sla"
    label = "sla"
    verbose_name = _("时限与升级")

    def ready(self) -> None:
        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy

        connect_shared_cache_signals(SlaPolicy, Calendar, CalendarDay)
