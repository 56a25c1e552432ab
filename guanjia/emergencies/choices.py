from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    FIRE = "fire", _("火警火灾")
    CRIME = "crime", _("治安、刑事事件")
    VEHICLE = "vehicle", _("车辆事故")
    POWER_CUT = "power_cut", _("停电事故")
    WATER_CUT = "water_cut", _("停水事故")
    LIFT = "lift", _("电梯困人")
    WEATHER = "weather", _("恶劣天气")
    HEALTH = "health", _("公共卫生事件")


class Position(models.TextChoices):
    """A place in a project's command post (指挥部). Plans name positions; people fill them."""

    COMMANDER = "commander", _("总指挥（项目总经理）")
    DEPUTY = "deputy", _("副总指挥/现场负责人")
    CONTROL_ROOM = "control_room", _("中控室（指挥中心）")
    FIRE_FIGHTING = "fire_fighting", _("灭火组")
    CORDON = "cordon", _("警戒组")
    RESCUE = "rescue", _("抢救组")
    EVACUATION = "evacuation", _("疏散组")
    TECHNICAL = "technical", _("技术组")
    ONSITE = "onsite", _("现场处置组")
    SECURITY_CORDON = "security_cordon", _("安全警戒组")
    TECH_SUPPORT = "tech_support", _("技术支持组")
    EVAC_AFTERMATH = "evac_aftermath", _("疏散善后组")
    SECURITY_DEPT = "security_dept", _("保卫部")
    ENGINEERING_DEPT = "engineering_dept", _("工程部")
    SERVICE_DEPT = "service_dept", _("客服部")


GROUPS = [
    Position.FIRE_FIGHTING,
    Position.CORDON,
    Position.RESCUE,
    Position.EVACUATION,
    Position.TECHNICAL,
    Position.ONSITE,
    Position.SECURITY_CORDON,
    Position.TECH_SUPPORT,
    Position.EVAC_AFTERMATH,
]
DEPARTMENTS = [Position.SECURITY_DEPT, Position.ENGINEERING_DEPT, Position.SERVICE_DEPT]

# The order of the notification chain: control room → supervisors (group leaders) → department
# heads and deputies → the project GM. Everyone is called at once; the tier orders the list.
TIER = {
    Position.CONTROL_ROOM: 1,
    **dict.fromkeys(GROUPS, 2),
    Position.DEPUTY: 3,
    **dict.fromkeys(DEPARTMENTS, 3),
    Position.COMMANDER: 4,
}


class Tier(models.IntegerChoices):
    CONTROL_ROOM = 1, _("中控室")
    SUPERVISORS = 2, _("主管/组长")
    HEADS = 3, _("部门负责人")
    GM = 4, _("项目总经理")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("处置中")
    AFTERMATH = "aftermath", _("善后中")
    CLOSED = "closed", _("已关闭")


class CommandHolder(models.TextChoices):
    CONTROL_ROOM = "control_room", _("中控室代行指挥")
    COMMANDER = "commander", _("项目总经理指挥")


class CallResult(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("联系不上")
    DECLINED = "declined", _("拒绝回访")


class LogKind(models.TextChoices):
    OPENED = "opened", _("启动")
    NOTE = "note", _("记录")
    PHOTO = "photo", _("照片")
    EVIDENCE = "evidence", _("取证照片")
    ACK = "ack", _("已响应")
    CHECK = "check", _("完成职责")
    LEVEL = "level", _("级别变更")
    HANDOVER = "handover", _("指挥权交接")
    RECALL = "recall", _("再次呼叫")
    AFTERMATH = "aftermath", _("转入善后")
    CALL = "call", _("回访")
    REPORT = "report", _("事件报告")
    STATEMENT = "statement", _("对外发布")
    TICKET = "ticket", _("关联工单")
    EQUIPMENT = "equipment", _("关联设备")
    EVALUATION = "evaluation", _("演练评估")
    CLOSED = "closed", _("关闭")


class DocumentKind(models.TextChoices):
    EVACUATION = "evacuation", _("紧急疏散方案")
    VALVES = "valves", _("重要阀门、电闸位置")
    SPARE_KEYS = "spare_keys", _("备用钥匙启用程序")
    PROTECTED_AREAS = "protected_areas", _("重点防护区域")
    CONTACTS = "contacts", _("住户紧急电话联系表")
    ORGANISATION = "organisation", _("组织架构与人员名单")
    OTHER = "other", _("其他")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
