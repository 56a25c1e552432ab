from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractorsConfig(AppConfig):
    name = "guanjia.contractors"
    label = "contractors"
    verbose_name = _("供应商与外包")

    def ready(self) -> None:
        from guanjia.contractors import answers, exports, kinds
        from guanjia.contractors.models import ContractDocument
        from guanjia.core.media import register_private_files
        from guanjia.dataio.exporting import register_export
        from guanjia.facilities import hooks

        kinds.register()  # expiry reminders, undecided renewals
        register_export(exports.CONTRACTOR_EXPORT)
        register_export(exports.CONTRACT_EXPORT)
        register_private_files("contractors", ContractDocument, ["file"])
        hooks.register_maintainer_source(answers.maintainers)  # the ledger's maintainer
        hooks.register_outsourced_source(answers.outsourced)  # outsourced doers' checker
