from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoverConfig(AppConfig):
    name = "guanjia.handover"
    label = "handover"
    verbose_name = _("收楼交付与接管验收")

    def ready(self) -> None:
        from guanjia.core.media import register_private_files
        from guanjia.handover import escalation, lists
        from guanjia.handover.models import Appointment, InspectionPhoto, Takeover

        escalation.register_kinds()
        lists.register()  # the lists' exports (dataio)
        register_private_files("handover/photos", InspectionPhoto, ["image", "thumbnail"])
        register_private_files("handover/signatures", Appointment, ["signature"])
        register_private_files("handover/signatures", Takeover, ["signature"])
