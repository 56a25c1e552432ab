import datetime

import pytest
from django.utils import timezone

from guanjia.lending import services


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


@pytest.fixture
def lw(world):
    """The scoping world plus P1's lending shelf: two wheelchairs (7 days) and twenty umbrellas."""
    world.wheelchair = services.item_create(
        actor=world.manager,
        data={"project_id": world.project.pk, "name": "轮椅", "quantity": 2, "loan_days": 7},
    )
    world.umbrella = services.item_create(
        actor=world.manager,
        data={"project_id": world.project.pk, "name": "雨伞", "quantity": 20, "loan_days": 1},
    )
    return world


@pytest.fixture
def clock(monkeypatch):
    """Set the lending clock (``services._now``): ``clock(moment)``."""

    def set_now(moment):
        monkeypatch.setattr(services, "_now", lambda: moment)
        return moment

    return set_now


def loan_data(lw, **extra) -> dict:
    return {
        "item_id": lw.wheelchair.pk,
        "unit_id": lw.unit.pk,
        "resident_id": lw.resident.pk,
        "borrower_name": "王阿姨",
        "borrower_phone": "13800138000",
        "id_checked": True,
        "id_number": "110101195001011234",
        "quantity": 1,
        **extra,
    }


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)
