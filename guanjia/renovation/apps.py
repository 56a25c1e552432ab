from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationConfig(AppConfig):
    name = "guanjia.renovation"
    label = "renovation"
    verbose_name = _("装修管理")

    def ready(self) -> None:
        from guanjia.core.media import register_private_files
        from guanjia.renovation import lists, notices
        from guanjia.renovation.models import RenovationPlan, ViolationPhoto

        notices.register_kinds()  # one kind of notification per step
        lists.register()  # the renovation list's export (dataio)
        register_private_files("renovation/plans", RenovationPlan, ["file"])
        register_private_files("renovation/violations", ViolationPhoto, ["image", "thumbnail"])
