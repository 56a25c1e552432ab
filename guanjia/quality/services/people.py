"""Who quality tells and who may act for a project: its managers, HQ quality, the front desk."""

from __future__ import annotations

from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import scope_for
from guanjia.staff.models import StaffMember
from guanjia.staff.selectors import hq_quality_users
from guanjia.tickets.services import RECEIVING_ROLES


def project_managers(project_id: int) -> list:
    members = (
        StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True)
        .with_role(Role.PROJECT_MANAGER)
        .select_related("user")
    )
    return [m.user for m in members]


def may_manage_project(actor, project_id: int) -> bool:
    """HQ quality, or a manager of the project: may arrange corrective and preventive work."""
    scope = scope_for(actor)
    if Perm.MANAGE_QUALITY in scope.permissions:
        return True
    return Role.PROJECT_MANAGER in scope.roles and project_id in scope.project_ids


def user_can_receive(actor) -> bool:
    scope = scope_for(actor)
    return scope.is_staff and bool(scope.roles & RECEIVING_ROLES)


__all__ = ["hq_quality_users", "may_manage_project", "project_managers", "user_can_receive"]
