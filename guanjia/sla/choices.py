from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The clocks of a request. Each starts at a stated moment and stops at a stated action."""

    RESPONSE = "response", _("响应(接单)")
    ON_SITE = "on_site", _("到场")
    COMPLETE = "complete", _("完工")
    FEEDBACK = "feedback", _("首次答复")
    FOLLOW_UP = "follow_up", _("回访")


class CalendarKind(models.TextChoices):
    ALWAYS = "always", _("7×24小时")
    BUSINESS = "business", _("工作时间")


# Escalation ladder defaults: % of a stage's allowed time → who is told.
DEFAULT_THRESHOLDS = [80, 100, 150, 200]


class LadderStep(models.IntegerChoices):
    ASSIGNEE = 1, _("处理人")
    DEPARTMENT_HEAD = 2, _("部门主管")
    PROJECT_MANAGER = 3, _("项目经理")
    HQ_CENTER = 4, _("总部24小时服务中心")
