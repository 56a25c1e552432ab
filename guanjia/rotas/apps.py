from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotasConfig(AppConfig):
    name = "guanjia.rotas"
    label = "rotas"
    verbose_name = _("排班与考勤")

    def ready(self):
        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.dataio.exporting import register_export
        from guanjia.rotas import duty, exports, kinds
        from guanjia.rotas.models import Post
        from guanjia.staff.services import register_duty_source

        connect_shared_cache_signals(Post)
        kinds.register()
        register_export(exports.ATTENDANCE_EXPORT)
        # staff.services.on_duty asks the rota first (staff sits below rotas: a hook, not an import).
        register_duty_source(duty.on_duty_from_rota)
