from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "guanjia.events"
    label = "events"
    verbose_name = _("社区活动")

    def ready(self) -> None:
        from guanjia.events import kinds, lists

        kinds.register()  # promoted from the waiting list, cancelled, late
        lists.register()  # the events' figures as .xlsx (dataio)
