from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "guanjia.quality"
    label = "quality"
    verbose_name = _("品质核查")

    def ready(self) -> None:
        from guanjia.quality import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.bootstrap import register_company_starter
        from guanjia.quality.services import template_install_default

        register_company_starter("quality.checklist", template_install_default, order=30)

        from guanjia.core.media import register_private_files
        from guanjia.quality.models import QualityPhoto

        register_private_files("quality", QualityPhoto, ["image", "thumbnail"])
