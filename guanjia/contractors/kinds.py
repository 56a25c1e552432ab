"""The kinds of notification the contractors app sends (notifications.kinds), with the parameters
each offers to an SMS or WeChat template."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

EXPIRING = "contractors.expiring"
UNDECIDED = "contractors.undecided"


def register() -> None:
    register_kind(EXPIRING, _("合同到期提醒"), params=("number", "title", "contractor", "ends_on", "days"))
    register_kind(
        UNDECIDED, _("合同临近到期未决定续签"), params=("number", "title", "contractor", "ends_on", "step")
    )
