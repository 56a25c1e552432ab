"""Where a resident's scope comes from: the resident record linked to the account.

Registered with ``core.scoping`` from ``EstatesConfig.ready()``, after the staff source: an account
that is both a staff member and a resident acts as staff.
"""

from __future__ import annotations

from guanjia.core.roles import Role, permissions_for
from guanjia.core.scoping import Scope, forget_scope_when_changed
from guanjia.estates.models import Resident

RESIDENT_ROLES = frozenset({Role.RESIDENT})


def resident_scope(user) -> Scope | None:
    """A resident sees their own units and what hangs off them (each model's ``for_resident``)."""
    resident_id = (
        Resident.objects.filter(user=user, company_id=user.company_id, deleted_at__isnull=True)
        .values_list("id", flat=True)
        .first()
    )
    if resident_id is None:
        return None
    return Scope(
        user.company_id, False, frozenset(), resident_id, RESIDENT_ROLES, permissions_for(RESIDENT_ROLES)
    )


def connect_scope_signals() -> None:
    forget_scope_when_changed(Resident, lambda resident, **kw: [resident.user_id], uid="estates.Resident")
