from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "guanjia.sla"
    label = "sla"
    verbose_name = _("时限与升级")

    def ready(self) -> None:
        from guanjia.sla import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.cache import connect_shared_cache_signals
        from guanjia.sla import services
        from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
        from guanjia.tickets import clocks, events

        connect_shared_cache_signals(SlaPolicy, Calendar, CalendarDay)
        # The deadlines react to every transition of a request, and answer the request lists'
        # questions about them ("is it late?"): tickets sits below and never calls this app.
        events.on_transition("sla.deadlines", services.deadlines_on_transition, order=10)
        clocks.provide(
            clocks.ClockQueries(
                overdue_q=services.overdue_q,
                overdue_exists=services.overdue_exists,
                due_within_q=services.due_within_q,
                deadlines_for=services.deadlines_for,
                next_due=services.next_due,
            )
        )

        from guanjia.core.bootstrap import register_company_starter

        register_company_starter("sla.calendar_and_policies", services.sla_defaults_ensure, order=20)

        from guanjia.core.notices import register_console_notice
        from guanjia.sla import calendar_year

        register_console_notice("sla.next_year_calendar", calendar_year.next_year_calendar_notice)

        from guanjia.core.metrics import register_gauge
        from guanjia.sla import metrics

        register_gauge(
            "guanjia_deadlines_overdue",
            "Running deadlines (stage clocks) past their due time now, by stage.",
            metrics.overdue,
            labels=["stage"],
        )
        register_gauge(
            "guanjia_deadlines_most_overdue_seconds",
            "Seconds the most overdue running deadline is past its due time (0: none late).",
            metrics.most_overdue,
        )
