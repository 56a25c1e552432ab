"""The phone number a visitor proved by SMS code, as the sign-in left it in the session.

# TODO(lead): use guanjia.residents.signin.verified_phone(request) — this reads the same session
# key (``residents_verified_phone``: the normalised number and when it was proved, valid 30 minutes).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

SESSION_KEY = "residents_verified_phone"
VALID_FOR = datetime.timedelta(minutes=30)


def verified_phone(request) -> str | None:
    """The verified number, or None when there is none or it is older than 30 minutes."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not data.get("phone"):
        return None
    when = parse_datetime(str(data.get("verified_at") or ""))
    if when is None:
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when, datetime.UTC)
    if timezone.now() - when > VALID_FOR:
        return None
    return str(data["phone"])
