"""Notifications: the outbox of what the system tells one person — in the console (the bell), by
e-mail, SMS or WeCom (企业微信).

One ``Notification`` row per recipient per channel. In-app rows are delivered by being created
(state ``sent``); push rows wait as ``pending`` (or ``deferred`` to the end of a resident's quiet
hours) until ``deliver_after``, are claimed by one worker, sent through the channel's backend, and
end ``sent`` — or ``failed`` after ``max_attempts``. See docs/notifications.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned
from guanjia.core.scoping import ScopedQuerySet, scope_for
from guanjia.notifications.messages import language_for, render


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    WECHAT = "wechat", _("微信公众号")


# Channels delivered by a backend (the in-app row is its own delivery).
PUSH_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.WECOM, Channel.WECHAT})


class State(models.TextChoices):
    PENDING = "pending", _("待发送")
    DEFERRED = "deferred", _("免打扰延后")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Report(models.TextChoices):
    """What the provider's delivery report (SMS status callback) said about a sent message."""

    DELIVERED = "delivered", _("已送达")
    UNDELIVERED = "undelivered", _("未送达")


# Rows the delivery job still has to look at.
OPEN_STATES = (State.PENDING, State.DEFERRED)


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
    # What it is about (kinds.py): the key a channel's registered template is chosen by.
    kind = models.CharField(_("通知类型"), max_length=60, default="general")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # The subject and body as translatable phrases with their parameters ({"subject": {"t": …,
    # "p": {…}}, "body": …}; see messages.py): read in the reader's language. ``subject`` and
    # ``body`` keep the text in the site's language, shown where there is no phrase (older rows).
    message = models.JSONField(_("可翻译的消息"), default=dict, blank=True)
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
    state = models.CharField(_("发送状态"), max_length=10, choices=State.choices, default=State.PENDING)
    deliver_after = models.DateTimeField(_("最早发送时间"), default=timezone.now)
    # Set by the worker that is sending the row right now (see services.deliver).
    claimed_at = models.DateTimeField(_("发送锁定时间"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(_("最多发送次数"), default=5)
    # A non-urgent message to a resident: never delivered inside quiet hours (retries included).
    quiet_hours = models.BooleanField(_("遵守免打扰时段"), default=False)
    # A non-urgent push message: sent with the recipient's other messages of the same window as one
    # digest (digest.py), never on its own by ``deliver``.
    digest = models.BooleanField(_("合并发送"), default=False)
    # The project the related record belongs to (the delivery page per project and month).
    project = models.ForeignKey(
        "estates.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("项目"),
    )
    # What the provider said when it accepted the message: its id (Tencent SerialNo, Aliyun BizId),
    # the billed SMS segments, and later its delivery report (送达回执).
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=80, blank=True)
    segments = models.PositiveSmallIntegerField(_("计费条数"), default=0)
    report = models.CharField(_("送达回执"), max_length=12, choices=Report.choices, blank=True)
    reported_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    report_error = models.CharField(_("回执说明"), max_length=200, blank=True)

    # Reading a notification is not a change anyone audits; the body can be long.
    # Delivery bookkeeping is not either.
    journal_exclude = (
        "updated_at",
        "read_at",
        "body",
        "message",
        "claimed_at",
        "attempts",
        "last_error",
        "state",
        "sent_at",
        "deliver_after",
        "digest",
        "provider_message_id",
        "segments",
        "report",
        "reported_at",
        "report_error",
    )

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
            # The delivery job: open rows by due time (a small partial index; sent rows are not in it).
            models.Index(
                fields=["deliver_after", "channel"],
                condition=Q(state__in=["pending", "deferred"]),
                name="notification_outbox_idx",
            ),
            models.Index(fields=["content_type", "object_id"], name="notification_related_idx"),
            # The delivery page: a company's (or a project's) rows of one month.
            models.Index(fields=["company", "project", "created_at"], name="notification_delivery_idx"),
            # Delivery reports find the row by the provider's id.
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="notification_provider_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient_id} ({self.channel})"

    @property
    def subject_text(self) -> str:
        """The subject in the active language (the reader's), or as stored."""
        return render(self.message.get("subject") if self.message else None, self.subject)

    @property
    def body_text(self) -> str:
        """The body in the active language (the reader's), or as stored."""
        return render(self.message.get("body") if self.message else None, self.body)

    def text_for(self, user=None) -> tuple[str, str]:
        """(subject, body) in the language ``user`` (the recipient by default) reads pushed messages in."""
        with translation.override(language_for(user or self.recipient)):
            return self.subject_text, self.body_text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelAddress(CompanyOwned):
    """Where one person is reached on a channel that has its own identities: a staff member's WeCom
    ``userid`` (set by the administrator; not the login name), a resident's WeChat ``openid`` (bound
    when they sign in through the official account). One address per person and channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_addresses",
        verbose_name=_("账号"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=128)

    class Meta:
        verbose_name = _("通知渠道地址")
        verbose_name_plural = _("通知渠道地址")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="channel_address_one_per_channel"),
            # One WeChat openid / WeCom userid belongs to one person of a company.
            models.UniqueConstraint(fields=["company", "channel", "address"], name="channel_address_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {self.address}"


class ChannelPreference(CompanyOwned):
    """A person's choice to receive (or not) their messages on one push channel: "no SMS, WeChat
    yes". No row means yes. In-app messages cannot be turned off, and urgent messages (the emergency
    chain) go on every channel the person has whatever they chose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_preferences",
        verbose_name=_("账号"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("接收"), default=True)

    class Meta:
        verbose_name = _("通知渠道设置")
        verbose_name_plural = _("通知渠道设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="channel_preference_one_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {'on' if self.enabled else 'off'}"


class WechatTemplate(CompanyOwned):
    """Which WeChat official-account template message carries one kind of notification, and how its
    variables are filled: ``{"thing1": "number", "time2": "due"}`` — template variable → a parameter
    the kind offers (``kinds.Kind.offered``). Set per company by an administrator; the template ids
    come from the company's own official account (mp.weixin.qq.com → 模板消息)."""

    kind = models.CharField(_("通知类型"), max_length=60)
    template_id = models.CharField(_("模板 ID"), max_length=64)
    variables = models.JSONField(_("模板变量"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("微信模板消息")
        verbose_name_plural = _("微信模板消息")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["company", "kind"], name="wechat_template_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_id}"


class SmsSignature(CompanyOwned):
    """The company's SMS signature (短信签名, e.g. 【某某物业】) as registered with the SMS provider:
    every SMS the company sends carries it. One per company."""

    name = models.CharField(
        _("短信签名"), max_length=40, help_text=_("在短信服务商处备案通过的签名，不含【】")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("短信签名")
        verbose_name_plural = _("短信签名")
        constraints = [models.UniqueConstraint(fields=["company"], name="sms_signature_one_per_company")]

    def __str__(self) -> str:
        return self.name


class SmsTemplate(CompanyOwned):
    """The provider's approved SMS template (短信模板) a company uses for one kind of notification:
    its template id and which of the kind's parameters fill its variables, in order (Tencent's
    {1}, {2} …; Aliyun's ${name} by the same names). Without one, that kind cannot go out by SMS."""

    kind = models.CharField(_("通知类型"), max_length=60)
    template_id = models.CharField(_("模板编号"), max_length=64)
    variables = models.JSONField(_("模板变量"), default=list, blank=True)
    # The template's text as approved, for previews and for counting billed segments.
    content = models.TextField(_("模板内容"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="sms_template_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_id}"
