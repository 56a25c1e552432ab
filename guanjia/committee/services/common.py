"""What the committee's services share: the present (the clock seam of tests and demo data),
input checks, who to tell."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.core.roles import Role
from guanjia.core.scoping import require, scope_for
from guanjia.staff.models import StaffMember


def _now() -> datetime.datetime:
    return timezone.now()


def text(data: dict, field: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("此项为必填项")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多 %(n)s 个字") % {"n": max_length}})
    return value


def moment(data: dict, field: str, *, required: bool = True) -> datetime.datetime | None:
    value = data.get(field)
    if value is None:
        if required:
            raise ValidationError({field: _("此项为必填项")})
        return None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: _("时间格式不正确")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def staff_in_project(actor, perm: str, project_id: int) -> None:
    """The actor holds ``perm`` and serves the project (HQ: any of the company's); else 403 / 404."""
    require(actor, perm)
    scope = scope_for(actor)
    if not scope.is_hq and project_id not in scope.project_ids:
        raise NotFound(_("项目不存在"))


def managers(project_id: int) -> list:
    members = StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True).with_role(
        Role.PROJECT_MANAGER
    )
    return [m.user for m in members.select_related("user").distinct() if m.user_id]


def answerers(project_id: int) -> list:
    """Who answers the suggestion box: the project's desk (客服前台) and butlers."""
    staff = StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True)
    members = (staff.with_role(Role.DESK) | staff.with_role(Role.BUTLER)).select_related("user").distinct()
    return [m.user for m in members if m.user_id]
