"""Residents' accounts: the invitation to the portal, and the one-time codes that sign them in.

A resident (``estates.Resident``) gets a login (``accounts.User``) the first time they are invited
or sign in (``services.resident_account_ensure``). Nothing secret is stored in clear: invitation
links and SMS codes are kept as HMAC-SHA256 digests keyed with ``SECRET_KEY`` (``secrets.digest``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Resident


class InvitationQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        # Like the resident: staff of the project they are registered at, or of a project they live in.
        return self.filter(resident__in=Resident.objects.for_projects(project_ids))


class Invitation(ProjectOwned):
    """The SMS that invites one resident to the portal (业主端邀请), with a one-time activation link.

    One row per resident: sending again (``send_count``) replaces the link — only the newest one
    works — and restarts its validity. ``accepted_at`` is set when the link is used; ``revoked_at``
    when staff withdraw it (inviting again clears it).
    """

    resident = models.OneToOneField(
        Resident, on_delete=models.CASCADE, related_name="invitation", verbose_name=_("住户")
    )
    token_hash = models.CharField(_("链接摘要"), max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("最近发送时间"))
    send_count = models.PositiveIntegerField(_("发送次数"), default=1)
    # Sends on the Shanghai day of ``sent_at`` (the daily limit).
    sends_that_day = models.PositiveSmallIntegerField(_("当日发送次数"), default=1)
    expires_at = models.DateTimeField(_("有效期至"))
    accepted_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("邀请人"),
    )
    # The SMS carrying the link (its text is blanked once sent: see secrets.redact_sent).
    notification_id = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()
    journal_exclude = ("updated_at", "token_hash", "notification_id")

    class Meta:
        verbose_name = _("住户邀请")
        verbose_name_plural = _("住户邀请")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resident_id} ({self.sent_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SignInCode(models.Model):
    """One SMS code sent to a phone number to sign in (登录验证码): 6 digits, valid 5 minutes,
    5 tries. Not a company's record — the number may belong to residents of two companies, or to
    nobody yet (self-registration) — and not journaled: it is sign-in bookkeeping, purged after a day.
    """

    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    client_address = models.CharField(_("请求地址"), max_length=45, blank=True)
    # The outgoing SMS: a notification row for a known number; sent directly for an unknown one.
    notification_id = models.BigIntegerField(null=True, blank=True)
    redacted = models.BooleanField(default=False)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="signin_code_phone_idx"),
            models.Index(
                fields=["created_at"], condition=Q(redacted=False), name="signin_code_unredacted_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%H:%M}"


class Throttle(models.Model):
    """A counter of attempts for one key (``code:phone:139…``, ``code:ip:1.2.3.4``) within a window,
    kept in the database so that every app server counts the same; ``blocked_until`` is a cool-down."""

    key = models.CharField(max_length=120, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录限流")
        verbose_name_plural = _("登录限流")

    def __str__(self) -> str:
        return self.key
