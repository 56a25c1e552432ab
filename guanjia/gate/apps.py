from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "guanjia.gate"
    label = "gate"
    verbose_name = _("门岗：访客、车辆与门禁")

    def ready(self):
        from guanjia.dataio.exporting import register_export
        from guanjia.estates.hooks import on_occupancy_ended
        from guanjia.gate import exports
        from guanjia.gate.services.cards import revoke_on_move_out

        on_occupancy_ended(revoke_on_move_out)
        for spec in exports.EXPORTS:
            register_export(spec)
