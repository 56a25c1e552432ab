from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "guanjia.tickets"
    label = "tickets"
    verbose_name = _("报事报修")

    def ready(self) -> None:
        from guanjia.tickets import exports

        exports.register()  # the request list's export (dataio)
