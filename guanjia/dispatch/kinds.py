"""The kinds of notification dispatch sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("dispatch.urgent", _("紧急工单派单"), params=("number", "body"))
