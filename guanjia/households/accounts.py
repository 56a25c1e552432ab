"""A resident's portal account and the invitation to it, as the residents app gives them.

Every caller in this app goes through these two functions.
"""

from __future__ import annotations

import contextlib

from guanjia.core.bulk import Unchanged
from guanjia.estates.models import Resident
from guanjia.residents.services import invitation_issue, resident_account_ensure


def account_for(resident: Resident):
    """The resident's login, created on first need (``residents.services.resident_account_ensure``)."""
    return resident_account_ensure(resident)


def invite(actor, resident: Resident) -> None:
    """Send the resident the invitation SMS with its one-time activation link. The caller (the
    butler approving a claim, the owner inviting their household) has been checked already. One
    who already signed in needs none: their new unit shows in their portal at once."""
    with contextlib.suppress(Unchanged):
        invitation_issue(sent_by=actor, resident=resident)
