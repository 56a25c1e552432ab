"""The kinds of notification sla sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind(
        "sla.escalation", _("工单时限预警与升级"), params=("level", "number", "stage", "percent", "due")
    )
