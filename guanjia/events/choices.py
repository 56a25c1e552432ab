from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunityEventKind(models.TextChoices):
    COMMUNITY = "community", _("社区活动")
    SERVICE_DAY = "service_day", _("便民服务日")
    CULTURE = "culture", _("文体活动")
    HOLIDAY = "holiday", _("节日活动")
    OTHER = "other", _("其他")


class ServiceDayService(models.TextChoices):
    """What a 便民 service day offers at its stalls (seed 001)."""

    KNIFE = "knife", _("磨刀")
    APPLIANCE = "appliance", _("家电维修")
    RECYCLING = "recycling", _("旧物回收")
    HAIRCUT = "haircut", _("义剪")
    HEALTH = "health", _("量血压、义诊")
    CLOTHES = "clothes", _("缝补衣物")
    LOCKS = "locks", _("配钥匙、修锁")


class CommunityEventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    CLOSED = "closed", _("报名截止")
    HELD = "held", _("已举办")
    EVALUATED = "evaluated", _("已总结")
    CANCELLED = "cancelled", _("已取消")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class EventStep(models.IntegerChoices):
    """The ladder of an event past its date that nobody marked held or summed up."""

    ORGANISER = 1, _("提醒组织人")
    MANAGER = 2, _("上报项目经理")


# The life of an event as data: action → (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({CommunityEventStatus.DRAFT}), CommunityEventStatus.PUBLISHED),
    "close": (frozenset({CommunityEventStatus.PUBLISHED}), CommunityEventStatus.CLOSED),
    "held": (
        frozenset({CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED}),
        CommunityEventStatus.HELD,
    ),
    "evaluate": (frozenset({CommunityEventStatus.HELD}), CommunityEventStatus.EVALUATED),
    "cancel": (
        frozenset({CommunityEventStatus.DRAFT, CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED}),
        CommunityEventStatus.CANCELLED,
    ),
}
# Households may still sign up, cancel and be promoted from the waiting list.
OPEN_STATES = frozenset({CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED})
# Residents see the event in the portal.
SHOWN_STATES = frozenset(
    {
        CommunityEventStatus.PUBLISHED,
        CommunityEventStatus.CLOSED,
        CommunityEventStatus.HELD,
        CommunityEventStatus.EVALUATED,
    }
)
# The door takes attendance.
DOOR_STATES = frozenset(
    {CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED, CommunityEventStatus.HELD}
)
# Waiting on the organiser once the event's end passed (held but not summed up counts too).
LATE_STATES = frozenset(
    {CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED, CommunityEventStatus.HELD}
)
ACTIVE_SIGNUP = frozenset({SignupStatus.CONFIRMED, SignupStatus.WAITING})
