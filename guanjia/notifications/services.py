"""Every notification is created, delivered and read through here.

Other apps call ``notify(...)`` from inside their own services; e-mail goes out after their
transaction commits, on the worker (``tasks.deliver_email``), exactly once per row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.core.services import service
from guanjia.notifications.models import Channel, Notification

logger = logging.getLogger(__name__)

ALL_CHANNELS: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)


def _company_of(related: models.Model | None) -> int | None:
    if related is None:
        return None
    from guanjia.core.models import Company

    if isinstance(related, Company):
        return related.pk
    return getattr(related, "company_id", None)


def _check_url(url: str) -> None:
    # A path inside this site only: the list page redirects to it, so it must never lead elsewhere.
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url):
        raise ValidationError({"url": _("链接必须是站内路径，以 / 开头")})


def notify(
    *,
    recipients: Iterable,
    subject: str,
    body: str,
    url: str = "",
    related: models.Model | None = None,
    dedup_key: str = "",
    channels: Sequence[str] = ALL_CHANNELS,
) -> list[Notification]:
    """Notify each recipient on each channel; return the notifications this call created.

    - Inactive users, users without a company and users of another company than ``related``'s
      are skipped silently (the caller's list may be stale; nothing crosses companies).
    - E-mail only for users with an e-mail address; it is sent after the surrounding
      transaction commits.
    - With a ``dedup_key``, a recipient already notified with that key on a channel is skipped,
      so an event handled twice notifies once.
    """
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise ValidationError({"channels": _("未知的通知渠道：%(c)s") % {"c": ", ".join(sorted(unknown))}})
    _check_url(url)
    company_id = _company_of(related)
    if related is not None and company_id is None:
        raise ValidationError({"related": _("关联对象不属于任何公司")})
    content_type = ContentType.objects.get_for_model(related) if related is not None else None
    now = timezone.now()
    created: list[Notification] = []
    seen: set[int] = set()
    with transaction.atomic():
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active or user.company_id is None:
                continue
            if company_id is not None and user.company_id != company_id:
                continue
            seen.add(user.pk)
            for channel in channels:
                if channel == Channel.EMAIL and not user.email:
                    continue
                values = {
                    "company_id": user.company_id,
                    "subject": subject[:200],
                    "body": body,
                    "url": url,
                    "content_type": content_type,
                    "object_id": related.pk if related is not None else None,
                    # In the console the row itself is the delivery.
                    "sent_at": now if channel == Channel.IN_APP else None,
                }
                if dedup_key:
                    notification, is_new = Notification.objects.get_or_create(
                        recipient=user, channel=channel, dedup_key=dedup_key, defaults=values
                    )
                    if not is_new:
                        continue
                else:
                    notification = Notification.objects.create(recipient=user, channel=channel, **values)
                created.append(notification)
        for notification in created:
            if notification.channel == Channel.EMAIL:
                _schedule_email(notification.pk)
    return created


def _schedule_email(notification_id: int) -> None:
    from guanjia.notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email(notification_id))


def _email_text(notification: Notification) -> str:
    if not notification.url:
        return notification.body
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{notification.body}\n\n{site}{notification.url}"


def deliver_email(*, notification_id: int) -> bool:
    """Send one e-mail notification if it has not been sent; True when this call sent it.

    The row is locked while sending, so two workers running the same job send once. A failure
    counts the attempt and keeps the error; the row stays unsent for a later retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, channel=Channel.EMAIL, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        notification.attempts += 1
        try:
            if not recipient.is_active or not recipient.email:
                raise ValueError("recipient has no active e-mail address")
            send_mail(
                notification.subject,
                _email_text(notification),
                None,
                [recipient.email],
                fail_silently=False,
            )
        except Exception as exc:  # any transport error: recorded on the row, retried later
            notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
            notification.save(update_fields=["attempts", "last_error", "updated_at"])
            logger.warning("notification %s: e-mail not sent: %s", notification.pk, notification.last_error)
            return False
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save(update_fields=["attempts", "last_error", "sent_at", "updated_at"])
        return True


@service
def mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (reading twice keeps the first time)."""
    locked = Notification.objects.visible_to(actor).select_for_update().filter(pk=notification.pk).first()
    if locked is None:
        raise NotFound(_("%(model)s 不存在") % {"model": Notification._meta.verbose_name})
    if locked.read_at is None:
        locked.read_at = timezone.now()
        locked.save(update_fields=["read_at", "updated_at"])
    return locked


@service
def mark_all_read(*, actor) -> int:
    """Mark all of the actor's unread notifications read; how many were."""
    now = timezone.now()
    return Notification.objects.visible_to(actor).unread().update(read_at=now, updated_at=now)


def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()
