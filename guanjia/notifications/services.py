"""Every notification is created, delivered and read through here.

Other apps call ``notify(...)`` from inside their own services. Push messages (e-mail, SMS, WeCom)
are rows of an outbox: after the caller's transaction commits a worker delivers them
(``tasks.deliver_notification``), and a job every minute (``tasks.deliver_due_notifications``)
picks up whatever is due — retries after a failure, messages deferred past quiet hours.
Delivery is exactly-once per row: a row is claimed by a conditional UPDATE before the provider is
called, and the provider is called without holding any database lock.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.core.journal import journal_bulk_create
from guanjia.core.models import Company
from guanjia.core.scoping import scope_for
from guanjia.core.services import service
from guanjia.notifications import channels as backends
from guanjia.notifications import digest as digests
from guanjia.notifications import tasks  # delivery jobs (they call back into deliver)

# Re-exported: binding a WeCom userid / WeChat openid (addresses.py) is a notifications service too.
from guanjia.notifications.addresses import channel_address_clear, channel_address_set  # noqa: F401
from guanjia.notifications.kinds import GENERAL, kind_of
from guanjia.notifications.messages import Message, as_text
from guanjia.notifications.models import OPEN_STATES, PUSH_CHANNELS, Channel, Notification, State
from guanjia.notifications.preferences import disabled_channels
from guanjia.notifications.quiet_hours import next_allowed_time, quiet_windows

logger = logging.getLogger(__name__)

ALL_CHANNELS: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)
EVERY_CHANNEL: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL, Channel.SMS, Channel.WECOM, Channel.WECHAT)

# A worker that claimed a row and died mid-send leaves a stale claim; after this long the row is
# retried (the only case where a message may go out twice: the provider may have accepted it).
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
DEFAULT_MAX_ATTEMPTS = 5


def _now() -> datetime.datetime:
    """The present. One seam, so tests can send at 22:00."""
    return timezone.now()


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4, 8 … minutes, at most an hour.

    The base is ``settings.GUANJIA_NOTIFICATION_RETRY_SECONDS`` (60).
    """
    base = int(getattr(settings, "GUANJIA_NOTIFICATION_RETRY_SECONDS", 60))
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _company_of(related: models.Model | None) -> int | None:
    if related is None:
        return None
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
    subject: Message | Promise | str,
    body: Message | Promise | str,
    url: str = "",
    related: models.Model | None = None,
    dedup_key: str = "",
    channels: Sequence[str] = ALL_CHANNELS,
    urgent: bool = False,
    kind: str = GENERAL,
) -> list[Notification]:
    """Notify each recipient on each channel; return the notifications this call created.

    - Inactive users, users without a company and users of another company than ``related``'s
      are skipped silently (the caller's list may be stale; nothing crosses companies).
    - A channel is skipped for a recipient it cannot reach: e-mail without an address, SMS
      without a phone number (staff or resident record), WeCom for non-staff.
    - In-app rows are delivered at once (the bell shows them immediately, quiet hours or not).
      Push rows are delivered after the surrounding transaction commits — except non-urgent
      messages to residents during quiet hours, which wait (state ``deferred``) until the next
      allowed time. ``urgent=True`` ignores quiet hours. Staff are never deferred.
    - With a ``dedup_key``, a recipient already notified with that key on a channel is skipped,
      so an event handled twice notifies once.
    - ``subject`` and ``body`` are best given as ``Message`` (a ``gettext_lazy`` phrase and its
      parameters): each reader then reads them in their own language. The rows also keep the text
      in the site's language (zh-hans); plain text is kept as it is.
    - ``kind`` names what the message is about (``kinds.register_kind``): channels that need a
      registered template per kind (SMS, WeChat) choose it by this. An unregistered kind is refused.
    - A push channel the recipient turned off (``preferences``) is skipped, and a non-urgent push
      row waits for the recipient's digest (``digest``). Urgent messages (``urgent=True`` or a kind
      registered urgent) ignore both and quiet hours.
    """
    try:
        urgent = urgent or kind_of(kind).urgent
    except LookupError as exc:
        raise ValidationError({"kind": str(exc)}) from None
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise ValidationError({"channels": _("未知的通知渠道：%(c)s") % {"c": ", ".join(sorted(unknown))}})
    _check_url(url)
    company_id = _company_of(related)
    if related is not None and company_id is None:
        raise ValidationError({"related": _("关联对象不属于任何公司")})
    content_type = ContentType.objects.get_for_model(related) if related is not None else None
    subject, subject_message = as_text(subject)
    body, body_message = as_text(body)
    message = {k: v for k, v in (("subject", subject_message), ("body", body_message)) if v}
    project_id = getattr(related, "project_id", None) if related is not None else None
    now = _now()
    windows = None
    refusals: dict[tuple[str, int], str] = {}  # (channel, company) → why it can never be sent
    rows: list[Notification] = []
    seen: set[int] = set()
    recipients = [user for user in recipients if user is not None]
    # Channels people turned off (preferences.py), read once when a push row is first due to be
    # written; urgent messages go on every channel the person has.
    turned_off: set | None = set() if urgent else None
    # No flood (digest.py): a non-urgent push message waits to go with the person's others.
    window = None if urgent else digests.digest_window()
    # Usually called inside the caller's transaction (its rows are its outbox): no savepoint of its own.
    with transaction.atomic(savepoint=False):
        for user in recipients:
            if user.pk in seen or not user.is_active or user.company_id is None:
                continue
            if company_id is not None and user.company_id != company_id:
                continue
            seen.add(user.pk)
            quiet = None  # asked only when a push row is written (the bell's row never waits)
            for channel in channels:
                if channel != Channel.IN_APP:
                    if not backends.address_for(user, channel):
                        continue
                    if turned_off is None:
                        turned_off = disabled_channels(user.pk for user in recipients)
                    if (user.pk, channel) in turned_off:
                        continue
                values = {
                    "company_id": user.company_id,
                    "kind": kind,
                    "project_id": project_id,
                    "subject": subject[:200],
                    "body": body,
                    "message": message,
                    "url": url,
                    "content_type": content_type,
                    "object_id": related.pk if related is not None else None,
                    "deliver_after": now,
                    "max_attempts": int(
                        getattr(settings, "GUANJIA_NOTIFICATION_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
                    ),
                }
                if channel == Channel.IN_APP:
                    # In the console the row itself is the delivery.
                    values.update(state=State.SENT, sent_at=now)
                elif refusal := _refusal(refusals, channel, user.company_id, kind):
                    # Sending can never succeed (an SMS kind without a template): failed now, with why.
                    values.update(state=State.FAILED, last_error=refusal[:500])
                else:
                    if window and channel in digests.DIGEST_CHANNELS:
                        values.update(digest=True, deliver_after=now + window)
                    if quiet is None:
                        quiet = not urgent and scope_for(user).is_resident
                    if quiet:
                        if windows is None:
                            windows = quiet_windows()
                        values["quiet_hours"] = True
                        values["deliver_after"] = next_allowed_time(values["deliver_after"], windows)
                        if values["deliver_after"] > now + (window or datetime.timedelta(0)):
                            values["state"] = State.DEFERRED
                rows.append(Notification(recipient=user, channel=channel, dedup_key=dedup_key, **values))
        created = _insert(rows)
        for notification in created:
            if (
                notification.state == State.PENDING
                and notification.channel in PUSH_CHANNELS
                and not notification.digest
            ):
                _schedule_delivery(notification.pk)
    return created


def _insert(rows: list[Notification]) -> list[Notification]:
    """Write the rows in one statement; those whose dedup key was already used are left out.

    The common case (a new event) is one INSERT in a savepoint. Only when a key was taken (the same
    event handled twice, or two workers at once) are the rows written one by one, skipping the taken.
    """
    if not rows:
        return []
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(rows)
    except IntegrityError:
        created = []
        for row in rows:
            row.pk = None
            row._state.adding = True
            try:
                with transaction.atomic():
                    Notification.objects.bulk_create([row])
            except IntegrityError:
                continue
            created.append(row)
        rows = created
    journal_bulk_create(rows)
    return rows


def _refusal(cache: dict, channel: str, company_id: int, kind: str) -> str:
    key = (channel, company_id)
    if key not in cache:
        cache[key] = backends.backend_for(channel).unsendable(company_id=company_id, kind=kind)
    return cache[key]


def _schedule_delivery(notification_id: int) -> None:
    transaction.on_commit(lambda: tasks.deliver_notification(notification_id))


def _claimable(now: datetime.datetime, *, digest: bool = False):
    """Open push rows due at ``now`` that no live worker holds (digest rows only go in a digest)."""
    return Notification.objects.filter(
        state__in=OPEN_STATES, channel__in=PUSH_CHANNELS, deliver_after__lte=now, digest=digest
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))


