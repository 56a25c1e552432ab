"""Shift patterns, posts and the company's attendance rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.rotas.models import AttendanceRule, Post, ShiftPattern, new_token
from guanjia.rotas.services.common import require_lead

PATTERN_FIELDS = {"name", "starts_at", "ends_at", "is_active"}
POST_FIELDS = {"name", "department", "min_cover", "is_active"}


def _company(actor) -> int:
    company_id = scope_for(actor).company_id
    if company_id is None:
        raise ValidationError({"company": _("账号不属于任何公司")})
    return company_id


@service
def pattern_create(*, actor, data: dict) -> ShiftPattern:
    require(actor, Perm.PLAN_ROTAS)
    pattern = ShiftPattern(company_id=_company(actor))
    apply_changes(pattern, data, allowed=PATTERN_FIELDS)
    return save_validated(pattern)


@service
def pattern_update(*, actor, pattern: ShiftPattern, data: dict) -> ShiftPattern:
    require(actor, Perm.PLAN_ROTAS)
    pattern = lock(pattern)
    apply_changes(pattern, data, allowed=PATTERN_FIELDS)
    # Planned shifts keep their stored times: a pattern change applies to shifts planned from now on.
    return save_validated(pattern)


def _patterns(actor, ids, company_id: int) -> list[ShiftPattern]:
    ids = list(dict.fromkeys(ids or []))
    if not ids:
        raise ValidationError({"pattern_ids": _("至少选择一个班次")})
    found = list(ShiftPattern.objects.visible_to(actor).filter(pk__in=ids, company_id=company_id))
    if len(found) != len(ids):
        raise ValidationError({"pattern_ids": _("班次不存在")})
    return found


@service
def post_create(*, actor, data: dict) -> Post:
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    patterns = _patterns(actor, data.pop("pattern_ids", None), project.company_id)
    post = Post(company_id=project.company_id, project=project)
    apply_changes(post, data, allowed=POST_FIELDS)
    require_lead(actor, post)
    save_validated(post)
    post.patterns.set(patterns)
    return post


@service
def post_update(*, actor, post: Post, data: dict) -> Post:
    data = dict(data)
    require_lead(actor, post)
    post = lock(post)
    pattern_ids = data.pop("pattern_ids", None)
    apply_changes(post, data, allowed=POST_FIELDS)
    require_lead(actor, post)
    save_validated(post)
    if pattern_ids is not None:
        post.patterns.set(_patterns(actor, pattern_ids, post.company_id))
    return post


@service
def post_new_qr(*, actor, post: Post) -> Post:
    """A new clock-in code for a post (the old printed one stops working)."""
    require_lead(actor, post)
    post = lock(post)
    post.qr_token = new_token()
    post.save(update_fields=["qr_token", "updated_at"])
    return post


@service
def rule_set(*, actor, grace_minutes: int, early_minutes: int) -> AttendanceRule:
    require(actor, Perm.ADMIN)
    company_id = _company(actor)
    rule = AttendanceRule.objects.filter(company_id=company_id).first() or AttendanceRule(
        company_id=company_id
    )
    rule.grace_minutes, rule.early_minutes = grace_minutes, early_minutes
    return save_validated(rule)
