"""The kinds of notification tickets sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("tickets.event", _("工单动态（员工）"), params=("number", "what", "body"))
    register_kind("tickets.progress", _("报修进展（住户）"), params=("number", "what", "body"))
