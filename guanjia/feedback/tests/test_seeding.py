import random

import pytest

from guanjia.feedback.models import CardTally, CardVote, Survey, SurveyResponse
from guanjia.feedback.seeding import seed_demo_feedback
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent(world):
    world.admin.username = "admin"
    world.admin.save()
    for _ in range(30):
        f.OccupancyFactory(unit=f.UnitFactory(building=world.building))
    counts = seed_demo_feedback(world.company, rng=random.Random(2026))
    assert counts["survey_answers"] == SurveyResponse.objects.count() > 0
    assert counts["cards"] == CardVote.objects.count() > 0
    assert CardTally.objects.filter(project=world.project).count() == 2
    assert seed_demo_feedback(world.company, rng=random.Random(2026)) == {}
    assert Survey.objects.get().status == "open"
