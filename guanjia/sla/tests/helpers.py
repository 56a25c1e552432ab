import contextlib
import datetime
from unittest import mock

from django.utils import timezone

from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Kind

M = datetime.timedelta(minutes=1)


@contextlib.contextmanager
def at(moment):
    """Actions on requests happen at ``moment`` (the ticket services' clock seam)."""
    with mock.patch.object(ticket_services, "_now", lambda: moment):
        yield


def receive(tw, *, when=None, **data):
    body = {"unit_id": tw.unit.pk, "kind": Kind.HOME_REPAIR, "description": "厨房水管漏水"} | data
    with at(when or timezone.now()):
        return ticket_services.ticket_create(actor=tw.desk, data=body)


def act(tw, user, ticket, action, *, when=None, **data):
    with at(when or timezone.now()):
        return ticket_services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def dispatch(tw, ticket, when=None):
    return act(tw, tw.desk, ticket, Action.DISPATCH, when=when, assignee_id=tw.staff["technician"].pk)
