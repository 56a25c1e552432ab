from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "guanjia.lending"
    label = "lending"
    verbose_name = _("物品借用")

    def ready(self):
        from guanjia.dataio.exporting import register_export
        from guanjia.lending import exports, kinds

        kinds.register()
        register_export(exports.LOAN_EXPORT)
