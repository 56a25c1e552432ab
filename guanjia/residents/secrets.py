"""Secrets of residents' sign-in: how they are made, kept (digests only) and blanked once sent.

- Invitation links and SMS codes are stored as ``HMAC-SHA256(SECRET_KEY, value)``: a copy of the
  database does not sign anybody in, and a digest is compared in constant time.
- The code and the link must still travel: they are parameters of the SMS notification's message
  (``Notification.message``), the only place they exist in clear, and only until it is sent. The
  notification's stored text (``subject`` / ``body``) is written with the secret masked at once;
  ``redact_sent`` (every minute, and right after an inline delivery) masks the parameters of every
  such SMS that was sent or failed, and of any still waiting past its secret's validity.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from guanjia.notifications.models import OPEN_STATES, Notification, State

MASK = "******"


def digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def same(value: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(value), stored_digest)


def new_code() -> str:
    """Six digits, uniformly random (leading zeros kept)."""
    return f"{secrets.randbelow(10**6):06d}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def redact_notification(notification_id: int | None, secret_param: str, *, expired: bool = False) -> bool:
    """Mask ``secret_param`` in a sent (or failed, or ``expired``) SMS's message; True when it did."""
    if notification_id is None:
        return True
    row = Notification.objects.filter(pk=notification_id).first()
    if row is None:
        return True
    if row.state in OPEN_STATES and not expired:
        return False  # not sent yet: the provider still needs it
    message = dict(row.message or {})
    changed = False
    for part in ("subject", "body"):
        data = message.get(part)
        if isinstance(data, dict) and secret_param in (data.get("p") or {}):
            message[part] = {**data, "p": {**data["p"], secret_param: MASK}}
            changed = True
    updates = {"message": message} if changed else {}
    if row.state in OPEN_STATES:
        updates.update(state=State.FAILED, last_error="expired before it was sent", updated_at=timezone.now())
    if updates:
        Notification.objects.filter(pk=notification_id).update(**updates)
    return True
