"""Template helpers of the service-request pages."""

from django import template
from django.core.files.storage import default_storage

from guanjia.tickets.choices import Action
from guanjia.tickets.timeline import PLAIN_WORDS

register = template.Library()


@register.filter
def storage_url(name: str) -> str:
    """The address of a stored file (a photo or its thumbnail), whatever the storage backend."""
    return default_storage.url(name) if name else ""


@register.filter
def plain_words(action: str) -> str:
    """What an action means to a resident, in their words (the portal's timeline)."""
    return str(PLAIN_WORDS.get(action, Action(action).label if action in Action.values else action))


@register.filter
def action_label(action: str) -> str:
    return str(Action(action).label) if action in Action.values else action
