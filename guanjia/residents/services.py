"""Residents' accounts and invitations: every write goes through here.

``resident_account_ensure`` gives a resident their login; ``resident_invite`` sends the invitation
SMS (rate limited, journaled); ``residents_invite_bulk`` invites everyone not yet invited in a
building or a project; ``invitation_accept`` is the activation link; ``invitation_revoke``
withdraws a link. See docs/residents.md.
"""

from __future__ import annotations

import datetime
import secrets as pysecrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.bulk import BULK_MAX, BulkResult, Unchanged, run_each
from guanjia.core.context import acting_as
from guanjia.core.errors import Conflict, NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, service
from guanjia.estates.models import Building, Project, Resident
from guanjia.estates.selectors import resident_in_building, resident_in_project
from guanjia.notifications.messages import Message, as_text
from guanjia.notifications.models import Channel, Notification
from guanjia.notifications.services import notify
from guanjia.residents import secrets
from guanjia.residents.choices import AccountState
from guanjia.residents.models import Invitation
from guanjia.residents.selectors import with_account_state

INVITATION_KIND = "residents.invitation"
INVITATION_SUBJECT = gettext_lazy("%(company)s邀请您开通业主服务")
INVITATION_BODY = gettext_lazy("%(name)s您好，请在%(hours)s小时内打开链接激活业主服务账号：%(link)s")


def invitation_hours() -> int:
    return int(getattr(settings, "RESIDENT_INVITATION_HOURS", 72))


def resend_minutes() -> int:
    return int(getattr(settings, "RESIDENT_INVITATION_RESEND_MINUTES", 10))


def daily_max() -> int:
    return int(getattr(settings, "RESIDENT_INVITATION_DAILY_MAX", 3))


def resident_account_ensure(resident: Resident):
    """The resident's login, created on first need: one per resident, in the resident's company,
    with no usable password (SMS codes and the activation link sign in; a password is optional)
    and a random user name (never derived from the phone number)."""
    with transaction.atomic():
        locked = (
            Resident._base_manager.select_for_update(of=("self",)).select_related("user").get(pk=resident.pk)
        )
        if locked.deleted_at is not None:
            raise NotFound(_("住户不存在"))
        if locked.user_id is None:
            user = get_user_model()(
                username=f"r_{pysecrets.token_hex(8)}",
                company_id=locked.company_id,
                display_name=locked.name,
            )
            user.set_unusable_password()
            user.save()
            locked.user = user
            locked.save(update_fields=["user", "updated_at"])
        resident.user = locked.user
        return locked.user


def _visible_resident(actor, resident: Resident) -> Resident:
    found = Resident.objects.visible_to(actor).filter(pk=resident.pk, deleted_at__isnull=True).exists()
    if not found:
        raise NotFound(_("住户不存在"))
    return lock(resident)


@service
def resident_invite(*, actor, resident: Resident) -> Invitation:
    """Send (or send again) the invitation SMS with a new one-time activation link.

    Refused: a resident out of the actor's scope (404), one already active (409, a bulk skips it),
    a second send within ``RESIDENT_INVITATION_RESEND_MINUTES`` or more than
    ``RESIDENT_INVITATION_DAILY_MAX`` sends on one day (409 naming when to try again).
    """
    require(actor, Perm.CHANGE_RESIDENTS)
    return invitation_issue(sent_by=actor, resident=_visible_resident(actor, resident))


