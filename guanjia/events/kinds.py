"""The kinds of notification events sends (notifications.kinds), with the parameters each offers to an
SMS or WeChat template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

PROMOTED = "events.promoted"
CANCELLED = "events.cancelled"
OVERDUE = "events.overdue"


def register() -> None:
    register_kind(PROMOTED, _("活动候补转为正式报名"), params=("title", "when", "people"))
    register_kind(CANCELLED, _("活动取消通知"), params=("title", "when", "reason"))
    register_kind(OVERDUE, _("活动结束后未确认举办或未总结"), params=("title", "when", "step"))
