from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "guanjia.notices"
    label = "notices"
    verbose_name = _("公告与管家名片")

    def ready(self):
        from guanjia.core.media import register_private_files
        from guanjia.dataio.exporting import register_export
        from guanjia.notices import exports, kinds
        from guanjia.notices.models import NoticeAttachment, ServiceCard

        kinds.register()
        register_private_files("notices", NoticeAttachment, ("file",))
        register_private_files("cards", ServiceCard, ("photo", "thumbnail"))
        register_export(exports.UNREAD_EXPORT)
