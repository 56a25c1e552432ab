"""Demo invitations: a few residents in each state (invited, expired, active, withdrawn), so the
resident list's "业主端" column and filter show something, and the outbox holds invitation SMS."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.estates.models import Resident
from guanjia.residents.models import Invitation
from guanjia.residents.services import invitation_revoke, resident_invite


def seed_demo_invitations(company, *, rng=None) -> dict[str, int]:
    """Idempotent: nothing when the company already has invitations."""
    if Invitation.objects.filter(company=company).exists():
        return {"invitations": 0}
    staff = (
        get_user_model()
        .objects.filter(company=company, is_active=True, staff_member__isnull=False)
        .order_by("pk")
    )
    actor = next((u for u in staff if user_can(u, Perm.CHANGE_RESIDENTS)), None)
    if actor is None:
        return {"invitations": 0}
    residents = list(
        Resident.objects.visible_to(actor)
        .filter(user__isnull=True, deleted_at__isnull=True, occupancies__isnull=False)
        .distinct()
        .order_by("pk")[:9]
    )
    now = timezone.now()
    made = 0
    for index, resident in enumerate(residents):
        invitation = resident_invite(actor=actor, resident=resident)
        made += 1
        state = (
            "invited",
            "invited",
            "invited",
            "expired",
            "expired",
            "active",
            "active",
            "revoked",
            "invited",
        )[index]
        if state == "expired":
            sent = now - datetime.timedelta(days=4 + index)
            Invitation.objects.filter(pk=invitation.pk).update(
                sent_at=sent, expires_at=sent + datetime.timedelta(hours=72)
            )
        elif state == "active":
            sent = now - datetime.timedelta(days=2, hours=index)
            Invitation.objects.filter(pk=invitation.pk).update(
                sent_at=sent, accepted_at=sent + datetime.timedelta(hours=3)
            )
            get_user_model().objects.filter(pk=resident.user_id).update(
                last_login=sent + datetime.timedelta(hours=3)
            )
        elif state == "revoked":
            invitation_revoke(actor=actor, resident=resident)
    return {"invitations": made}
