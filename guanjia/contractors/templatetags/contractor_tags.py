"""Template tags for pages of lower apps that show what contractors knows (the staff page's
"outsourced: firm, supervisor" line), included by name so those apps import nothing from here."""

from django import template

from guanjia.contractors.models import OutsourcedWorker

register = template.Library()


@register.simple_tag
def outsourced_link(member):
    """The staff member's link to the firm employing them, or None."""
    if member is None or not getattr(member, "pk", None):
        return None
    return (
        OutsourcedWorker.objects.filter(staff_member_id=member.pk)
        .select_related("contractor", "supervisor")
        .first()
    )
