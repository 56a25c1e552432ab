"""What this app tells people: the kinds it registers and the messages about claims."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

CLAIM_KIND = "households.claim"
CLAIM_OVERDUE_KIND = "households.claim_overdue"


def register_kinds() -> None:
    register_kind(CLAIM_KIND, _("业主认证待审核"), params=("name", "unit", "due"))
    register_kind(CLAIM_OVERDUE_KIND, _("业主认证审核超期"), params=("step", "name", "unit", "due"))


def _due(claim) -> str:
    return timezone.localtime(claim.due_at).strftime("%Y-%m-%d %H:%M")


def claim_submitted(claim, recipients) -> None:
    notify(
        recipients=recipients,
        subject=Message(_("业主认证待审核：%(unit)s"), unit=str(claim.unit)),
        body=Message(
            _("%(name)s 申请认证 %(unit)s，请在 %(due)s 前审核。"),
            name=claim.name,
            unit=str(claim.unit),
            due=_due(claim),
        ),
        url=reverse("households:claim_detail", args=[claim.pk]),
        related=claim,
        dedup_key=f"households-claim-{claim.pk}",
        kind=CLAIM_KIND,
    )


def claim_overdue(claim, recipients, step) -> None:
    notify(
        recipients=recipients,
        subject=Message(_("业主认证审核超期（%(step)s）：%(unit)s"), step=step.label, unit=str(claim.unit)),
        body=Message(
            _("%(name)s 对 %(unit)s 的认证申请应于 %(due)s 前审核，至今未处理。"),
            name=claim.name,
            unit=str(claim.unit),
            due=_due(claim),
        ),
        url=reverse("households:claim_detail", args=[claim.pk]),
        related=claim,
        dedup_key=f"households-claim-{claim.pk}-escalation-{int(step)}",
        kind=CLAIM_OVERDUE_KIND,
    )
