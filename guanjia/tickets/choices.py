from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    HOME_REPAIR = "home_repair", _("户内报修")
    COMMON_REPAIR = "common_repair", _("公区报修")
    COMPLAINT = "complaint", _("投诉")
    INQUIRY = "inquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")
    PATROL = "patrol", _("巡查报事")


REPAIR_KINDS = frozenset({Kind.HOME_REPAIR, Kind.COMMON_REPAIR, Kind.PATROL})
# Kinds whose resident is owed a written first answer before the matter is resolved (seed 003/004).
FEEDBACK_KINDS = frozenset({Kind.COMPLAINT, Kind.INQUIRY})
# Kinds that the desk resolves itself (no technician on site).
DESK_KINDS = frozenset({Kind.COMPLAINT, Kind.INQUIRY, Kind.SUGGESTION, Kind.PRAISE})


class Channel(models.TextChoices):
    FRONT_DESK = "front_desk", _("前台")
    PHONE = "phone", _("电话")
    PORTAL = "portal", _("业主端")
    PATROL = "patrol", _("巡查")
    HQ_CENTER = "hq_center", _("总部24小时服务中心")
    AUDIT = "audit", _("品质核查")
    MAINTENANCE = "maintenance", _("设备维保")
    INCIDENT = "incident", _("突发事件")


class Priority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派工")
    ACCEPTED = "accepted", _("已接单")
    ON_SITE = "on_site", _("已到场")
    COMPLETED = "completed", _("已完工")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已关闭")
    ON_HOLD = "on_hold", _("挂起")
    REWORK = "rework", _("整改中")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = frozenset(set(Status) - {Status.CLOSED, Status.CANCELLED})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


class Action(models.TextChoices):
    CREATE = "create", _("受理")
    DISPATCH = "dispatch", _("派工")
    ACCEPT = "accept", _("接单")
    REJECT = "reject", _("退单")
    ARRIVE = "arrive", _("到场")
    COMPLETE = "complete", _("完工")
    FIRST_FEEDBACK = "first_feedback", _("首次答复")
    FOLLOW_UP = "follow_up", _("回访")
    RATE = "rate", _("业主评价")
    REOPEN = "reopen", _("业主要求返工")
    CLOSE = "close", _("关闭")
    HOLD = "hold", _("挂起")
    RESUME = "resume", _("恢复")
    REASSIGN = "reassign", _("转派")
    ESCALATE = "escalate", _("升级")
    CANCEL = "cancel", _("取消")
    HANDOVER = "handover", _("移交首问")
    COMMENT = "comment", _("备注")
    PHOTO = "photo", _("上传照片")
    CONFIRM_CHARGES = "confirm_charges", _("确认收费")
    REMIND = "remind", _("催办")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("报修照片")
    BEFORE = "before", _("维修前")
    AFTER = "after", _("维修后")
    OTHER = "other", _("其他")


DEFAULT_CATEGORIES = {
    "水电": ["漏水", "停水", "停电", "跳闸", "灯具"],
    "门窗": ["门锁", "窗户", "门禁"],
    "电梯": ["困人", "故障", "异响"],
    "管道疏通": ["马桶", "下水道", "地漏"],
    "保洁": ["垃圾", "楼道卫生", "外墙"],
    "绿化": ["修剪", "病虫害"],
    "噪音": ["装修噪音", "设备噪音", "邻里噪音"],
    "停车": ["车位占用", "道闸"],
    "安全": ["消防", "可疑人员", "高空抛物"],
    "服务态度": [],
    "公共设施": ["健身器材", "路灯", "监控"],
    "其他": [],
}

# Seed 000's paid-service list: (name, price, unit).
DEFAULT_PAID_SERVICES = [
    ("家庭保洁", "40.00", "小时"),
    ("油烟机清洗", "120.00", "台"),
    ("疏通马桶", "80.00", "次"),
    ("疏通下水道", "100.00", "次"),
    ("小家电维修", "50.00", "次"),
    ("更换灯泡", "10.00", "个"),
    ("更换水龙头", "30.00", "个"),
    ("空调清洗", "100.00", "台"),
    ("搬家协助", "200.00", "次"),
    ("代寄快递", "5.00", "件"),
    ("代订报刊", "0.00", "次"),
    ("家电安装", "60.00", "次"),
]
