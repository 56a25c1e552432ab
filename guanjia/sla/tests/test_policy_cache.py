"""The company's policies and calendar days in the shared cache: read once, never stale after a change."""

import datetime

import pytest

from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
from guanjia.sla.services import company_sla

pytestmark = pytest.mark.django_db


def _minutes(company):
    return {p.name: p.response_minutes for p in company_sla(company.pk).policies}


def test_read_once_then_from_the_cache(tw, django_capture_on_commit_callbacks, django_assert_num_queries):
    with django_capture_on_commit_callbacks(execute=True):  # stored once the transaction commits
        first = company_sla(tw.company.pk)
    with django_assert_num_queries(0):
        again = company_sla(tw.company.pk)
    assert [p.pk for p in again.policies] == [p.pk for p in first.policies]
    assert again.days == first.days


@pytest.mark.parametrize("change", ["save", "update", "delete", "calendar_day", "bulk_calendar_days"])
def test_any_change_drops_the_cached_copy(tw, change, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        company_sla(tw.company.pk)
    policy = SlaPolicy.objects.filter(company=tw.company, response_minutes__isnull=False).first()
    calendar = Calendar.objects.filter(company=tw.company).first()
    policy.calendar = calendar
    day = datetime.date(2031, 1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "save":
            policy.response_minutes = 7
            policy.save()
        elif change == "update":
            SlaPolicy.objects.filter(pk=policy.pk).update(response_minutes=7)
        elif change == "delete":
            policy.delete()
        elif change == "calendar_day":
            policy.save()
            CalendarDay.objects.create(company=tw.company, calendar=calendar, date=day, is_working=True)
        else:
            policy.save()
            CalendarDay.objects.bulk_create(
                [CalendarDay(company=tw.company, calendar=calendar, date=day, is_working=True)]
            )
    sla = company_sla(tw.company.pk)
    if change == "delete":
        assert policy.pk not in {p.pk for p in sla.policies}
    elif change in ("save", "update"):
        assert _minutes(tw.company)[policy.name] == 7
    else:
        assert sla.days_of(calendar)[day] is True


def test_a_copy_read_before_a_change_is_not_used_after_it(tw, django_capture_on_commit_callbacks):
    policy = SlaPolicy.objects.filter(company=tw.company, response_minutes__isnull=False).first()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        company_sla(tw.company.pk)  # read now, to be stored when this transaction commits …
    with django_capture_on_commit_callbacks(execute=True):
        SlaPolicy.objects.filter(pk=policy.pk).update(response_minutes=9)  # … but a change commits first
    for store in pending:
        store()
    assert _minutes(tw.company)[policy.name] == 9


def test_companies_do_not_share_a_copy(tw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        company_sla(tw.company.pk)
    assert company_sla(tw.other_company.pk).policies == ()
