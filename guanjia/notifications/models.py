"""Notifications: what the system tells one person, in the console (the bell) or by e-mail.

One ``Notification`` row per recipient per channel. A later outbox (SMS, WeCom, retries, quiet
hours) adds channels and a scheduler on top of the same rows: ``sent_at`` null means "still to
deliver", ``attempts`` and ``last_error`` say how delivery went.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned
from guanjia.core.scoping import ScopedQuerySet, scope_for


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("电子邮件")


class NotificationQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A notification is private: everybody, administrators included, sees only their own."""
        scope = scope_for(user)
        if scope.company_id is None:
            return self.none()
        return self.filter(company_id=scope.company_id, recipient_id=user.pk)

    def unread(self):
        return self.filter(channel=Channel.IN_APP, read_at__isnull=True)


class Notification(CompanyOwned):
    """One message to one person through one channel: "工单 #42 已派给您", with a link to the record.

    ``dedup_key`` (e.g. ``ticket:42:dispatched:3``) makes sending idempotent: the same event
    notifies the same person on the same channel at most once, however often the caller runs.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内路径，如 /tickets/42/"))
    content_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("关联对象类型"),
    )
    object_id = models.PositiveBigIntegerField(_("关联对象编号"), null=True, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    dedup_key = models.CharField(_("去重键"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    # Reading a notification is not a change anyone audits; the body can be long.
    journal_exclude = ("updated_at", "read_at", "body")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="notification_dedup_key_unique",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_bell_idx"),
            models.Index(fields=["channel", "sent_at"], name="notification_delivery_idx"),
            models.Index(fields=["content_type", "object_id"], name="notification_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient_id} ({self.channel})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
