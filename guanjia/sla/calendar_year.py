"""Next year's public holidays, entered when the State Council publishes them (each November).

The ``chinese-calendar`` package gives the years it knows when a company is created, but a release
may lag the announcement. An administrator pastes the arrangement (one line per day or range:
``2027-02-15~2027-02-21 休 春节``, ``2027-02-07 班 春节调休上班``) on the calendar page or runs
``manage.py calendar_year``; from December the console tells administrators when next year is still
empty, because deadlines would otherwise count the holidays as working days.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.cache import forget_shared_cached
from guanjia.core.journal import journal_bulk_create
from guanjia.core.notices import Notice
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import service
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar, CalendarDay
from guanjia.sla.services import forget_next_steps

OFF_WORDS = {"休", "休息", "放假", "off"}
WORK_WORDS = {"班", "上班", "调休上班", "work"}
LONGEST_RANGE_DAYS = 15  # the longest holiday (春节, 国庆) is 8–9 days; a longer range is a typo
_LINE = re.compile(
    r"^(?P<start>\d{4}[-/]\d{1,2}[-/]\d{1,2})(?:\s*[~～至到-]\s*(?P<end>\d{4}[-/]\d{1,2}[-/]\d{1,2}))?\s+(?P<kind>\S+)\s*(?P<note>.*)$"
)


@dataclass(frozen=True)
class YearEntered:
    calendar: Calendar
    year: int
    days_off: int
    days_working: int
    replaced: int


def _date(text: str) -> datetime.date:
    year, month, day = (int(part) for part in re.split(r"[-/]", text))
    return datetime.date(year, month, day)


def parse_arrangement(text: str, *, year: int) -> list[tuple[datetime.date, bool, str]]:
    """The days of a pasted arrangement, or ValidationError({"days": every bad line, by number})."""
    days: dict[datetime.date, tuple[bool, str]] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(_("第 %(n)d 行：写作“日期[~日期] 休|班 [说明]”") % {"n": number})
            continue
        try:
            start = _date(match["start"])
            end = _date(match["end"]) if match["end"] else start
        except ValueError:
            problems.append(_("第 %(n)d 行：日期不存在") % {"n": number})
            continue
        kind = match["kind"].lower()
        if kind not in OFF_WORDS | WORK_WORDS:
            problems.append(_("第 %(n)d 行：“%(kind)s”应为 休 或 班") % {"n": number, "kind": match["kind"]})
            continue
        if start.year != year or end.year != year:
            problems.append(_("第 %(n)d 行：日期不在 %(year)d 年") % {"n": number, "year": year})
            continue
        if end < start or (end - start).days >= LONGEST_RANGE_DAYS:
            problems.append(_("第 %(n)d 行：日期范围有误") % {"n": number})
            continue
        note = match["note"].strip()[:40]
        day = start
        while day <= end:
            if day in days:
                problems.append(_("第 %(n)d 行：%(date)s 重复") % {"n": number, "date": day.isoformat()})
            days[day] = (kind in WORK_WORDS, note)
            day += datetime.timedelta(days=1)
    if problems:
        raise ValidationError({"days": problems})
    if not days:
        raise ValidationError({"days": _("请粘贴当年的放假和调休安排")})
    return sorted((day, working, note) for day, (working, note) in days.items())


@service
def calendar_year_enter(*, actor, calendar: Calendar, year: int, text: str) -> YearEntered:
    """Replace ``year``'s holidays and make-up days of ``calendar`` with the pasted arrangement.

    ``actor`` None is ``manage.py calendar_year`` (journaled as a command). Deadlines already stored
    keep their moments; requests received from now on count the new days.
    """
    if actor is not None:
        require(actor, Perm.ADMIN)
        if calendar.company_id != actor.company_id:
            raise ValidationError({"calendar": _("不属于本公司")})
    if calendar.kind != CalendarKind.BUSINESS:
        raise ValidationError({"calendar": _("全天候日历没有节假日")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年份应在 2000–2100 之间")})
    rows = parse_arrangement(text, year=year)
    old = CalendarDay.objects.filter(calendar=calendar, date__year=year)
    replaced = 0
    for day in old:  # one by one: every removed day is journaled
        day.delete()
        replaced += 1
    created = CalendarDay.objects.bulk_create(
        CalendarDay(
            company_id=calendar.company_id, calendar=calendar, date=day, is_working=working, note=note
        )
        for day, working, note in rows
    )
    journal_bulk_create(created)
    forget_shared_cached("sla", calendar.company_id)  # a bulk insert sends no save signals
    forget_next_steps(company_id=calendar.company_id)
    forget_calendar_notice(calendar.company_id)
    return YearEntered(
        calendar=calendar,
        year=year,
        days_off=sum(1 for _day, working, _note in rows if not working),
        days_working=sum(1 for _day, working, _note in rows if working),
        replaced=replaced,
    )


# The December warning --------------------------------------------------------------------------


def _today() -> datetime.date:
    """Today in Shanghai; a seam for tests of the December warning."""
    return timezone.localdate()


def _notice_key(company_id: int, year: int) -> str:
    return f"guanjia:sla:calendar-missing:{company_id}:{year}"


def forget_calendar_notice(company_id: int) -> None:
    """Now, and again once the change commits (a page rendered meanwhile may have cached the old answer)."""
    year = _today().year
    keys = [_notice_key(company_id, year), _notice_key(company_id, year + 1)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def calendars_missing_year(company_id: int, year: int) -> list[Calendar]:
    """The company's working-hours calendars with no holiday or make-up day entered for ``year``."""
    return list(
        Calendar.objects.filter(company_id=company_id, kind=CalendarKind.BUSINESS)
        .exclude(days__date__year=year)
        .order_by("name")
    )


def next_year_calendar_notice(user) -> list[Notice]:
    """From December, administrators see which calendars still lack next year's holidays."""
    scope = scope_for(user)
    today = _today()
    if today.month != 12 or scope.company_id is None or Perm.ADMIN not in scope.permissions:
        return []
    year = today.year + 1
    key = _notice_key(scope.company_id, year)
    missing = cache.get(key)
    if missing is None:
        missing = [(c.pk, c.name) for c in calendars_missing_year(scope.company_id, year)]
        cache.set(key, missing, 600)
    return [
        Notice(
            level="warning",
            text=_("%(year)d 年的法定节假日和调休还没有录入“%(name)s”：时限会把节假日当作工作日计算。")
            % {"year": year, "name": name},
            url=reverse("sla_calendar_edit", args=[pk]) + "#year",
            link_text=_("录入全年安排"),
        )
        for pk, name in missing
    ]
