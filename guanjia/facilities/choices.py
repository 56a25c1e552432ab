"""Choices of facilities, and the default equipment types and fire-safety plans (seed 000)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EquipmentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在用")
    FAULTY = "faulty", _("故障")
    OUT_OF_SERVICE = "out_of_service", _("停用")
    SCRAPPED = "scrapped", _("报废")


# Items that are not maintained: no new tasks are generated for them.
RETIRED_STATUSES = frozenset({EquipmentStatus.OUT_OF_SERVICE, EquipmentStatus.SCRAPPED})


class FileKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    MANUAL = "manual", _("说明书")
    CERTIFICATE = "certificate", _("合格证/检测报告")
    OTHER = "other", _("其他文件")


class Frequency(models.TextChoices):
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")
    EVERY_N_DAYS = "every_n_days", _("每N天")


# Frequency → months per period (calendar-month arithmetic) or days per period.
MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}
DAYS_PER_PERIOD = {Frequency.DAILY: 1, Frequency.WEEKLY: 7}


class Discipline(models.TextChoices):
    """What kind of planned work a plan is: equipment maintenance or environmental work over areas."""

    MAINTENANCE = "maintenance", _("设备维保")
    CLEANING = "cleaning", _("保洁")
    PEST_CONTROL = "pest_control", _("消杀")
    GREENING = "greening", _("绿化")


# Environmental work is the environment department's unless a plan says otherwise.
ENVIRONMENTAL = frozenset({Discipline.CLEANING, Discipline.PEST_CONTROL, Discipline.GREENING})


class AreaKind(models.TextChoices):
    LOBBY = "lobby", _("大堂")
    STAIRS = "stairs", _("楼梯间")
    CORRIDOR = "corridor", _("走廊")
    LIFT = "lift", _("电梯轿厢")
    GARAGE = "garage", _("地下车库")
    GARDEN = "garden", _("绿地花园")
    BINS = "bins", _("垃圾收集点")
    ROAD = "road", _("道路广场")
    OTHER = "other", _("其他区域")


class CheckResult(models.TextChoices):
    """A supervisor's check of a done task (验收)."""

    PASSED = "passed", _("验收合格")
    REJECTED = "rejected", _("退回返工")


class LineKind(models.TextChoices):
    CHECK = "check", _("检查项")
    READING = "reading", _("读数")


class LineResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待执行")
    IN_PROGRESS = "in_progress", _("执行中")
    DONE = "done", _("已完成")


OPEN_TASK_STATUSES = frozenset({TaskStatus.PENDING, TaskStatus.IN_PROGRESS})


class TaskEscalationStep(models.IntegerChoices):
    OVERDUE = 1, _("逾期：通知责任班组")
    MANAGER = 2, _("逾期一天：通知项目经理")


class RepairEscalationStep(models.IntegerChoices):
    ASSIGNEE = 1, _("整改逾期：通知维修负责人")
    HEADS = 2, _("整改逾期一天：通知工程主管与项目经理")


class CostKind(models.TextChoices):
    RUNNING = "running", _("运行")
    REPAIR = "repair", _("维修")
    REPLACEMENT = "replacement", _("更换")


class RouteKind(models.TextChoices):
    SECURITY_NIGHT = "security_night", _("秩序夜间巡更")
    COMMON_AREA = "common_area", _("管家公区巡查")
    RENOVATION = "renovation", _("装修巡查")
    OTHER = "other", _("其他巡查")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("待巡查")
    IN_PROGRESS = "in_progress", _("巡查中")
    COMPLETED = "completed", _("已完成")
    INCOMPLETE = "incomplete", _("有漏检")


# The type tree every company starts with (top level → children).
DEFAULT_TYPES: dict[str, list[str]] = {
    "消防": [
        "消火栓及水带",
        "灭火器",
        "防火门",
        "疏散指示与应急照明",
        "消防水泵",
        "正压送风与排烟风机",
        "火灾自动报警",
        "自动喷淋",
        "消防水箱水池",
        "气体灭火",
        "消防广播",
        "消防电源",
    ],
    "给排水": ["生活水泵", "污水泵", "水箱"],
    "供配电": ["变压器", "配电柜", "发电机"],
    "电梯": ["客梯", "货梯", "扶梯"],
    "暖通": ["空调机组", "新风机组"],
    "弱电": ["监控", "门禁", "道闸"],
    "公共照明": ["路灯", "楼道灯"],
}

