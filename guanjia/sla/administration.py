"""The administrators' settings of deadlines: policies per kind, priority and category, and the
working calendars with their holidays and make-up days. A change applies to deadlines started after it
(stored deadlines are never recomputed); a calendar change re-plans the next escalation steps."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import save_validated, service
from guanjia.sla.calendar_year import forget_calendar_notice
from guanjia.sla.choices import DEFAULT_THRESHOLDS, CalendarKind, LadderStep, Stage
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
from guanjia.sla.services import forget_next_steps


def _check_thresholds(values) -> list[int]:
    if values in (None, ""):
        return list(DEFAULT_THRESHOLDS)
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").split(",") if v.strip()]
    try:
        numbers = [int(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"thresholds": _("阈值须为整数，如 80,100,150,200")}) from exc
    if not 1 <= len(numbers) <= len(LadderStep):
        raise ValidationError({"thresholds": _("阈值为 1 到 4 个")})
    if any(n < 1 or n > 1000 for n in numbers) or numbers != sorted(set(numbers)):
        raise ValidationError({"thresholds": _("阈值须在 1–1000 之间且依次递增")})
    return numbers


@service
def policy_save(*, actor, policy: SlaPolicy) -> SlaPolicy:
    """Create or change a policy (administrators). Deadlines already started keep their due time."""
    require(actor, Perm.ADMIN)
    policy.company_id = actor.company_id
    policy.thresholds = _check_thresholds(policy.thresholds)
    minutes = [policy.minutes_for(s) for s in Stage.values]
    if not any(minutes):
        raise ValidationError({"response_minutes": _("至少填写一个阶段的时限")})
    for obj, field in (
        (policy.project, "project"),
        (policy.category, "category"),
        (policy.calendar, "calendar"),
    ):
        if obj is not None and obj.company_id != actor.company_id:
            raise ValidationError({field: _("不属于本公司")})
    return save_validated(policy)


@service
def calendar_save(*, actor, calendar: Calendar) -> Calendar:
    require(actor, Perm.ADMIN)
    calendar.company_id = actor.company_id
    days = calendar.workdays or ""
    if calendar.kind == CalendarKind.BUSINESS:
        if not days or any(c not in "0123456" for c in days) or len(set(days)) != len(days):
            raise ValidationError({"workdays": _("工作日写作 0–6 的数字（周一为 0），如 01234")})
        if calendar.work_starts >= calendar.work_ends:
            raise ValidationError({"work_ends": _("下班时间须晚于上班时间")})
    calendar.workdays = "".join(sorted(days))
    calendar = save_validated(calendar)
    forget_next_steps(company_id=calendar.company_id)
    return calendar


@service
def calendar_day_add(*, actor, calendar: Calendar, date: datetime.date, is_working: bool, note: str = ""):
    require(actor, Perm.ADMIN)
    if calendar.company_id != actor.company_id:
        raise ValidationError({"calendar": _("不属于本公司")})
    if CalendarDay.objects.filter(calendar=calendar, date=date).exists():
        raise ValidationError({"date": _("该日期已设置")})
    day = CalendarDay(
        company_id=calendar.company_id, calendar=calendar, date=date, is_working=is_working, note=note[:40]
    )
    day = save_validated(day)
    forget_next_steps(company_id=calendar.company_id)
    forget_calendar_notice(calendar.company_id)
    return day


@service
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    require(actor, Perm.ADMIN)
    day.delete()
    forget_next_steps(company_id=day.company_id)
    forget_calendar_notice(day.company_id)
