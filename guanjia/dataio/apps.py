from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "guanjia.dataio"
    label = "dataio"
    verbose_name = _("导入与导出")

    def ready(self) -> None:
        from guanjia.core.media import register_private_files
        from guanjia.dataio.models import ImportJob

        # An uploaded spreadsheet, to those who may see its import job.
        register_private_files("imports", ImportJob, ["file"])