# The fire-safety schedule of seed 000 (消防设施设备的安全管理): key → (name, frequency, window days
# or None for the whole period, checklist). A checklist line is (types, text, expected) or, for a
# reading, (types, text, expected, unit, min, max); ``types`` names the 消防 sub-types the line is
# about, so an extinguisher's weekly task asks about extinguishers only (an item filed under 消防
# itself, kind unknown, still gets every line).
HYDRANT, EXTINGUISHER, FIRE_DOOR, EXIT_LIGHTING = "消火栓及水带", "灭火器", "防火门", "疏散指示与应急照明"
FIRE_PUMP, SMOKE_FANS, FIRE_ALARM, SPRINKLER = "消防水泵", "正压送风与排烟风机", "火灾自动报警", "自动喷淋"
FIRE_TANK, GAS_SUPPRESSION, FIRE_PA, FIRE_POWER = "消防水箱水池", "气体灭火", "消防广播", "消防电源"
FIRE_PLANS: dict[str, tuple] = {
    "fire_weekly": (
        "消防设施每周检查",
        Frequency.WEEKLY,
        None,
        [
            ((HYDRANT,), "检查各处消防栓、消防水管", "配件齐全、无渗漏、水带完好"),
            ((EXTINGUISHER,), "检查各类手提灭火器", "压力在绿区、铅封完好、在有效期内"),
            ((FIRE_DOOR,), "检查防火门", "闭门器正常、门扇关闭严密"),
            ((EXIT_LIGHTING,), "检查安全出口指示灯", "指示灯常亮、方向正确"),
            ((EXIT_LIGHTING,), "检查安全通道应急照明", "断电后应急照明自动点亮"),
        ],
    ),
    "fire_monthly": (
        "消防设施每月检查",
        Frequency.MONTHLY,
        None,
        [
            ((FIRE_PUMP,), "消防加压水泵试启动一次", "启动正常、无异响"),
            ((SMOKE_FANS,), "正压送风、排烟风机试启动一次", "启动正常、风量正常"),
            ((FIRE_ALARM,), "各类信号指示灯", "显示正常"),
            ((FIRE_PUMP,), "消防水压压力表读数", "压力在正常范围", "MPa", "0.10", "1.00"),
            ((FIRE_PUMP,), "消防水泵泵体", "不漏水、不生锈"),
            ((FIRE_POWER,), "消防电源及切换", "供电正常、能及时切换"),
        ],
    ),
    "fire_half_yearly": (
        "消防设施每半年检查",
        Frequency.HALF_YEARLY,
        30,
        [
            ((EXTINGUISHER,), "手提式灭火器有效性", "均在有效期内、压力正常"),
            ((FIRE_ALARM,), "烟感、温感探测器", "报警正常"),
            ((HYDRANT,), "消防水栓放水检查", "出水正常、水压足"),
            ((FIRE_ALARM,), "消防警报按钮、警铃及指示灯", "动作正常"),
            ((FIRE_PA,), "消防广播系统", "播放清晰、分区正确"),
            ((FIRE_ALARM,), "消防控制联动系统试验", "联动正常"),
            ((SPRINKLER,), "自动喷洒系统", "末端试水正常"),
            ((FIRE_TANK,), "消防水箱、水池排水检查", "水位正常、排水通畅"),
            ((GAS_SUPPRESSION,), "气体灭火装置测压", "压力正常", "MPa", "2.00", "5.00"),
        ],
    ),
    # The whole-system run is driven from the fire control room: the alarm and linkage system.
    "fire_yearly": (
        "消防系统年度运行检查（结合消防演习）",
        Frequency.YEARLY,
        30,
        [
            ((FIRE_ALARM,), "结合消防演习对整个消防系统进行运行检查", "系统运行正常"),
            ((FIRE_ALARM,), "各消防设备联动协调运行测试", "联动协调正常"),
        ],
    ),
}
