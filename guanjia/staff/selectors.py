"""Reads about the company's people that other apps ask: who holds a role, where."""

from __future__ import annotations

from guanjia.core.roles import Role
from guanjia.staff.models import StaffMember


def hq_quality_users(company_id: int) -> list:
    """The company's HQ quality people (总部品质部): the logins of its current staff holding the
    ``HQ_QUALITY`` role, whom overdue matters are reported to."""
    members = (
        StaffMember.objects.filter(company_id=company_id, deleted_at__isnull=True)
        .with_role(Role.HQ_QUALITY)
        .select_related("user")
    )
    return [m.user for m in members]
