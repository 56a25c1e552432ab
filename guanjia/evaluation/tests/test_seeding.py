import io
import random

import pytest
from django.core.management import call_command

from guanjia.core.models import Company
from guanjia.evaluation.choices import RewardStatus, SheetStatus
from guanjia.evaluation.models import RankingRow, RankingSheet, RewardPenalty, StaffAward, TrainingRecord
from guanjia.evaluation.seeding import seed_demo_staff_evaluation
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_evaluation_data_is_there_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO(), units=60, buildings=3, office_units=16, tickets=10)
    company = Company.objects.get()
    jy = RankingSheet.objects.get(project__code="JY")
    assert jy.status == SheetStatus.PUBLISHED and jy.published_by.user.username == "quality"
    assert RankingSheet.objects.get(project__code="JD").status == SheetStatus.DRAFT
    named = RankingRow.objects.get(sheet=jy, staff__user__username="tech")
    assert named.complaints >= 1
    assert Ticket.objects.filter(subject_staff__isnull=False).count() == 2
    assert RewardPenalty.objects.count() == 4
    assert StaffAward.objects.count() == 4
    assert TrainingRecord.objects.filter(staff__user__username="tech").count() == 3
    statuses = sorted(RewardPenalty.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [RewardStatus.APPROVED, RewardStatus.APPROVED, RewardStatus.REJECTED, RewardStatus.PROPOSED]
    )
    penalty = RewardPenalty.objects.get(staff__user__username="tech", kind="penalty")
    assert penalty.evidence.filter(kind="complaint").exists() and penalty.proposed_by.user.username == "head"
    before = (RankingSheet.objects.count(), StaffAward.objects.count(), TrainingRecord.objects.count())
    seed_demo_staff_evaluation(company, rng=random.Random(1))
    assert (
        RankingSheet.objects.count(),
        StaffAward.objects.count(),
        TrainingRecord.objects.count(),
    ) == before
    assert Ticket.objects.filter(subject_staff__isnull=False).count() == 2
    assert RewardPenalty.objects.count() == 4
