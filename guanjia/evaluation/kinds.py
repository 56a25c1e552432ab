"""The kinds of notification staff evaluation sends (notifications.kinds), with the parameters each
offers to an SMS or WeChat template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

REWARD_PROPOSED = "evaluation.reward_proposed"
REWARD_DECIDED = "evaluation.reward_decided"
REWARD_OVERDUE = "evaluation.reward_overdue"


def register() -> None:
    register_kind(REWARD_PROPOSED, _("奖惩待审批"), params=("proposer", "name", "kind", "reason"))
    register_kind(REWARD_DECIDED, _("奖惩审批结果"), params=("name", "kind", "reason", "status", "note"))
    register_kind(REWARD_OVERDUE, _("奖惩审批超期"), params=("name", "kind", "days", "step"))
