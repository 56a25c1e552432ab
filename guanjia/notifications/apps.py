from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "guanjia.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from guanjia.notifications import checks  # noqa: F401  (registers the SMS configuration check)
