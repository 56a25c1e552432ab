from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstatesConfig(AppConfig):
    name = "guanjia.estates"
    label = "estates"
    verbose_name = _("项目与房产")

    def ready(self):
        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.core.scoping import register_scope_source
        from guanjia.estates import scoping
        from guanjia.estates.models import Occupancy

        connect_shared_cache_signals(Occupancy)
        register_scope_source("resident", scoping.resident_scope, order=20)
        scoping.connect_scope_signals()
