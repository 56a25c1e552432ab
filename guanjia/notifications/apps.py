from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "guanjia.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from guanjia.core.metrics import register_gauge
        from guanjia.notifications import (
            checks,  # noqa: F401  (registers the SMS configuration check)
            metrics,
        )

        register_gauge(
            "guanjia_notifications_waiting",
            "Push notifications not yet sent (pending, or deferred past quiet hours), by channel.",
            metrics.waiting,
            labels=["channel", "state"],
        )
        register_gauge(
            "guanjia_notifications_oldest_due_seconds",
            "Seconds the oldest notification due for sending has waited since it was due (0: none).",
            metrics.oldest_due,
        )
