"""Template helpers of the console: masked phones, permission checks, amounts in capitals."""

from django import template

from guanjia.core.money import amount_in_words
from guanjia.core.phones import mask_phone as _mask_phone
from guanjia.core.scoping import user_can

register = template.Library()


@register.filter
def mask_phone(value) -> str:
    return _mask_phone(value or "")


@register.filter
def can(user, perm: str) -> bool:
    return user_can(user, perm)


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current list's query string with another page number."""
    query = context.get("query", "")
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def rmb_words(value) -> str:
    """An amount in Chinese capitals (人民币大写), as receipts show it."""
    return "" if value in (None, "") else amount_in_words(value)
