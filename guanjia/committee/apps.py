from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    name = "guanjia.committee"
    label = "committee"
    verbose_name = _("业委会、业主表决与意见箱")

    def ready(self):
        from guanjia.committee import exports, notices
        from guanjia.committee.models import Ballot, MeetingFile, Suggestion
        from guanjia.core.media import register_private_files
        from guanjia.dataio.exporting import register_export

        notices.register_kinds()
        register_private_files("committee/minutes", MeetingFile, ("file",))
        register_private_files("committee/ballots", Ballot, ("scan",))
        register_private_files("committee/suggestions", Suggestion, ("photo", "thumbnail"))
        register_export(exports.BALLOT_EXPORT)
        register_export(exports.SUGGESTION_EXPORT)
