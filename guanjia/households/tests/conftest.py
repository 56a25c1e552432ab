import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from guanjia.core.roles import Role
from guanjia.residents.signin import VERIFIED_KEY as SESSION_KEY
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


def png(name="deed.png", colour=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def hw(world):
    """The scoping world plus the butler of 1栋 at P1 and a vacant unit 1203 to claim."""
    world.butler_member = f.make_staff(
        company=world.company, roles=[Role.BUTLER], projects=[world.project], name="1栋管家"
    )
    world.butler_member.butler_buildings.set([world.building])
    world.butler = world.butler_member.user
    world.free_unit = f.UnitFactory(building=world.building, number="1203", status="vacant")
    world.foreign_unit = f.UnitFactory(building=f.BuildingFactory(project=world.foreign_project))
    world.desk_member = StaffMember.objects.get(user=world.desk)
    return world


def claim_data(hw, unit=None, **extra) -> dict:
    unit = unit or hw.free_unit
    return {
        "project_id": unit.project_id,
        "building_id": unit.building_id,
        "unit_id": unit.pk,
        "name": "新业主",
        "relation": "owner",
    } | extra


def verified_client(phone: str, *, minutes_ago: int = 1) -> Client:
    """A browser whose session holds a phone number proved by SMS code (the sign-in's contract)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "phone": phone,
        "verified_at": (timezone.now() - datetime.timedelta(minutes=minutes_ago)).isoformat(),
    }
    session.save()
    return client


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    """These tests read the SMS a resident is sent, at whatever hour they run; quiet hours (which
    defer non-urgent SMS to residents, at noon and at night) have their own tests."""
    settings.GUANJIA_QUIET_HOURS = []
