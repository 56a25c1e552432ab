import io

import pytest
from django.core.management import call_command

from guanjia.core.models import Company
from guanjia.emergencies import services
from guanjia.emergencies.choices import IncidentStatus
from guanjia.emergencies.models import (
    CommandPost,
    CommandPostMember,
    Drill,
    EmergencyPlan,
    Incident,
    Statement,
)
from guanjia.notifications.models import Notification

pytestmark = pytest.mark.django_db


SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 10}


def test_demo_data_is_complete_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    company = Company.objects.get()
    assert EmergencyPlan.objects.filter(company=company).count() == 8
    assert CommandPost.objects.count() == 2
    jy = CommandPost.objects.get(project__code="JY")
    assert jy.commander.user.username == "manager"
    assert CommandPost.objects.get(project__code="JD").commander.user.username == "jd_manager"
    assert CommandPostMember.objects.filter(
        post=jy, position="control_room", staff__user__username="security"
    ).exists()
    drill = Drill.objects.filter(incident__isnull=False).get()
    assert (
        drill.incident.status == IncidentStatus.CLOSED
        and drill.incident.report.approved_at
        and drill.score == 82
    )
    real = Incident.objects.get(is_drill=False)
    assert real.status == IncidentStatus.CLOSED and Statement.objects.filter(incident=real).exists()
    assert real.calls.exists() and not real.calls.filter(result="pending").exists()
    assert services.missing_for_close(real) == []
    assert not Notification.objects.filter(dedup_key__startswith="emergency-").exists()
    before = (Incident.objects.count(), CommandPostMember.objects.count(), Drill.objects.count())
    # Run again: the company exists, so the command runs every module's seeder once more.
    call_command("seed_demo", stdout=io.StringIO(), **SMALL)
    assert (Incident.objects.count(), CommandPostMember.objects.count(), Drill.objects.count()) == before
