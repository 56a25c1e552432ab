"""What the services of events share: the clock seam, the actor's right to run an event, the people of
a household to tell, and the codes shown as QR."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotFound
from guanjia.core.scoping import require
from guanjia.estates.models import Occupancy
from guanjia.events.choices import TRANSITIONS
from guanjia.events.models import Event, EventSignup

# No 0/O, 1/I: typed at the door from a phone screen when the camera will not read the code.
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_LENGTH = 12  # 60 bits: not guessable by trying


def _now() -> datetime.datetime:
    """The present: one seam for tests and the demo."""
    return timezone.now()


def new_token() -> str:
    while True:
        token = "".join(secrets.choice(TOKEN_ALPHABET) for _i in range(TOKEN_LENGTH))
        if not EventSignup.objects.filter(token=token).exists():
            return token


def clean_token(value) -> str:
    return "".join(ch for ch in str(value or "").upper() if ch in TOKEN_ALPHABET)[:TOKEN_LENGTH]


def in_scope(actor, event: Event, perm: str) -> None:
    """The actor holds ``perm`` and sees the event (out of scope is the same 404 as missing)."""
    require(actor, perm)
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise NotFound(_("社区活动 不存在"))


def check_transition(event: Event, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if event.status not in sources:
        raise Conflict(_("活动当前状态为「%(s)s」，不能执行此操作") % {"s": event.get_status_display()})
    return target


def household_users(unit_ids) -> list:
    """The accounts of everybody living now in these units (whom a household's news reaches)."""
    occupancies = (
        Occupancy.objects.current()
        .filter(unit_id__in=list(unit_ids), resident__user__isnull=False, resident__deleted_at__isnull=True)
        .select_related("resident__user")
        .order_by("resident__user_id")
    )
    seen, users = set(), []
    for occupancy in occupancies:
        user = occupancy.resident.user
        if user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    return users


def when(event: Event) -> str:
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    same_day = start.date() == end.date()
    return (
        f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
        if same_day
        else f"{start:%Y-%m-%d %H:%M} ~ {end:%Y-%m-%d %H:%M}"
    )
