"""The kinds of notification quality sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("quality.audit_raised", _("品质核查不合格项"), params=("number", "n", "body"))
    register_kind("quality.ca_assigned", _("整改任务下达"), params=("number", "deadline", "body"))
    register_kind("quality.ca_submitted", _("整改已提交待验证"), params=("number", "body"))
    register_kind("quality.ca_rejected", _("整改验证未通过"), params=("number", "reason", "body"))
    register_kind("quality.ca_closed", _("整改验证通过"), params=("number", "body"))
    register_kind("quality.ca_overdue", _("整改超期升级"), params=("step", "number", "deadline"))
