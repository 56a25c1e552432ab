"""What every rota service shares: who leads a post (plans it, approves swaps, corrects attendance)
and the company's attendance rule."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanjia.core.errors import NotAllowed
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for
from guanjia.rotas.models import AttendanceRule, Post
from guanjia.staff.models import StaffMember


def may_lead(actor, post: Post) -> bool:
    """The post's department head at its project, its project manager, or HQ with the permission."""
    scope = scope_for(actor)
    if Perm.PLAN_ROTAS not in scope.permissions:
        return False
    if scope.is_hq or Role.PROJECT_MANAGER in scope.roles:
        return True
    if Role.DEPARTMENT_HEAD not in scope.roles or scope.staff_id is None:
        return False
    return StaffMember.objects.filter(
        pk=scope.staff_id, department=post.department, projects=post.project_id
    ).exists()


def require_lead(actor, post: Post) -> None:
    require(actor, Perm.PLAN_ROTAS)
    if not may_lead(actor, post):
        raise NotAllowed(_("只有该岗位所属部门的主管或项目经理可以操作"))


def rule_for(company_id: int) -> AttendanceRule:
    """The company's attendance rule (defaults when none was saved)."""
    return AttendanceRule.objects.filter(company_id=company_id).first() or AttendanceRule(
        company_id=company_id
    )


def leads_of(post: Post) -> list:
    """The users who lead a post: its department's heads at the project (else its managers)."""
    heads = (
        StaffMember.objects.filter(
            projects=post.project_id, department=post.department, deleted_at__isnull=True
        )
        .with_role(Role.DEPARTMENT_HEAD)
        .select_related("user")
    )
    users = [m.user for m in heads]
    return users or managers_of(post.project_id)


def managers_of(project_id: int) -> list:
    members = (
        StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True)
        .with_role(Role.PROJECT_MANAGER)
        .select_related("user")
    )
    return [m.user for m in members]
