"""Binding a person to their identity on a channel: a staff member's WeCom ``userid``, a resident's
WeChat ``openid``. Every change goes through ``channel_address_set`` / ``channel_address_clear``
(journaled: ``ChannelAddress`` is a journaled model, the actor is recorded).

Who may bind what:
- a company administrator sets or clears the WeCom userid (and WeChat openid) of anyone of the company;
- a person binds or clears their own WeChat openid (the official-account sign-in does it for them:
  ``channel_address_set(actor=user, user=user, channel="wechat", address=openid)``).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import service
from guanjia.notifications.models import Channel, ChannelAddress

ADDRESS_CHANNELS = (Channel.WECOM, Channel.WECHAT)
# WeCom: 1–64 of letters, digits and _-@. starting with a letter or digit (the admin console's rule).
WECOM_USERID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_@.\-]{0,63}$")
# WeChat openids are 28 characters of [A-Za-z0-9_-]; allow a little room.
WECHAT_OPENID = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")


def _check(*, actor, user, channel: str) -> None:
    if channel not in ADDRESS_CHANNELS:
        raise ValidationError({"channel": _("此渠道没有可绑定的账号：%(c)s") % {"c": channel}})
    if actor is None or user is None or actor.company_id is None or actor.company_id != user.company_id:
        raise NotFound(_("账号不存在"))
    own_wechat = actor.pk == user.pk and channel == Channel.WECHAT
    if not own_wechat and not user_can(actor, Perm.ADMIN):
        raise NotAllowed(_("只有系统管理员可以设置他人的通知账号"))


def _normalized(channel: str, address: str) -> str:
    address = (address or "").strip()
    if not address:
        raise ValidationError({"address": _("此项为必填项")})
    if channel == Channel.WECOM and not WECOM_USERID.match(address):
        raise ValidationError(
            {"address": _("企业微信 userid 只能由字母、数字和 _-@. 组成，以字母或数字开头，最长 64 个字符")}
        )
    if channel == Channel.WECHAT and not WECHAT_OPENID.match(address):
        raise ValidationError({"address": _("微信 openid 格式不正确")})
    return address


@service
def channel_address_set(*, actor, user, channel: str, address: str) -> ChannelAddress:
    """Bind ``user`` to ``address`` on ``channel`` (replacing their previous one). An address already
    bound to another person of the company is refused (``address``): one WeCom account, one person."""
    _check(actor=actor, user=user, channel=channel)
    address = _normalized(channel, address)
    taken = (
        ChannelAddress.objects.filter(company_id=user.company_id, channel=channel, address=address)
        .exclude(user_id=user.pk)
        .select_related("user")
        .first()
    )
    if taken is not None:
        if channel == Channel.WECOM and user_can(actor, Perm.ADMIN):
            who = taken.user.display_name or taken.user.get_username()
            raise ValidationError({"address": _("此企业微信 userid 已绑定给 %(name)s") % {"name": who}})
        raise ValidationError({"address": _("此账号已绑定给公司的另一个人")})
    current = ChannelAddress.objects.select_for_update().filter(user_id=user.pk, channel=channel).first()
    if current is not None and current.address == address:
        return current
    try:
        with transaction.atomic():
            if current is None:
                current = ChannelAddress(company_id=user.company_id, user=user, channel=channel)
            current.address = address
            current.save()
    except IntegrityError as exc:  # a concurrent binding of the same address
        raise Conflict(_("此账号刚被绑定给他人，请刷新后重试")) from exc
    return current


@service
def channel_address_clear(*, actor, user, channel: str) -> bool:
    """Unbind ``user`` on ``channel``; False when nothing was bound."""
    _check(actor=actor, user=user, channel=channel)
    current = ChannelAddress.objects.select_for_update().filter(user_id=user.pk, channel=channel).first()
    if current is None:
        return False
    current.delete()
    return True
