from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergenciesConfig(AppConfig):
    name = "guanjia.emergencies"
    label = "emergencies"
    verbose_name = _("应急管理")

    def ready(self) -> None:
        from guanjia.emergencies import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        # Imported here, not at the top: apps.py is loaded before the models are ready.
        from guanjia.core.roles import Perm
        from guanjia.emergencies.selectors import incidents_for_equipment
        from guanjia.facilities.panels import EquipmentPanel, register_equipment_panel

        # An item's page in the ledger lists the incidents it was involved in. Facilities sits
        # below emergencies, so it cannot ask; emergencies tells it here.
        register_equipment_panel(
            EquipmentPanel(
                name="incidents",
                template="emergencies/_equipment_incidents.html",
                rows=incidents_for_equipment,
                perm=Perm.VIEW_EMERGENCIES,
            )
        )

        from guanjia.core.bootstrap import register_company_starter
        from guanjia.emergencies.services.plans import plans_ensure_defaults

        register_company_starter("emergencies.plans", plans_ensure_defaults, order=40)

        from guanjia.core.media import register_private_files
        from guanjia.emergencies.models import IncidentLog, SupportingDocument

        # An incident's photos, and a project's supporting documents (the plan's PDFs).
        register_private_files("emergencies", IncidentLog, ["image", "thumbnail"])
        register_private_files("emergencies", SupportingDocument, ["file"])
