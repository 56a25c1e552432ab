"""Demo data of handover: a completed handover with two defects as requests (one re-inspected), one
booked with its inspection started, a takeover accepted with reservations and an escalated
developer defect; seeding again adds nothing."""

import io
import random

import pytest
from django.core.management import call_command

from guanjia.core.models import Company
from guanjia.handover.models import Appointment, Defect, DefectEscalation, Takeover
from guanjia.handover.seeding import seed_demo_handover

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


@pytest.mark.django_db
def test_demo_handovers_and_idempotent(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    assert sorted(Appointment.objects.values_list("status", flat=True)) == ["booked", "completed"]
    done = Appointment.objects.get(status="completed")
    assert (
        done.resident_id
        and Defect.objects.filter(inspection__appointment=done, ticket__isnull=False).count() == 2
    )
    assert Defect.objects.filter(inspection__appointment=done, status="closed").count() == 1
    assert Takeover.objects.get().status == "reserved"
    assert DefectEscalation.objects.exists()
    assert seed_demo_handover(Company.objects.get(short_code="JY"), rng=random.Random(1)) == {"handovers": 0}
    assert Appointment.objects.count() == 2
