from django.db import models
from django.utils.translation import gettext_lazy as _


class GateKind(models.TextChoices):
    PEDESTRIAN = "pedestrian", _("人行门")
    VEHICLE = "vehicle", _("车行道闸")
    BOTH = "both", _("人车混行")


class PassKind(models.TextChoices):
    INVITED = "invited", _("住户预约")
    WALK_IN = "walk_in", _("门岗登记")


class PassState(models.TextChoices):
    """What a guard sees when a pass is scanned (computed from its times, never stored)."""

    VALID = "valid", _("有效")
    NOT_YET = "not_yet", _("未到时间")
    EXPIRED = "expired", _("已过期")
    INSIDE = "inside", _("已入场")
    USED = "used", _("已使用")
    REVOKED = "revoked", _("已作废")


class SpaceKind(models.TextChoices):
    OWNED = "owned", _("产权车位")
    RENTED = "rented", _("租赁车位")
    TEMPORARY = "temporary", _("临时车位")


class HolderKind(models.TextChoices):
    RESIDENT = "resident", _("住户")
    STAFF = "staff", _("员工")
    CONTRACTOR = "contractor", _("施工人员")


class RevokeReason(models.TextChoices):
    MOVE_OUT = "move_out", _("住户迁出")
    DEPARTURE = "departure", _("员工离职")
    EXPIRY = "expiry", _("有效期届满")
    WORKER_PASS = "worker_pass", _("施工出入证注销")
    MANUAL = "manual", _("手工注销")


class GateLogKind(models.TextChoices):
    VISITOR_IN = "visitor_in", _("访客入场")
    VISITOR_OUT = "visitor_out", _("访客离场")
    VEHICLE_IN = "vehicle_in", _("车辆入场")
    VEHICLE_OUT = "vehicle_out", _("车辆出场")
    CARD = "card", _("刷卡")
    REFUSED = "refused", _("拒绝通行")


class PayMethod(models.TextChoices):
    CASH = "cash", _("现金")
    WECHAT = "wechat", _("微信扫码")
    ALIPAY = "alipay", _("支付宝扫码")
    FREE = "free", _("免费")
