from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.8333 → 83.3%; empty → —."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
