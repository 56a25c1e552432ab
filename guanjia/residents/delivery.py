"""How a sign-in code reaches the phone, and how secrets leave the outbox once sent.

A number that belongs to a resident gets the code through the notification outbox
(``notify(kind="residents.sms_code", channels=("sms",), urgent=True)``: never held back by quiet
hours, never in the bell — there is no in-app row). A number nobody knows yet (self-registration)
has no login to address a notification to: the code goes straight to the configured SMS backend,
once, and the outcome is kept on the code's row.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from guanjia.core.bulk import run_each
from guanjia.estates.models import Resident
from guanjia.notifications import channels as backends
from guanjia.notifications.messages import Message, as_text
from guanjia.notifications.models import Channel, Notification
from guanjia.notifications.services import notify
from guanjia.residents import secrets
from guanjia.residents.choices import AccountState
from guanjia.residents.models import Invitation, SignInCode, Throttle
from guanjia.residents.selectors import with_account_state
from guanjia.residents.services import keep_secret_out_of_text, resident_account_ensure, resident_invite
from guanjia.residents.signin import CODE_BODY, CODE_KIND, CODE_SUBJECT, code_minutes, residents_with_phone

logger = logging.getLogger(__name__)


def send_code(code_id: int, code: str) -> bool:
    """Hand the code to the outbox (a resident's number) or the SMS backend (an unknown one)."""
    with transaction.atomic():
        row = SignInCode.objects.select_for_update().filter(pk=code_id).first()
        now = timezone.now()
        if row is None or row.notification_id is not None or row.sms_sent_at is not None or row.sms_error:
            return False
        if row.used_at is not None or row.expires_at <= now:
            return False
        params = {"code": code, "minutes": code_minutes()}
        users = [r.user for r in residents_with_phone(row.phone) if r.user_id and r.user.is_active]
        if not users:
            known = residents_with_phone(row.phone)
            users = [resident_account_ensure(known[0])] if known else []
        if users:
            rows = notify(
                recipients=users[:1],
                subject=Message(CODE_SUBJECT),
                body=Message(CODE_BODY, **params),
                channels=(Channel.SMS,),
                urgent=True,
                kind=CODE_KIND,
            )
            row.notification_id = keep_secret_out_of_text(rows, CODE_BODY, params, secret="code")
            row.save(update_fields=["notification_id"])
            return row.notification_id is not None
        row.sms_sent_at = now  # claimed: sent at most once
        row.save(update_fields=["sms_sent_at"])
    try:
        backends.backend_for(Channel.SMS).send(_to_number(row.phone, params))
    except Exception as exc:  # recorded on the row; the person asks for another code
        SignInCode.objects.filter(pk=code_id).update(sms_error=f"{type(exc).__name__}: {exc}"[:300])
        logger.warning("sign-in code %s: SMS not sent: %s", code_id, exc)
        return False
    SignInCode.objects.filter(pk=code_id).update(redacted=True)
    return True


def _to_number(phone: str, params: dict) -> Notification:
    """An SMS to a bare number, in the shape every SMS backend reads (``address_of``: the
    recipient's resident's phone; ``text_for``; ``kind`` and ``message`` for templates). Never saved:
    the number belongs to no company yet, so it goes under the deployment's SMS template and
    signature (``GUANJIA_SMS_DEPLOYMENT_TEMPLATES``); it is not retried (the person asks for another
    code) and not counted on any company's delivery page.
    """
    user = get_user_model()(username="", display_name="")
    user.resident = Resident(phone=phone)
    subject, subject_message = as_text(Message(CODE_SUBJECT))
    body, body_message = as_text(Message(CODE_BODY, **params))
    return Notification(
        recipient=user,
        channel=Channel.SMS,
        kind=CODE_KIND,
        subject=subject,
        body=body,
        message={"subject": subject_message, "body": body_message},
    )


def redact_sent(*, now: datetime.datetime | None = None) -> int:
    """Mask the secrets of SMS already sent (or failed, or outliving their secret); how many."""
    now = now or timezone.now()
    done = 0
    for row in SignInCode.objects.filter(redacted=False, created_at__gte=now - datetime.timedelta(days=1)):
        expired = row.expires_at <= now
        if row.notification_id is None and not expired:
            continue
        if secrets.redact_notification(row.notification_id, "code", expired=expired):
            SignInCode.objects.filter(pk=row.pk).update(redacted=True)
            done += 1
    for invitation in Invitation.objects.filter(notification_id__isnull=False):
        expired = invitation.expires_at <= now or invitation.accepted_at is not None
        if secrets.redact_notification(invitation.notification_id, "link", expired=expired):
            Invitation.objects.filter(pk=invitation.pk).update(notification_id=None)
            done += 1
    day_ago = now - datetime.timedelta(days=1)
    SignInCode.objects.filter(created_at__lt=day_ago).delete()
    # Counters whose longest window (a day) and cool-down are over count nothing any more.
    Throttle.objects.filter(window_start__lt=day_ago).filter(
        Q(blocked_until__isnull=True) | Q(blocked_until__lt=now)
    ).delete()
    return done


def invite_residents(*, actor_id: int, resident_ids: list[int]) -> int:
    """Invite these residents (those not invited yet, or expired) as ``actor``; how many were."""
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return 0
    qs = with_account_state(
        Resident.objects.visible_to(actor).filter(pk__in=resident_ids, deleted_at__isnull=True)
    )
    records = {r.pk: r for r in qs.filter(account_state__in=(AccountState.NOT_INVITED, AccountState.EXPIRED))}
    result = run_each(
        action_label="invite",
        ids=sorted(records),
        records=records,
        label=lambda r: r.name,
        call=lambda r: resident_invite(actor=actor, resident=r),
    )
    return len(result.done)
