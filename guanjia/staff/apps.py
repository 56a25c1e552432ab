from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "guanjia.staff"
    label = "staff"
    verbose_name = _("员工")

    def ready(self) -> None:
        from guanjia.core.scoping import register_scope_source
        from guanjia.staff import scoping

        register_scope_source("staff", scoping.staff_scope, order=10)
        scoping.connect_scope_signals()

        from guanjia.core.bootstrap import register_company_starter
        from guanjia.staff.onboarding import skills_ensure

        register_company_starter("staff.skills", skills_ensure, order=5)
