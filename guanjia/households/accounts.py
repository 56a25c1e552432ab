"""A resident's portal account and the invitation to it — a thin adapter.

# TODO(lead): use guanjia.residents — ``account_for`` becomes
# ``guanjia.residents.services.resident_account_ensure(resident)`` and ``invite`` becomes
# ``guanjia.residents.services.resident_invite(actor=…, resident=…)`` (SMS with an activation link).
Every caller in this app goes through these two functions, so the swap is here only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from guanjia.estates.models import Resident
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Channel
from guanjia.notifications.services import notify

INVITATION_KIND = "households.invitation"


def account_for(resident: Resident):
    """The resident's login, created on first need: a user of the resident's company with no
    password (they sign in by SMS code), linked through ``Resident.user``."""
    if resident.user_id is not None:
        return resident.user
    user = get_user_model()(
        username=f"resident-{resident.company_id}-{resident.pk}",
        company_id=resident.company_id,
        display_name=resident.name,
    )
    user.set_unusable_password()
    user.save()
    resident.user = user
    resident.save(update_fields=["user", "updated_at"])
    return user


def invite(actor, resident: Resident) -> None:
    """Tell the resident (SMS and in-app) that the portal is open to them."""
    user = account_for(resident)
    notify(
        recipients=[user],
        subject=Message(gettext_lazy("欢迎使用业主服务")),
        body=Message(
            gettext_lazy("%(name)s，您已可使用手机号 %(phone)s 登录业主服务，报事报修、查看账单。"),
            name=resident.name,
            phone=resident.phone,
        ),
        url="/portal/",
        related=resident,
        channels=(Channel.IN_APP, Channel.SMS),
        kind=INVITATION_KIND,
    )
