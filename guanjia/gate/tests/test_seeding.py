import random

import pytest

from guanjia.gate.models import Gate, Vehicle
from guanjia.gate.seeding import seed_demo_gate

pytestmark = pytest.mark.django_db


def test_demo_data_is_seeded_once(world):
    counts = seed_demo_gate(world.company, rng=random.Random(1))
    assert counts["gates"] == Gate.objects.filter(company=world.company).count() > 0
    assert Vehicle.objects.filter(company=world.company).exists()
    assert seed_demo_gate(world.company, rng=random.Random(1))["gates"] == 0
