from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "guanjia.stores"
    label = "stores"
    verbose_name = _("物料仓库与采购")

    def ready(self):
        from guanjia.dataio.exporting import register_export
        from guanjia.stores import exports, hooks, kinds

        kinds.register()
        register_export(exports.STOCK_EXPORT)
        register_export(exports.MOVEMENT_EXPORT)
        hooks.register()
