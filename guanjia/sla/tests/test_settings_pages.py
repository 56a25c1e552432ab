"""Administrators edit policies, calendars and holidays; everyone else is kept out."""

import datetime

import pytest

from guanjia.core.models import ObjectChange
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy

pytestmark = pytest.mark.django_db


def test_only_administrators_see_the_settings(tw, client):
    client.force_login(tw.manager)
    assert client.get("/sla/").status_code == 403
    client.force_login(tw.admin)
    page = client.get("/sla/").content.decode()
    assert "公司默认（一般报修）" in page and "工作时间" in page
    other = SlaPolicy.objects.create(company=tw.other_company, name="别家策略", response_minutes=5)
    assert "别家策略" not in page
    assert client.get(f"/sla/policies/{other.pk}/").status_code == 404


def test_an_admin_edits_a_policy_and_bad_input_is_named(tw, client):
    client.force_login(tw.admin)
    policy = SlaPolicy.objects.get(company=tw.company, name="急修")
    form = {
        "name": "急修",
        "priority": "urgent",
        "on_site_minutes": "10",
        "thresholds": "80,100,150,200",
        "pause_on_hold": "on",
        "is_active": "on",
    }
    response = client.post(f"/sla/policies/{policy.pk}/", form | {"thresholds": "100,80"})
    assert response.status_code == 422
    assert "依次递增" in response.content.decode()
    response = client.post(f"/sla/policies/{policy.pk}/", form | {"on_site_minutes": ""})
    assert response.status_code == 422 and "至少填写一个阶段的时限" in response.content.decode()
    response = client.post(f"/sla/policies/{policy.pk}/", form)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.on_site_minutes == 10 and policy.response_minutes is None
    assert policy.thresholds == [80, 100, 150, 200]
    assert ObjectChange.objects.filter(object_id=str(policy.pk), actor=tw.admin).exists()
    response = client.post("/sla/policies/new/", form | {"name": "项目急修", "project": tw.project.pk})
    assert response.status_code == 302
    assert SlaPolicy.objects.get(name="项目急修").company == tw.company


def test_an_admin_edits_a_calendar_and_its_days(tw, client):
    client.force_login(tw.admin)
    calendar = Calendar.objects.get(company=tw.company, kind=CalendarKind.BUSINESS)
    url = f"/sla/calendars/{calendar.pk}/"
    assert client.get(url).status_code == 200
    bad = {
        "name": "工作时间",
        "kind": "business",
        "work_starts": "18:00",
        "work_ends": "09:00",
        "workdays": "01234",
    }
    response = client.post(url, bad)
    assert response.status_code == 422 and "下班时间须晚于上班时间" in response.content.decode()
    response = client.post(url, bad | {"work_starts": "09:00", "work_ends": "18:00", "workdays": "0123456"})
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.workdays == "0123456" and calendar.work_ends == datetime.time(18, 0)

    day = {"date": "2027-02-06", "is_working": "on", "note": "春节调休"}
    assert client.post(f"{url}days/", day).status_code == 302
    added = CalendarDay.objects.get(calendar=calendar, date=datetime.date(2027, 2, 6))
    assert added.is_working is True
    response = client.post(f"{url}days/", day)
    assert response.status_code == 422 and "该日期已设置" in response.content.decode()
    assert client.post(f"{url}days/{added.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.filter(pk=added.pk).exists()
    client.force_login(tw.desk)
    assert client.post(f"{url}days/", day).status_code == 403


def test_the_policy_list_shows_what_a_policy_applies_to_in_words_not_codes(tw, client):
    SlaPolicy.objects.create(
        company=tw.company, name="投诉加急", priority="urgent", kind="complaint", response_minutes=10
    )
    SlaPolicy.objects.create(company=tw.company, name="咨询", kind="inquiry", feedback_minutes=60)
    client.force_login(tw.admin)
    table = client.get("/sla/").content.decode().split('data-testid="policy-table"')[1].split("</table>")[0]
    assert "紧急 · 投诉" in table and "咨询" in table
    for code in ("urgent", "complaint", "inquiry", "normal", "home_repair", "common_repair"):
        assert f">{code}" not in table and f" {code} " not in table and f" {code}<" not in table
    client.cookies["django_language"] = "en"
    table = client.get("/sla/").content.decode()
    assert "Urgent · Complaint" in table
