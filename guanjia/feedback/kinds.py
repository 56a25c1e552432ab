"""The kinds of notification feedback sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("feedback.survey", _("满意度调查邀请"), params=("title", "date"))
    register_kind("feedback.card", _("红黄牌"), params=("unit", "deadline", "body"))
    register_kind("feedback.card_overdue", _("黄牌逾期未整改"), params=("unit", "deadline", "body"))
