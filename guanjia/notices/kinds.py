"""The kinds of notification notices sends (notifications.kinds), with the parameters each offers to an
SMS or WeChat template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

URGENT_NOTICE = "notices.urgent"


def register() -> None:
    # Outages and emergency statements: every addressed household, quiet hours or not.
    register_kind(
        URGENT_NOTICE, _("紧急公告（停水停电停梯、紧急声明）"), params=("title", "place"), urgent=True
    )
