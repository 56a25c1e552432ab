"""Where each resident stands with the portal, as one SQL expression (list filter, export, bulk)."""

from __future__ import annotations

from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone

from guanjia.residents.choices import AccountState


def account_state_expression():
    """not invited / invited / active / expired, from the resident's invitation and login.

    Active: the invitation was accepted, or the resident has signed in at least once (by SMS code).
    A withdrawn invitation counts as not invited.
    """
    now = timezone.now()
    open_invitation = Q(invitation__isnull=False, invitation__revoked_at__isnull=True)
    return Case(
        When(
            Q(invitation__accepted_at__isnull=False) | Q(user__last_login__isnull=False),
            then=Value(AccountState.ACTIVE),
        ),
        When(open_invitation & Q(invitation__expires_at__gt=now), then=Value(AccountState.INVITED)),
        When(open_invitation, then=Value(AccountState.EXPIRED)),
        default=Value(AccountState.NOT_INVITED),
        output_field=CharField(),
    )


def with_account_state(queryset):
    return queryset.annotate(account_state=account_state_expression())


def state_label(value: str) -> str:
    return str(AccountState(value).label) if value in AccountState.values else ""
