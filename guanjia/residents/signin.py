"""Signing in with a phone number and a one-time SMS code (短信验证码登录), on the portal and the API.

1. ``code_request``: the number is checked for format (422 naming ``phone``), the limits per number
   and per client address are counted in the database (``Throttle``: the same on every app server),
   and a code is made: six random digits, kept as a digest, valid ``RESIDENT_SMS_CODE_MINUTES`` (5).
   The SMS is sent by a job after commit (``tasks.send_sign_in_code``), so the answer and the work
   done while answering are the same whether the number has an account or not (no enumeration).
2. ``code_check``: the newest open code of the number is compared in constant time. A wrong code
   counts a try; the fifth burns the code and cools the number down (``RESIDENT_SMS_COOLDOWN_MINUTES``).
3. ``sign_in_resolve``: who the number is — one resident (their login, made on first need), residents
   in several companies (the person chooses), or nobody yet (``mark_phone_verified``: the
   self-registration page ``portal_join`` may then trust the number for 30 minutes).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import DomainError, NotAllowed
from guanjia.core.phones import mask_phone, normalise_phone
from guanjia.estates.models import Resident
from guanjia.residents import secrets
from guanjia.residents.models import SignInCode, Throttle
from guanjia.residents.services import resident_account_ensure

CODE_KIND = "residents.sms_code"
CODE_SUBJECT = gettext_lazy("登录验证码")
CODE_BODY = gettext_lazy("您的登录验证码是%(code)s，%(minutes)s分钟内有效。如非本人操作，请忽略本短信。")
VERIFIED_KEY = "residents_verified_phone"
VERIFIED_MINUTES = 30
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CODE = re.compile(r"^\d{6}$")


class TooMany(DomainError):
    """Too many codes or tries: 429, saying when to try again."""

    status_code = 429


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_minutes() -> int:
    return _setting("RESIDENT_SMS_CODE_MINUTES", 5)


def code_tries() -> int:
    return _setting("RESIDENT_SMS_CODE_TRIES", 5)


def cooldown_minutes() -> int:
    return _setting("RESIDENT_SMS_COOLDOWN_MINUTES", 15)


# (key prefix, how many, within) — codes asked for one number and from one client address.
def _code_limits() -> list[tuple[str, int, datetime.timedelta]]:
    return [
        ("code:phone:1m", 1, datetime.timedelta(seconds=_setting("RESIDENT_SMS_CODE_GAP_SECONDS", 60))),
        ("code:phone:1h", _setting("RESIDENT_SMS_CODES_PER_HOUR", 5), datetime.timedelta(hours=1)),
        ("code:phone:1d", _setting("RESIDENT_SMS_CODES_PER_DAY", 10), datetime.timedelta(days=1)),
    ]


def phone_of(raw: str) -> str:
    """A mobile number, normalised (``+86 139-0000-1111`` → ``13900001111``); 422 on ``phone`` else."""
    try:
        phone = normalise_phone(raw)
    except ValidationError:
        phone = ""
    if not _MOBILE.match(phone):
        raise ValidationError({"phone": _("请输入正确的11位手机号")})
    return phone


def _wait_text(until: datetime.datetime, now: datetime.datetime) -> str:
    seconds = max(1, int((until - now).total_seconds()))
    if seconds < 120:
        return _("%(n)s 秒") % {"n": seconds}
    return _("%(n)s 分钟") % {"n": (seconds + 59) // 60}


def _hit(key: str, *, limit: int, window: datetime.timedelta, now) -> datetime.datetime | None:
    """Count one attempt against ``key``; None when allowed, else when the window frees up."""
    with transaction.atomic():
        row, _created = Throttle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_start": now, "count": 0}
        )
        if row.window_start <= now - window:
            row.window_start, row.count = now, 0
        if row.count >= limit:
            return row.window_start + window
        row.count += 1
        row.save(update_fields=["window_start", "count"])
        return None


def _cooling(phone: str, now) -> datetime.datetime | None:
    until = Throttle.objects.filter(key=f"cool:{phone}").values_list("blocked_until", flat=True).first()
    return until if until is not None and until > now else None


def _refuse_if_cooling(phone: str, now) -> None:
    if until := _cooling(phone, now):
        raise TooMany(_("验证码错误次数过多，请 %(wait)s后再试") % {"wait": _wait_text(until, now)})


def code_request(*, phone: str, client_address: str | None) -> tuple[SignInCode, str]:
    """Make and send a code for ``phone``; the row and the masked number for the answer.

    Raises 422 (``phone``) on a malformed number and ``TooMany`` (429) past a limit. The answer is
    the same for every well-formed number: whether it has an account is decided by the job.
    """
    phone = phone_of(phone)
    now = timezone.now()
    _refuse_if_cooling(phone, now)
    ip_limit = _setting("RESIDENT_SMS_CODES_PER_ADDRESS_HOUR", 30)
    if client_address and (
        until := _hit(
            f"code:ip:{client_address}", limit=ip_limit, window=datetime.timedelta(hours=1), now=now
        )
    ):
        raise TooMany(_("请求验证码过于频繁，请 %(wait)s后再试") % {"wait": _wait_text(until, now)})
    for prefix, limit, window in _code_limits():
        if until := _hit(f"{prefix}:{phone}", limit=limit, window=window, now=now):
            raise TooMany(_("获取验证码过于频繁，请 %(wait)s后再试") % {"wait": _wait_text(until, now)})
    code = secrets.new_code()
    with transaction.atomic():
        # Only the newest code of a number works.
        SignInCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        row = SignInCode.objects.create(
            phone=phone,
            code_hash=secrets.digest(f"{phone}:{code}"),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=code_minutes()),
            client_address=client_address or "",
        )
        from guanjia.residents import tasks  # the job module imports this one

        transaction.on_commit(lambda: tasks.send_sign_in_code(row.pk, code))
    return row, mask_phone(phone)


def code_check(*, phone: str, code: str, client_address: str | None) -> tuple[str, SignInCode]:
    """The number, normalised, and its open code that ``code`` matches (not consumed yet).

    422 on ``phone`` / ``code`` (malformed, wrong — with the tries left — or expired); 429 while
    the number cools down or when this try was the last one.
    """
    phone = phone_of(phone)
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": _("请输入短信中的6位验证码")})
    now = timezone.now()
    _refuse_if_cooling(phone, now)
    if client_address and (
        until := _hit(
            f"check:ip:{client_address}",
            limit=_setting("RESIDENT_SMS_CHECKS_PER_ADDRESS_HOUR", 60),
            window=datetime.timedelta(hours=1),
            now=now,
        )
    ):
        raise TooMany(_("尝试过于频繁，请 %(wait)s后再试") % {"wait": _wait_text(until, now)})
    with transaction.atomic():
        row = (
            SignInCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            outcome = "missing"
        elif secrets.same(f"{phone}:{code}", row.code_hash):
            outcome = "ok"
        else:
            row.attempts += 1
            outcome = "wrong"
            if row.attempts >= code_tries():
                row.used_at = now
                outcome = "burned"
                until = now + datetime.timedelta(minutes=cooldown_minutes())
                Throttle.objects.update_or_create(
                    key=f"cool:{phone}", defaults={"window_start": now, "count": 0, "blocked_until": until}
                )
            row.save(update_fields=["attempts", "used_at"])
    if outcome == "missing":
        raise ValidationError({"code": _("验证码错误或已过期，请重新获取")})
    if outcome == "burned":
        raise TooMany(
            _("验证码错误次数过多，请 %(wait)s后再试")
            % {"wait": _wait_text(now + datetime.timedelta(minutes=cooldown_minutes()), now)}
        )
    if outcome == "wrong":
        left = code_tries() - row.attempts
        raise ValidationError({"code": _("验证码错误，还可尝试 %(n)s 次") % {"n": left}})
    return phone, row


def code_consume(row: SignInCode) -> None:
    """A code signs in once."""
    won = SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not won:
        raise ValidationError({"code": _("验证码错误或已过期，请重新获取")})


@dataclass
class SignIn:
    """Who a verified number is: ``user`` (signed in), ``choices`` (residents of several companies:
    the person chooses), or neither (``phone`` is known to nobody yet)."""

    phone: str
    user: object | None = None
    choices: list[Resident] = field(default_factory=list)


def residents_with_phone(phone: str) -> list[Resident]:
    """The residents with this number, one per company (the sign-in asks across companies: the
    number is all the person has given; only a verified number ever reaches this)."""
    return list(
        Resident.objects.filter(phone=phone, deleted_at__isnull=True)
        .select_related("company", "user")
        .order_by("company__name", "pk")
    )


def sign_in_resolve(
    *, phone: str, row: SignInCode, company_id: int | None = None, consume_when_choosing=True
) -> SignIn:
    """After ``code_check``: sign in the number's resident, consuming the code."""
    residents = residents_with_phone(phone)
    if company_id is not None:
        chosen = [r for r in residents if r.company_id == company_id]
        if not chosen:
            raise ValidationError({"company_id": _("请选择此号码登记所在的物业公司")})
        residents = chosen
    if len(residents) > 1:
        if consume_when_choosing:
            code_consume(row)
        return SignIn(phone=phone, choices=residents)
    code_consume(row)
    if not residents:
        return SignIn(phone=phone)
    return SignIn(phone=phone, user=account_for_sign_in(residents[0]))


def account_for_sign_in(resident: Resident):
    user = resident_account_ensure(resident)
    if not user.is_active:
        raise NotAllowed(_("账号已停用，请联系物业服务中心"))
    update_last_login(None, user)  # the resident is active from now on (the API signs in without login())
    return user


# Self-registration: a verified number nobody knows yet --------------------------------------------


def mark_phone_verified(request, phone: str) -> None:
    """Remember in the session that this person proved they hold ``phone`` (normalised, e.g.
    ``13900001111``); ``verified_phone`` trusts it for 30 minutes."""
    request.session[VERIFIED_KEY] = {"phone": phone, "verified_at": timezone.now().isoformat()}


def verified_phone(request) -> str | None:
    """The number this session proved by SMS code in the last 30 minutes, else None."""
    data = request.session.get(VERIFIED_KEY)
    if not isinstance(data, dict):
        return None
    try:
        at = datetime.datetime.fromisoformat(data["verified_at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - at > datetime.timedelta(minutes=VERIFIED_MINUTES):
        return None
    return data.get("phone") or None
