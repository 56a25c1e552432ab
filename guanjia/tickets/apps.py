from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "guanjia.tickets"
    label = "tickets"
    verbose_name = _("报事报修")

    def ready(self) -> None:
        from guanjia.tickets import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.bootstrap import register_company_starter
        from guanjia.tickets.defaults import company_defaults_ensure

        # What every company starts with (manage.py create_company runs every app's starter).
        register_company_starter("tickets.categories", company_defaults_ensure, order=10)

        from guanjia.tickets import exports

        exports.register()  # the request list's export (dataio)

        from guanjia.core.media import register_private_files
        from guanjia.tickets.models import TicketPhoto

        # A request's photos, to whoever sees the request (its reporter in the portal too).
        register_private_files("tickets", TicketPhoto, ["image", "thumbnail"])
