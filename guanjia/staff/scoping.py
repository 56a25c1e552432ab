"""Where a staff member's scope comes from: their company roles and the projects they serve.

Registered with ``core.scoping`` from ``StaffConfig.ready()``; the foundation knows no staff model.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed

from guanjia.core.roles import HQ_ROLES, permissions_for
from guanjia.core.scoping import Scope, forget_cached_scope, forget_scope_when_changed
from guanjia.staff.models import StaffMember, StaffRole


def staff_scope(user) -> Scope | None:
    """HQ roles see every project of the company; other staff the projects they serve."""
    member = (
        StaffMember.objects.filter(user=user, deleted_at__isnull=True)
        .prefetch_related("roles", "projects")
        .first()
    )
    if member is None or member.company_id != user.company_id:
        return None
    roles = frozenset(r.role for r in member.roles.all())
    return Scope(
        company_id=user.company_id,
        is_hq=bool(roles & HQ_ROLES),
        project_ids=frozenset(p.id for p in member.projects.all()),
        resident_id=None,
        roles=roles,
        permissions=permissions_for(roles),
        staff_id=member.id,
    )


def _member_user(member, **kwargs):
    return [member.user_id]


def _role_user(role, **kwargs):
    return StaffMember.objects.filter(pk=role.staff_id).values_list("user_id", flat=True)[:1]


def _projects_changed(sender, instance, **kwargs):
    if isinstance(instance, StaffMember):
        forget_cached_scope(instance.user_id)
        return
    # From the project's side: the members named, and everyone on it (before and after a clear).
    members = StaffMember.objects.filter(pk__in=kwargs.get("pk_set") or ()) | StaffMember.objects.filter(
        projects=instance
    )
    for user_id in members.values_list("user_id", flat=True):
        forget_cached_scope(user_id)


def connect_scope_signals() -> None:
    """Forget a member's cached scope whenever the member, a role or a project assignment changes."""
    forget_scope_when_changed(StaffMember, _member_user, uid="staff.StaffMember")
    forget_scope_when_changed(StaffRole, _role_user, uid="staff.StaffRole")
    m2m_changed.connect(
        _projects_changed, sender=StaffMember.projects.through, weak=False, dispatch_uid="scope-projects"
    )
