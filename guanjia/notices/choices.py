from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    TIP = "tip", _("温馨提示")
    OUTAGE_WATER = "outage_water", _("停水通知")
    OUTAGE_POWER = "outage_power", _("停电通知")
    OUTAGE_LIFT = "outage_lift", _("电梯停运通知")
    EVENT = "event", _("社区活动")
    EMERGENCY = "emergency", _("紧急声明")
    FEE = "fee", _("收费通知")
    RULES = "rules", _("管理规定")


# Kinds pushed to every addressed household (SMS, WeChat, the bell) as soon as they are published,
# quiet hours or not; the others wait in the portal's list.
URGENT_KINDS = frozenset(
    {NoticeKind.OUTAGE_WATER, NoticeKind.OUTAGE_POWER, NoticeKind.OUTAGE_LIFT, NoticeKind.EMERGENCY}
)
OUTAGE_KINDS = frozenset({NoticeKind.OUTAGE_WATER, NoticeKind.OUTAGE_POWER, NoticeKind.OUTAGE_LIFT})


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("待发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
