"""Next year's holidays: pasted once a year by an administrator, warned about from December."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from guanjia.core.models import ObjectChange
from guanjia.sla import calendar_year
from guanjia.sla.calendar import add_working_time
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
from guanjia.sla.services import company_sla

pytestmark = pytest.mark.django_db

# A year the chinese-calendar package cannot know yet.
YEAR = 2099
ARRANGEMENT = f"""
# 国务院办公厅关于{YEAR}年部分节假日安排的通知
{YEAR}-01-01 休 元旦
{YEAR}-02-15~{YEAR}-02-21 休 春节
{YEAR}-02-14 班 春节调休上班
{YEAR}/10/01 ～ {YEAR}/10/07 放假 国庆节
"""


def _business(tw):
    return Calendar.objects.get(company=tw.company, kind=CalendarKind.BUSINESS)


def test_the_arrangement_reads_ranges_single_days_and_make_up_days():
    rows = calendar_year.parse_arrangement(ARRANGEMENT, year=YEAR)
    off = [day for day, working, _note in rows if not working]
    work = [day for day, working, _note in rows if working]
    assert len(off) == 1 + 7 + 7 and work == [datetime.date(YEAR, 2, 14)]
    assert (datetime.date(YEAR, 2, 18), False, "春节") in rows


def test_every_bad_line_is_named_by_its_number():
    text = f"{YEAR}-01-01 休 元旦\n{YEAR}-02-30 休\n{YEAR}-03-01 半天\n{YEAR - 1}-12-31 休\n{YEAR}-01-01 班"
    with pytest.raises(Exception) as refused:
        calendar_year.parse_arrangement(text, year=YEAR)
    messages = refused.value.message_dict["days"]
    assert any(m.startswith("第 2 行") and "不存在" in m for m in messages)
    assert any(m.startswith("第 3 行") for m in messages)
    assert any(m.startswith("第 4 行") and str(YEAR) in m for m in messages)
    assert any(m.startswith("第 5 行") and "重复" in m for m in messages)


def test_an_admin_enters_the_year_and_new_deadlines_skip_the_holidays(tw, client):
    calendar = _business(tw)
    SlaPolicy.objects.filter(company=tw.company, name="投诉").update(calendar=calendar)
    company_sla(tw.company.pk)  # the policies' calendars are cached: entering the year must drop that
    before_new_year = datetime.datetime(
        YEAR - 1, 12, 31, 17, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    CalendarDay.objects.create(
        company=tw.company, calendar=calendar, date=datetime.date(YEAR, 5, 5), is_working=False
    )

    client.force_login(tw.admin)
    response = client.post(f"/sla/calendars/{calendar.pk}/year/", {"year": YEAR, "days": ARRANGEMENT})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"已录入 {YEAR} 年：放假 15 天，调休上班 1 天" in page

    days = {d.date: d.is_working for d in CalendarDay.objects.filter(calendar=calendar, date__year=YEAR)}
    assert len(days) == 16 and datetime.date(YEAR, 5, 5) not in days  # the year is replaced
    assert days[datetime.date(YEAR, 2, 14)] is True
    assert ObjectChange.objects.filter(content_type__model="calendarday", action="create").count() >= 16
    assert datetime.date(YEAR, 1, 1) in company_sla(tw.company.pk).days[calendar.pk]
    # 60 working minutes from the last half hour of 31 December: 1 January is a holiday now.
    due = add_working_time(calendar, before_new_year, 60, days=company_sla(tw.company.pk).days[calendar.pk])
    assert due.astimezone(before_new_year.tzinfo).date() == datetime.date(YEAR, 1, 2)


def test_bad_input_is_a_form_error_and_changes_nothing(tw, client):
    calendar = _business(tw)
    client.force_login(tw.admin)
    response = client.post(f"/sla/calendars/{calendar.pk}/year/", {"year": YEAR, "days": f"{YEAR}-13-01 休"})
    assert response.status_code == 422
    assert "第 1 行" in response.content.decode()
    assert not CalendarDay.objects.filter(calendar=calendar, date__year=YEAR).exists()
    client.force_login(tw.manager)
    assert (
        client.post(f"/sla/calendars/{calendar.pk}/year/", {"year": YEAR, "days": ARRANGEMENT}).status_code
        == 403
    )


def test_from_december_administrators_are_told_when_next_year_is_empty(tw, client, monkeypatch):
    calendar = _business(tw)
    monkeypatch.setattr(calendar_year, "_today", lambda: datetime.date(YEAR - 1, 12, 3))
    client.force_login(tw.admin)
    page = client.get("/sla/").content.decode()
    assert f"{YEAR} 年的法定节假日和调休还没有录入" in page
    client.force_login(tw.manager)  # not an administrator: nothing they could do about it
    assert "法定节假日和调休还没有录入" not in client.get("/").content.decode()

    client.force_login(tw.admin)
    client.post(f"/sla/calendars/{calendar.pk}/year/", {"year": YEAR, "days": ARRANGEMENT})
    assert "法定节假日和调休还没有录入" not in client.get("/sla/").content.decode()

    monkeypatch.setattr(calendar_year, "_today", lambda: datetime.date(YEAR - 1, 11, 3))
    CalendarDay.objects.filter(calendar=calendar, date__year=YEAR).delete()
    calendar_year.forget_calendar_notice(tw.company.pk)
    assert "法定节假日和调休还没有录入" not in client.get("/sla/").content.decode()  # not before December


def test_the_command_enters_the_year_for_every_working_hours_calendar(tw, tmp_path):
    source = tmp_path / "arrangement.txt"
    source.write_text(ARRANGEMENT, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "calendar_year",
        f"--company={tw.company.short_code}",
        f"--year={YEAR}",
        f"--file={source}",
        stdout=out,
    )
    assert "放假 15 天，调休上班 1 天" in out.getvalue()
    assert CalendarDay.objects.filter(calendar=_business(tw), date__year=YEAR).count() == 16
    source.write_text(f"{YEAR}-02-30 休", encoding="utf-8")
    with pytest.raises(CommandError, match="第 1 行"):
        call_command(
            "calendar_year", f"--company={tw.company.short_code}", f"--year={YEAR}", f"--file={source}"
        )
    assert CalendarDay.objects.filter(calendar=_business(tw), date__year=YEAR).count() == 16