def deliver(notification_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Deliver one push notification if it is due and not delivered; True when this call sent it.

    1. Claim: one conditional UPDATE marks the row as being sent (``claimed_at``) and counts the
       attempt. Only one caller can win it; the others return False at once. No lock is held
       afterwards, so a slow provider never blocks the table.
    2. Send through the channel's backend (``channels.backend_for``).
    3. Record: ``sent`` with ``sent_at``; or the error, and either a retry at ``now`` +
       ``retry_delay`` (past quiet hours if they apply) or ``failed`` after ``max_attempts``.
    """
    now = now or _now()
    claim = now
    won = (
        _claimable(now)
        .filter(pk=notification_id)
        .update(claimed_at=claim, attempts=F("attempts") + 1, updated_at=now)
    )
    if not won:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, claimed_at=claim)
    try:
        if not notification.recipient.is_active:
            raise backends.DeliveryError("recipient is inactive")
        receipt = backends.backend_for(notification.channel).send(notification)
    except Exception as exc:  # any backend error: recorded on the row, retried later
        record_failure(notification, exc, now=now, claim=claim)
        return False
    sent_at = timezone.now()
    values = {
        "state": State.SENT,
        "sent_at": sent_at,
        "last_error": "",
        "claimed_at": None,
        "updated_at": sent_at,
    }
    if isinstance(receipt, backends.Receipt):
        values.update(provider_message_id=receipt.message_id[:80], segments=receipt.segments)
    mine.update(**values)
    return True


def record_failure(notification: Notification, exc: Exception, *, now: datetime.datetime, claim) -> None:
    """A failed attempt on a row this worker claimed: the error, and either the next try at ``now``
    + ``retry_delay`` (past quiet hours if they apply) or ``failed`` — after ``max_attempts``, or at
    once when the provider's refusal is permanent (``DeliveryError(permanent=True)``)."""
    error = f"{type(exc).__name__}: {exc}"[:500]
    if getattr(exc, "permanent", False) or notification.attempts >= notification.max_attempts:
        state, retry_at = State.FAILED, notification.deliver_after
    else:
        state, retry_at = State.PENDING, now + retry_delay(notification.attempts)
        if notification.quiet_hours:
            allowed = next_allowed_time(retry_at, quiet_windows())
            state = State.DEFERRED if allowed > retry_at else state
            retry_at = allowed
    Notification.objects.filter(pk=notification.pk, claimed_at=claim).update(
        state=state, last_error=error, deliver_after=retry_at, claimed_at=None, updated_at=timezone.now()
    )
    logger.warning(
        "notification %s (%s): not sent, attempt %s/%s%s: %s",
        notification.pk,
        notification.channel,
        notification.attempts,
        notification.max_attempts,
        " (permanent)" if state == State.FAILED and notification.attempts < notification.max_attempts else "",
        error,
    )


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Deliver every push notification that is due (the per-minute job); how many were sent.

    Safe to run late, twice, or on two workers at once: each row is claimed before it is sent.
    """
    now = now or _now()
    ids = list(_claimable(now).order_by("deliver_after", "id").values_list("pk", flat=True)[:limit])
    return sum(deliver(pk, now=now) for pk in ids) + digests.deliver_digests(now=now)


def deliver_email(*, notification_id: int) -> bool:
    """Backward-compatible name of ``deliver`` (e-mail rows were the first push channel)."""
    return deliver(notification_id)


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
def mark_item_read(*, actor, notification: Notification) -> int:
    """Opening a line of the grouped bell: every unread in-app notification of the actor about the
    same record is read (a notification about nothing: itself); how many were unread."""
    mark_read(actor=actor, notification=notification)
    if notification.object_id is None:
        return 1
    now = timezone.now()
    return 1 + Notification.objects.visible_to(actor).unread().filter(
        content_type_id=notification.content_type_id, object_id=notification.object_id
    ).update(read_at=now, updated_at=now)


@service
def mark_all_read(*, actor) -> int:
    """Mark all of the actor's unread notifications read; how many were."""
    now = timezone.now()
    return Notification.objects.visible_to(actor).unread().update(read_at=now, updated_at=now)


def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()
