"""The kinds of notification facilities sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind("facilities.maintenance_overdue", _("维保任务逾期"), params=("plan", "item", "due", "step"))
    register_kind("facilities.repair_overdue", _("设备整改逾期"), params=("item", "no", "due", "step"))
    register_kind("facilities.task_rejected", _("任务验收退回"), params=("plan", "item", "note"))
    register_kind("facilities.patrol_missed", _("巡查漏检"), params=("route", "time", "who", "n", "points"))
