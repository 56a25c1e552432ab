"""Demo data of the lending register and of environmental work (one seed run for both): a loan
returned late with its reminders, an overdue one reminded today; a week of cleaning with one task
missed and escalated, the rest done and checked. Seeding again adds nothing."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from guanjia.core.models import Company
from guanjia.facilities.choices import CheckResult, Discipline, TaskStatus
from guanjia.facilities.models import MaintenanceTask, TaskEscalation
from guanjia.facilities.seeding_areas import seed_demo_areas
from guanjia.lending.models import Loan, LoanReminder
from guanjia.lending.seeding import seed_demo_lending

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


@pytest.mark.django_db
def test_demo_lending_and_cleaning_week(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    today = timezone.localdate()
    late = Loan.objects.get(item__name="轮椅")
    assert late.returned_at is not None and timezone.localdate(late.returned_at) > late.due_on
    assert late.resident.user.username == "resident"
    assert LoanReminder.objects.filter(loan=late).count() == 3
    overdue = Loan.objects.get(item__name="雨伞")
    assert overdue.returned_at is None and overdue.due_on < today
    assert LoanReminder.objects.filter(loan=overdue, day=today).count() == 1

    week = MaintenanceTask.objects.filter(
        discipline=Discipline.CLEANING, plan__name="大堂日常保洁", period_start__lt=today
    )
    assert week.count() == 2 * 7
    missed = week.exclude(status=TaskStatus.DONE)
    assert missed.count() == 1
    assert missed.get().period_start == today - datetime.timedelta(days=3)
    assert set(TaskEscalation.objects.filter(task=missed.get()).values_list("step", flat=True)) == {1, 2}
    assert set(week.filter(status=TaskStatus.DONE).values_list("check_result", flat=True)) == {
        CheckResult.PASSED
    }
    assert week.first().plan.contractor == "洁美保洁服务有限公司"

    company = Company.objects.get(short_code="JY")
    assert seed_demo_lending(company, rng=random.Random(1)) == {"lending_items": 0, "loans": 0}
    assert seed_demo_areas(company, rng=random.Random(1)) == {"areas": 0, "area_tasks": 0}
