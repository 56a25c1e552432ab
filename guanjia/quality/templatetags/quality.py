from django import template

from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.quality.models import NonConformance

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_nonconformances(context, ticket):
    """The non-conformances that raised this request (the ticket page's side of the link)."""
    user = context["request"].user
    if Perm.VIEW_QUALITY not in scope_for(user).permissions:
        return []
    return list(NonConformance.objects.visible_to(user).filter(ticket_id=ticket.pk).only("id", "number"))
