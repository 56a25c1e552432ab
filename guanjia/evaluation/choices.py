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
