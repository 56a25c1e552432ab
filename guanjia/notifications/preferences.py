"""Each person chooses the push channels their messages come on (通知设置): staff in the console,
residents in the portal, both through the API. No choice recorded means "yes".

- In-app messages (the bell) cannot be turned off: they are the record of what was said.
- Urgent messages (``notify(urgent=True)``, or a kind registered ``urgent=True`` such as the
  emergency chain) go on every channel the person can be reached on, whatever they chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import NotAllowed
from guanjia.core.services import service
from guanjia.notifications.channels import address_for
from guanjia.notifications.models import PUSH_CHANNELS, Channel, ChannelPreference

# The order the settings page lists them in.
CHOOSABLE = (Channel.SMS, Channel.WECOM, Channel.WECHAT, Channel.EMAIL)


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    label: str
    enabled: bool
    reachable: bool  # the person has an address there (a phone, a WeCom userid, a bound WeChat…)
    locked: bool = False  # in-app: always on


def choices_for(user) -> list[ChannelChoice]:
    """The person's channels as the settings page shows them: in-app first, then each push channel
    they can be reached on, with their choice. Channels they have no address on are left out."""
    off = set(
        ChannelPreference.objects.filter(user_id=user.pk, enabled=False).values_list("channel", flat=True)
    )
    rows = [ChannelChoice(Channel.IN_APP, str(Channel.IN_APP.label), True, True, locked=True)]
    for channel in CHOOSABLE:
        if address_for(user, channel):
            rows.append(ChannelChoice(channel, str(channel.label), channel not in off, True))
    return rows


def disabled_channels(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, channel) of every push channel these people turned off; one query."""
    return set(
        ChannelPreference.objects.filter(user_id__in=list(user_ids), enabled=False).values_list(
            "user_id", "channel"
        )
    )


@service
def channel_preferences_set(*, actor, user, choices: dict[str, bool]) -> list[ChannelChoice]:
    """Record the person's own choices (``{"sms": False, "wechat": True}``); each change journaled.
    Nobody sets another person's choices; in-app cannot be turned off."""
    if actor is None or user is None or actor.pk != user.pk:
        raise NotAllowed(_("只能修改自己的通知设置"))
    for channel, enabled in choices.items():
        if channel == Channel.IN_APP:
            if not enabled:
                raise ValidationError({"in_app": _("站内通知不能关闭")})
            continue
        if channel not in PUSH_CHANNELS:
            raise ValidationError({"channel": _("未知的通知渠道：%(c)s") % {"c": channel}})
        if not isinstance(enabled, bool):
            raise ValidationError({channel: _("请选择是或否")})
    for channel, enabled in sorted(choices.items()):
        if channel == Channel.IN_APP:
            continue
        row = ChannelPreference.objects.select_for_update().filter(user_id=user.pk, channel=channel).first()
        if row is None:
            if enabled:
                continue  # no row already means yes
            row = ChannelPreference(company_id=user.company_id, user=user, channel=channel)
        if row.enabled != enabled or row._state.adding:
            row.enabled = enabled
            row.save()
    return choices_for(user)
