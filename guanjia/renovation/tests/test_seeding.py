"""Demo data of renovation: the four renovations the docs walk through; seeding again adds nothing."""

import io

import pytest
from django.core.management import call_command

from guanjia.core.models import Company
from guanjia.renovation.models import Renovation, RenovationEscalation, Violation
from guanjia.renovation.seeding import seed_demo_renovation

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


@pytest.mark.django_db
def test_demo_renovations_and_idempotent(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    statuses = sorted(Renovation.objects.values_list("status", flat=True))
    assert statuses == ["closed", "engineering", "manager", "permitted"]
    assert Violation.objects.count() == 2
    assert RenovationEscalation.objects.exists()
    mine = Renovation.objects.get(status="permitted")
    assert mine.unit.status == "renovating" and mine.stops.exists()
    closed = Renovation.objects.get(status="closed")
    assert closed.refund.amount == closed.deposit - 200
    import random

    assert seed_demo_renovation(Company.objects.get(short_code="JY"), rng=random.Random(1)) == {
        "renovations": 0
    }
    assert Renovation.objects.count() == 4