def invitation_issue(*, sent_by, resident: Resident) -> Invitation:
    """The invitation itself, for a caller that has already decided ``sent_by`` may invite this
    resident: ``resident_invite`` (staff, in scope) and an owner inviting their household
    (``households.services.member_invite``). Same limits and refusals as ``resident_invite``."""
    actor = sent_by
    resident = lock(resident)
    invitation = Invitation.objects.select_for_update().filter(resident=resident).first()
    if invitation is not None and invitation.accepted_at is not None:
        raise Unchanged(_("%(name)s 已激活业主服务账号，无需邀请") % {"name": resident.name})
    user = resident_account_ensure(resident)
    if user.last_login is not None:
        raise Unchanged(_("%(name)s 已激活业主服务账号，无需邀请") % {"name": resident.name})
    if not user.is_active:
        raise Conflict(_("%(name)s 的账号已停用，不能邀请") % {"name": resident.name})
    now = timezone.now()
    today = timezone.localdate(now)
    sends_today = 0
    if invitation is not None:
        wait = invitation.sent_at + datetime.timedelta(minutes=resend_minutes()) - now
        if invitation.revoked_at is None and wait > datetime.timedelta(0):
            raise Conflict(
                _("邀请短信刚刚发送过，请 %(minutes)s 分钟后再重发")
                % {"minutes": max(1, int(wait.total_seconds() // 60) + 1)}
            )
        if timezone.localdate(invitation.sent_at) == today:
            sends_today = invitation.sends_that_day
        if sends_today >= daily_max():
            raise Conflict(_("今天已向该住户发送 %(n)s 次邀请，请明天再试") % {"n": sends_today})
    token = secrets.new_token()
    values = {
        "token_hash": secrets.digest(token),
        "sent_at": now,
        "expires_at": now + datetime.timedelta(hours=invitation_hours()),
        "sent_by": actor,
        "revoked_at": None,
        "sends_that_day": sends_today + 1,
    }
    if invitation is None:
        invitation = Invitation.objects.create(
            company_id=resident.company_id, project_id=resident.project_id, resident=resident, **values
        )
    else:
        for key, value in values.items():
            setattr(invitation, key, value)
        invitation.send_count += 1
        invitation.save()
    invitation.notification_id = _send_invitation(resident, user, token)
    Invitation.objects.filter(pk=invitation.pk).update(notification_id=invitation.notification_id)
    return invitation


def _send_invitation(resident: Resident, user, token: str) -> int | None:
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    params = {
        "company": resident.company.name,
        "name": resident.name,
        "hours": invitation_hours(),
        "link": site + reverse("residents:activate", args=[token]),
    }
    rows = notify(
        recipients=[user],
        subject=Message(INVITATION_SUBJECT, **params),
        body=Message(INVITATION_BODY, **params),
        related=resident,
        channels=(Channel.SMS,),
        kind=INVITATION_KIND,
    )
    return keep_secret_out_of_text(rows, INVITATION_BODY, params, secret="link")


def keep_secret_out_of_text(rows: list[Notification], phrase, params: dict, *, secret: str) -> int | None:
    """The stored text of the SMS rows just written, with the secret masked (the message keeps it
    until the SMS is sent); the id of the SMS row."""
    if not rows:
        return None
    masked, _message = as_text(Message(phrase, **{**params, secret: secrets.MASK}))
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(body=masked)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [secrets.redact_notification(pk, secret) for pk in ids])
    return ids[0]


@service
def invitation_revoke(*, actor, resident: Resident) -> Invitation:
    """Withdraw the resident's open invitation: its link stops working at once."""
    require(actor, Perm.CHANGE_RESIDENTS)
    resident = _visible_resident(actor, resident)
    invitation = Invitation.objects.select_for_update().filter(resident=resident).first()
    if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(_("没有可撤回的邀请"))
    invitation.revoked_at = timezone.now()
    invitation.save()
    return invitation


def residents_invite_bulk(
    *, actor, project: Project | None = None, building: Building | None = None
) -> BulkResult:
    """Invite everyone of a building (or a project) who is not invited yet or whose invitation
    expired, one ``resident_invite`` each (``core.bulk.run_each``): at most ``BULK_MAX`` per run,
    the rest on the next run (the report says how many remain)."""
    require(actor, Perm.CHANGE_RESIDENTS)
    if project is None and building is None:
        raise ValidationError({"project": _("请选择楼栋或项目")})
    qs = Resident.objects.visible_to(actor).filter(deleted_at__isnull=True)
    qs = qs.filter(
        resident_in_building(building.pk) if building is not None else resident_in_project(project.pk)
    )
    qs = with_account_state(qs).filter(account_state__in=(AccountState.NOT_INVITED, AccountState.EXPIRED))
    records = {r.pk: r for r in qs.order_by("pk")[:BULK_MAX]}
    return run_each(
        action_label=_("已邀请"),
        ids=list(records),
        records=records,
        label=lambda r: r.name,
        call=lambda r: resident_invite(actor=actor, resident=r),
    )


def invitation_peek(token: str) -> Invitation | None:
    """The invitation behind a link, whatever its state (None for an unknown link)."""
    return (
        Invitation.objects.select_related("resident", "company")
        .filter(token_hash=secrets.digest(token or ""))
        .first()
    )


def invitation_problem(invitation: Invitation) -> str:
    """Why this link no longer activates anything ("" when it does)."""
    if invitation.revoked_at is not None or invitation.resident.deleted_at is not None:
        return _("激活链接无效或已被撤回")
    if invitation.accepted_at is not None:
        return _("激活链接已使用过")
    if invitation.expires_at <= timezone.now():
        return _("激活链接已过期")
    return ""


@service
def invitation_accept(*, token: str, password: str = "") -> tuple[Invitation, object]:
    """Use an activation link: the invitation is accepted and its resident's login returned (the
    view signs them in). A used, withdrawn or expired link is a 409 saying which."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("resident", "resident__user")
        .filter(token_hash=secrets.digest(token or ""))
        .first()
    )
    if invitation is None:
        raise Conflict(_("激活链接无效或已被撤回"))
    if problem := invitation_problem(invitation):
        raise Conflict(problem)
    user = resident_account_ensure(invitation.resident)
    if not user.is_active:
        raise Conflict(_("账号已停用，请联系物业服务中心"))
    with acting_as(user):
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            user.set_password(password)
            user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save()
    return invitation, user
