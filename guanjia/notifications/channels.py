"""Delivery channels behind one interface: how a notification leaves the system.

Write a backend by subclassing ``ChannelBackend`` and implementing ``send(notification)``: deliver
the message or raise ``DeliveryError`` (any other exception counts as a failure too). ``send`` is
called outside any database transaction and row lock, at most once per claim of the row; it must
not write to the notification — the outbox records the outcome. See docs/notifications.md.

Settings (dotted paths to a ``ChannelBackend`` subclass):

- ``GUANJIA_SMS_BACKEND`` (default ``guanjia.notifications.channels.LogBackend``; the settings
  accept ``tencent`` and ``aliyun`` for ``guanjia.notifications.sms``'s backends)
- ``GUANJIA_WECOM_BACKEND`` (default ``guanjia.notifications.channels.LogBackend``; the real one
  is ``guanjia.notifications.providers.wecom.WecomBackend``)
- ``GUANJIA_WECHAT_BACKEND`` (default ``LogBackend``; the real one is
  ``guanjia.notifications.providers.wechat.WechatBackend``)
- ``GUANJIA_EMAIL_CHANNEL_BACKEND`` (default ``guanjia.notifications.channels.EmailBackend``,
  which uses Django's ``EMAIL_BACKEND``)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from guanjia.notifications.models import ChannelAddress

logger = logging.getLogger("guanjia.notifications.channels")


class DeliveryError(Exception):
    """The provider refused or could not be reached.

    ``permanent=False`` (a timeout, rate limiting, the provider's 5xx): the outbox retries later with
    backoff. ``permanent=True`` (an invalid number, no balance, a template or signature the provider
    refuses, no template for the kind): retrying cannot help, the row is ``failed`` at once with the
    provider's message. ``code`` is the provider's error code, when it gave one."""

    def __init__(self, message: str, *, permanent: bool = False, code: str = ""):
        super().__init__(message)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class Receipt:
    """What a provider said when it accepted a message: its id for the message (delivery reports
    name it) and how many billed segments it counted (SMS). ``send`` may return one."""

    message_id: str = ""
    segments: int = 0


class ChannelBackend:
    """One way out (SMS gateway, WeCom, mail). Subclasses implement ``send``."""

    channel: str = ""

    def __init__(self, channel: str = ""):
        self.channel = channel or self.channel

    def send(self, notification) -> Receipt | None:
        raise NotImplementedError

    def unsendable(self, *, company_id: int, kind: str) -> str:
        """Why this backend can never send ``kind`` for that company ("" when it can): checked when
        the notification is made, so such a row is ``failed`` at once instead of retried (an SMS
        kind without a template). The default: every kind can be sent."""
        return ""

    # Helpers for backends ---------------------------------------------------------------------

    @staticmethod
    def text_of(notification) -> str:
        """Subject, body and the full link, as one plain text, in the recipient's language."""
        subject, body = notification.text_for()
        parts = [subject]
        if body:
            parts.append(body)
        if notification.url:
            site = getattr(settings, "SITE_URL", "").rstrip("/")
            parts.append(f"{site}{notification.url}")
        return "\n".join(parts)

    @staticmethod
    def address_of(notification) -> str:
        """Where this channel reaches the recipient: see ``address_for``."""
        return address_for(notification.recipient, notification.channel)


def phone_of(user) -> str:
    """The recipient's mobile number: their staff record's, else their resident record's."""
    staff = getattr(user, "staff_member", None) if _has(user, "staff_member") else None
    if staff is not None and staff.deleted_at is None and staff.phone:
        return staff.phone
    resident = getattr(user, "resident", None) if _has(user, "resident") else None
    if resident is not None and resident.deleted_at is None and resident.phone:
        return resident.phone
    return ""


def _has(user, relation: str) -> bool:
    try:
        getattr(user, relation)
    except Exception:  # RelatedObjectDoesNotExist
        return False
    return True


def address_for(user, channel: str) -> str:
    """The recipient's address on a channel, "" when they cannot be reached there.

    WeCom: the staff member's WeCom ``userid`` (``ChannelAddress``, set by an administrator on the
    staff page), never the login name; residents have none. WeChat: the openid a resident bound by
    signing in through the official account.
    """
    if channel == "email":
        return user.email or ""
    if channel == "sms":
        return phone_of(user)
    if channel in ("wecom", "wechat"):
        return channel_address(user, channel)
    return ""


def channel_address(user, channel: str) -> str:
    """The person's own identity on a channel (``ChannelAddress``), "" when none is bound."""
    return (
        ChannelAddress.objects.filter(user_id=user.pk, channel=channel)
        .values_list("address", flat=True)
        .first()
        or ""
    )


class LogBackend(ChannelBackend):
    """Logs the message instead of sending it: the default for SMS and WeCom (demo, tests)."""

    def send(self, notification) -> None:
        address = self.address_of(notification)
        if not address:
            raise DeliveryError(f"no {self.channel} address for user {notification.recipient_id}")
        logger.info(
            "[%s] to %s (notification %s): %s",
            self.channel,
            address,
            notification.pk,
            self.text_of(notification).replace("\n", " | "),
        )


class EmailBackend(ChannelBackend):
    """E-mail through Django's mail framework (``EMAIL_BACKEND``)."""

    def send(self, notification) -> None:
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email:
            raise DeliveryError("recipient has no active e-mail address")
        subject, body = notification.text_for()
        if notification.url:
            site = getattr(settings, "SITE_URL", "").rstrip("/")
            body = f"{body}\n\n{site}{notification.url}"
        try:
            send_mail(subject, body, None, [recipient.email], fail_silently=False)
        except Exception as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


DEFAULT_BACKENDS = {
    "email": ("GUANJIA_EMAIL_CHANNEL_BACKEND", "guanjia.notifications.channels.EmailBackend"),
    "sms": ("GUANJIA_SMS_BACKEND", "guanjia.notifications.channels.LogBackend"),
    "wecom": ("GUANJIA_WECOM_BACKEND", "guanjia.notifications.channels.LogBackend"),
    "wechat": ("GUANJIA_WECHAT_BACKEND", "guanjia.notifications.channels.LogBackend"),
}


def backend_for(channel: str) -> ChannelBackend:
    """The configured backend of a push channel (read from settings on each call)."""
    setting, default = DEFAULT_BACKENDS[channel]
    cls = import_string(getattr(settings, setting, None) or default)
    return cls(channel)
