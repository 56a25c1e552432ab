"""Planning the rota: a person on a post's shift on a day, taken off again, a week copied forward.
Nobody holds two shifts that overlap in time (any post, any project)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.rotas.choices import ShiftStatus
from guanjia.rotas.models import Post, Shift, ShiftPattern
from guanjia.rotas.services.common import require_lead
from guanjia.staff.models import StaffMember


def overlapping(staff_id: int, starts_at, ends_at, *, exclude_id: int | None = None):
    """The person's shifts that overlap a span (any post, any project)."""
    found = Shift.objects.filter(staff_id=staff_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    return found.exclude(pk=exclude_id) if exclude_id else found


def check_free(staff: StaffMember, starts_at, ends_at, *, field: str, exclude_id: int | None = None) -> None:
    clash = overlapping(staff.pk, starts_at, ends_at, exclude_id=exclude_id).select_related("post").first()
    if clash is not None:
        local = timezone.localtime(clash.starts_at)
        raise ValidationError(
            {
                field: _("%(name)s 在 %(when)s 已有班次（%(post)s），时间重叠")
                % {"name": staff.name, "when": local.strftime("%m-%d %H:%M"), "post": clash.post.name}
            }
        )


def check_serves(staff: StaffMember, post: Post, *, field: str) -> None:
    if not staff.projects.filter(pk=post.project_id).exists():
        raise ValidationError({field: _("%(name)s 不服务于此项目") % {"name": staff.name}})


def _pattern_of(post: Post, pattern_id) -> ShiftPattern:
    pattern = post.patterns.filter(pk=pattern_id).first() if pattern_id else None
    if pattern is None:
        raise ValidationError({"pattern_id": _("该岗位没有这个班次")})
    return pattern


@service
def shift_assign(*, actor, post: Post, pattern_id, date: datetime.date, staff_id) -> Shift:
    """Put a person on a post's shift on a day."""
    require_lead(actor, post)
    if not post.is_active:
        raise ValidationError({"post_id": _("岗位已停用")})
    pattern = _pattern_of(post, pattern_id)
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": _("请输入日期")})
    staff = visible_reference(StaffMember, staff_id, actor, field="staff_id")
    if staff.deleted_at is not None:
        raise ValidationError({"staff_id": _("员工已离职")})
    check_serves(staff, post, field="staff_id")
    starts_at, ends_at = pattern.span(date)
    lock(post)  # two planners at once: one after the other, the second sees the first's shift
    check_free(staff, starts_at, ends_at, field="staff_id")
    shift = Shift(
        company_id=post.company_id,
        project_id=post.project_id,
        post=post,
        pattern=pattern,
        staff=staff,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    return save_validated(shift)


@service
def shift_remove(*, actor, shift: Shift) -> None:
    require_lead(actor, shift.post)
    shift = lock(shift)
    if shift.clock_in_at is not None or shift.status != ShiftStatus.PLANNED:
        raise Conflict(_("已打卡或已记考勤的班次不能删除，请更正考勤"))
    shift.delete()


@service
def rota_copy_week(*, actor, post: Post, from_monday: datetime.date, weeks: int = 1) -> dict:
    """Copy a post's week (Monday to Sunday) forward to the next ``weeks`` weeks: the same people on
    the same shifts and weekdays. A shift already there is kept; one that would overlap another of the
    person's shifts, or whose person no longer serves the project, is skipped and reported."""
    require_lead(actor, post)
    if from_monday.weekday() != 0:
        raise ValidationError({"from_monday": _("请选择周一")})
    if not 1 <= weeks <= 8:
        raise ValidationError({"weeks": _("一次最多复制 8 周")})
    lock(post)
    source = list(
        Shift.objects.filter(
            post=post, date__gte=from_monday, date__lt=from_monday + datetime.timedelta(days=7)
        ).select_related("pattern", "staff")
    )
    made, skipped = 0, []
    for week in range(1, weeks + 1):
        for old in source:
            day = old.date + datetime.timedelta(weeks=week)
            if Shift.objects.filter(post=post, pattern=old.pattern, date=day, staff=old.staff).exists():
                continue
            starts_at, ends_at = old.pattern.span(day)
            staff = old.staff
            if staff.deleted_at is not None or not staff.projects.filter(pk=post.project_id).exists():
                skipped.append(f"{day} {staff.name}")
                continue
            if overlapping(staff.pk, starts_at, ends_at).exists():
                skipped.append(f"{day} {staff.name}")
                continue
            save_validated(
                Shift(
                    company_id=post.company_id,
                    project_id=post.project_id,
                    post=post,
                    pattern=old.pattern,
                    staff=staff,
                    date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
            made += 1
    return {"created": made, "skipped": skipped}
