"""Template helpers of the service-request pages."""

from django import template

from guanjia.core.media import private_url
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.timeline import PLAIN_STATUS, PLAIN_WORDS, RATED_BEFORE_CALL_BACK

register = template.Library()


@register.filter
def storage_url(name: str) -> str:
    """The address of a stored file (a photo or its thumbnail): a link that checks who asks (core.media)."""
    return private_url(name)


@register.filter
def plain_words(action: str, to_status: str = "") -> str:
    """What an action means to a resident, in their words (the portal's timeline); ``to_status``,
    the state it led to, where the words depend on it (a rating that did not close the request)."""
    if action == Action.RATE and to_status and to_status != Status.CLOSED:
        return str(RATED_BEFORE_CALL_BACK)
    return str(PLAIN_WORDS.get(action, Action(action).label if action in Action.values else action))


@register.filter
def plain_status(status: str) -> str:
    """Where the request stands, in the resident's words (the portal's status badge)."""
    return str(PLAIN_STATUS.get(status, Status(status).label if status in Status.values else status))


@register.filter
def action_label(action: str) -> str:
    return str(Action(action).label) if action in Action.values else action
