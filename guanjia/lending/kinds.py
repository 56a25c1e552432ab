"""The kinds of notification the lending register sends (notifications.kinds)."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("lending.overdue", _("借用物品逾期提醒"), params=("item", "quantity", "due", "project"))
