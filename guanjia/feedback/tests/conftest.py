import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.feedback import services
from guanjia.staff.choices import Department
from guanjia.testing import factories as f


@pytest.fixture
def fw(world):
    """The scoping world plus an HQ quality member, who manages surveys."""
    world.quality = f.make_staff(
        company=world.company, roles=[Role.HQ_QUALITY], department=Department.QUALITY, name="品质专员"
    ).user
    return world


def survey_data(world, projects=None, **extra) -> dict:
    today = timezone.localdate()
    return {
        "title": "四季度满意度调查",
        "period": "2026Q4",
        "opens_on": today - datetime.timedelta(days=1),
        "closes_on": today + datetime.timedelta(days=30),
        "project_ids": [p.pk for p in (projects or [world.project])],
        **extra,
    }


def make_survey(world, *, projects=None, opened=False, **extra):
    survey = services.survey_create(actor=world.admin, data=survey_data(world, projects, **extra))
    if opened:
        survey = services.survey_open(actor=world.admin, survey=survey)
    return survey


def all_scores(survey, score=5, **overrides) -> list[dict]:
    return [
        {"question_id": q.pk, "score": overrides.get(q.line, score)}
        for q in survey.questions.order_by("position")
    ]
