from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "guanjia.dispatch"
    label = "dispatch"
    verbose_name = _("自动派工")

    def ready(self) -> None:
        from guanjia.dispatch import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.dispatch import exports
        from guanjia.dispatch.models import DispatchRule
        from guanjia.dispatch.selectors import who_may_take
        from guanjia.dispatch.services import dispatch_on_received
        from guanjia.tickets import assignees, events

        connect_shared_cache_signals(DispatchRule)
        # A new repair goes to whoever the project's rules name, as the system (after the deadlines).
        events.on_received("dispatch.auto", dispatch_on_received, order=10)
        # The desk's forms offer the request's department first, on duty and least loaded first.
        assignees.provide(who_may_take)
        exports.register()  # the dispatch queue's export (dataio)
