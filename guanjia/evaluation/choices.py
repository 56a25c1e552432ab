from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardKind(models.TextChoices):
    """Seed 001: 定期组织评选物业"服务之星", 如…之星、微笑大使、技术能手等, 在小区公示."""

    SERVICE_STAR = "service_star", _("服务之星")
    SMILE_AMBASSADOR = "smile_ambassador", _("微笑大使")
    TECHNICAL_EXPERT = "technical_expert", _("技术能手")


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class TrainingResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    ATTENDED = "attended", _("已参加(无考核)")


class RewardKind(models.TextChoices):
    """Seed 000 §人力资源: 奖惩 — a reward (嘉奖) or a penalty (处罚) on a person's record."""

    REWARD = "reward", _("奖励")
    PENALTY = "penalty", _("处罚")


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class EvidenceKind(models.TextChoices):
    """What a reward or penalty rests on: a real record of the same project about the person."""

    COMPLAINT = "complaint", _("投诉工单")
    PRAISE = "praise", _("表扬工单")
    FINDING = "finding", _("品质核查不合格项")
    AWARD = "award", _("服务之星")
    RANKING = "ranking", _("季度排名")


class RewardStep(models.IntegerChoices):
    """The ladder of a proposal nobody decided."""

    MANAGER = 1, _("提醒项目经理")
    HEADQUARTERS = 2, _("上报总部")
