"""Ringing the caller back: a request's contact number, shown in full on purpose and journaled.

Lists and pages show a resident's number masked (``core.phones.mask_phone``). Whoever has to call
— the technician sent to the home, the first-contact person calling back (回访), the desk — asks
for the full number of one request; every look is a ``reveal`` entry of the journal (who, when,
through which channel), as a look at a resident's record is (``estates.services``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.core.roles import Perm
from guanjia.core.scoping import Scope, scope_for
from guanjia.core.services import service, visible_or_404
from guanjia.tickets import workflow
from guanjia.tickets.models import Ticket

# Relations to a request that need the caller's number without the general permission: the
# technician going to the home, and the accountable person who calls back.
CALLING_RELATIONS = frozenset({workflow.ASSIGNEE, workflow.FIRST_CONTACT})


def may_reveal_phone(ticket: Ticket, scope: Scope) -> bool:
    """Staff with the permission to see residents' numbers, or with a calling relation to it."""
    if not scope.is_staff or not ticket.contact_phone:
        return False
    return Perm.REVEAL_PHONE in scope.permissions or bool(
        workflow.relations(ticket, scope) & CALLING_RELATIONS
    )


@service
def ticket_reveal_phone(*, actor, ticket: Ticket) -> str:
    """The request's full contact number, for someone who can see the request and may call: every
    look is journaled on the request (``reveal``). Out of sight → ``NotFound`` (404, as missing)."""
    ticket = visible_or_404(Ticket.objects, ticket.pk, actor)
    if not may_reveal_phone(ticket, scope_for(actor)):
        raise NotAllowed(_("您不能查看此工单联系人的完整电话"))
    journal.record(ticket, ObjectChange.Action.REVEAL, {"contact_phone": ["***", "revealed"]})
    return ticket.contact_phone
