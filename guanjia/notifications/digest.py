"""No flood: a person's non-urgent push messages go as one digest per channel per window.

A project manager on the escalation ladder of a busy estate used to get a WeCom message (and an
SMS, and an e-mail) for every step of every late request — a hundred in an afternoon. Now
``notify`` marks each non-urgent push row ``digest`` and lets it wait up to the window
(``GUANJIA_NOTIFICATION_DIGEST_MINUTES``, 15). When the oldest waiting row of a person and channel
is due, the per-minute job sends **one** message listing every waiting item (one line per record,
with what is late and its link) and marks all those rows ``sent``. A window with one item sends
that message as it is. Urgent messages never wait.

Exactly once, as ``services.deliver``: each row of a digest is claimed by a conditional UPDATE
before the provider is called, so a job run twice or on two consumers sends one digest, and a row
goes in one digest only. A failure is recorded on every row of the digest (retried with backoff,
together again); a permanent refusal fails them all.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from guanjia.notifications import channels as backends
from guanjia.notifications import services
from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message, as_text, language_for
from guanjia.notifications.models import OPEN_STATES, PUSH_CHANNELS, Notification, State

DIGEST_KIND = register_kind("notifications.digest", gettext_lazy("通知汇总"), params=("count", "items"))
# Channels that carry free text. SMS and WeChat carry only a provider-approved template per kind
# (sms/, providers/wechat.py), so their messages go one by one; SMS goes only for the kinds a
# company chose (GUANJIA_SMS_KINDS) and urgent ones, which is its own guard against a flood.
DIGEST_CHANNELS = frozenset({"email", "wecom"})
# Lines in one digest; the rest are counted, and the link opens the whole list.
MAX_LINES = 20


def digest_window() -> datetime.timedelta:
    """How long a non-urgent push message may wait for others (0: no digest)."""
    minutes = int(getattr(settings, "GUANJIA_NOTIFICATION_DIGEST_MINUTES", 15) or 0)
    return datetime.timedelta(minutes=max(minutes, 0))


def deliver_digests(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Send the digest of every person and channel whose oldest waiting row is due; how many rows
    were delivered. Safe to run late, twice or on two workers at once."""
    now = now or services._now()
    due = (
        services._claimable(now, digest=True)
        .order_by("recipient_id", "channel")
        .values_list("recipient_id", "channel")
        .distinct()[:limit]
    )
    return sum(deliver_digest(recipient_id=r, channel=c, now=now) for r, c in list(due))


def _waiting(now: datetime.datetime, horizon: datetime.datetime):
    """Open digest rows due by ``horizon`` that no live worker holds at ``now``."""
    return Notification.objects.filter(
        state__in=OPEN_STATES, channel__in=PUSH_CHANNELS, digest=True, deliver_after__lte=horizon
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - services.CLAIM_TIMEOUT))


def deliver_digest(*, recipient_id: int, channel: str, now: datetime.datetime) -> int:
    """One digest to one person on one channel: every waiting row of theirs there (up to a window
    ahead, so rows that arrived since the oldest are not held back for another window)."""
    claim = now
    horizon = now + digest_window()
    # The person's rows are claimed together, in one transaction: two workers racing for the same
    # person must not each win a share and send two half digests. On PostgreSQL the loser skips the
    # rows the winner holds (and then finds them claimed); SQLite runs one writer at a time.
    with transaction.atomic():
        candidates = list(
            _waiting(now, horizon)
            .filter(recipient_id=recipient_id, channel=channel)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not candidates:
            return 0
        won = (
            _waiting(now, horizon)
            .filter(pk__in=candidates)
            .update(claimed_at=claim, attempts=F("attempts") + 1, updated_at=now)
        )
    if not won:
        return 0
    rows = list(
        Notification.objects.filter(pk__in=candidates, claimed_at=claim)
        .select_related("recipient")
        .order_by("created_at", "id")
    )
    try:
        if not rows[0].recipient.is_active:
            raise backends.DeliveryError("recipient is inactive")
        message = rows[0] if len(rows) == 1 else compose(rows)
        backends.backend_for(channel).send(message)
    except Exception as exc:  # recorded on every row of the digest, retried together
        for row in rows:
            services.record_failure(row, exc, now=now, claim=claim)
        return 0
    sent_at = timezone.now()
    return Notification.objects.filter(pk__in=[r.pk for r in rows], claimed_at=claim).update(
        state=State.SENT, sent_at=sent_at, last_error="", claimed_at=None, updated_at=sent_at
    )


def compose(rows: list[Notification]) -> Notification:
    """The digest of ``rows`` (one person, one channel) as an unsaved notification in the person's
    language: "您有 N 条新通知", then one line per record — the newest message about it, how many
    there were, its link — newest record first. It links to the notification list."""
    first = rows[0]
    recipient = first.recipient
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    language = language_for(recipient)
    items: dict[tuple, list[Notification]] = {}
    for row in rows:
        key = (row.content_type_id, row.object_id) if row.object_id is not None else ("row", row.pk)
        items.setdefault(key, []).append(row)
    groups = sorted(items.values(), key=lambda group: (group[-1].created_at, group[-1].pk), reverse=True)
    lines = []
    with translation.override(language):
        for group in groups[:MAX_LINES]:
            latest = group[-1]
            subject, _body = latest.text_for(recipient)
            line = f"• {subject}"
            if len(group) > 1:
                line += " " + gettext("（共 %(n)s 条）") % {"n": len(group)}
            if latest.url:
                line += f"\n  {site}{latest.url}"
            lines.append(line)
        if len(groups) > MAX_LINES:
            lines.append(gettext("……另有 %(n)s 项，请在通知列表查看") % {"n": len(groups) - MAX_LINES})
    subject, subject_message = as_text(
        Message(gettext_lazy("您有 %(count)s 条新通知"), count=len(rows)), language=language
    )
    body, body_message = as_text(Message("%(items)s", items="\n".join(lines)), language=language)
    # Not saved: it carries the first row's id (a provider's idempotency key) and company.
    return Notification(
        pk=first.pk,
        company_id=first.company_id,
        recipient=recipient,
        channel=first.channel,
        kind=DIGEST_KIND.key,
        subject=subject[:200],
        body=body,
        message={"subject": subject_message, "body": body_message},
        url="/notifications/",
    )
