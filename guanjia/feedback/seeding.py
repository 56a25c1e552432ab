"""Demo data of feedback, called by `manage.py seed_demo` after the estates, staff and requests exist:
this quarter's survey, open, with answers from a share of the households; last month's cards
(published) and this month's so far, with yellow cards open, overdue and answered."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from guanjia.core.journal import journal_bulk_create
from guanjia.estates.models import Occupancy, Project
from guanjia.feedback import services
from guanjia.feedback.choices import CardColour, CardTarget
from guanjia.feedback.models import CardVote, Survey, SurveyAnswer, SurveyResponse
from guanjia.staff.models import StaffMember

COMMENTS = [
    "电梯高峰期等待时间太长",
    "楼道保洁很及时，谢谢",
    "地库照明不足",
    "门岗对快递车辆管理松散",
    "维修师傅态度好",
]
REASONS = {
    CardColour.BLUE: ["服务周到", "环境干净", ""],
    CardColour.YELLOW: ["垃圾清运不及时，请整改", "地库积水未处理", "夜间施工噪音大"],
    CardColour.RED: ["多次投诉无人处理", "物业费公示不清"],
}


def _admin(company):
    member = (
        StaffMember.objects.filter(company=company, user__username="admin").select_related("user").first()
    )
    return member.user if member else None


def _households(company, rng: random.Random, share: float):
    """A sample of the company's households whose resident has no demo login (those answer themselves)."""
    rows = list(
        Occupancy.objects.current()
        .filter(company=company, resident__user__isnull=True)
        .order_by("unit_id")
        .values("unit_id", "project_id", "resident_id")
    )
    seen, picked = set(), []
    for row in rows:
        if row["unit_id"] not in seen and rng.random() < share:
            seen.add(row["unit_id"])
            picked.append(row)
    return picked


def _score(rng: random.Random) -> int:
    return rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0]


def seed_demo_feedback(company, *, rng: random.Random) -> dict[str, int]:
    if Survey.objects.filter(company=company).exists():
        return {}
    admin = _admin(company)
    if admin is None:
        return {}
    today = timezone.localdate()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter_end = (quarter_start + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(days=1)
    project_ids = list(company_project_ids(company))
    survey = services.survey_create(
        actor=admin,
        data={
            "title": "业主满意度调查",
            "period": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "opens_on": quarter_start,
            "closes_on": quarter_end,
            "project_ids": project_ids,
        },
    )
    survey = services.survey_open(actor=admin, survey=survey)
    questions = list(survey.questions.all())
    now = timezone.now()
    sheets = []
    for n, row in enumerate(_households(company, rng, 0.3)):
        sheets.append(
            SurveyResponse(
                company_id=company.pk,
                project_id=row["project_id"],
                survey=survey,
                unit_id=row["unit_id"],
                resident_id=row["resident_id"],
                submitted_at=now - datetime.timedelta(hours=n % 500),
                comment=rng.choice(COMMENTS) if rng.random() < 0.15 else "",
            )
        )
    sheets = SurveyResponse.objects.bulk_create(sheets)
    journal_bulk_create(sheets)
    answers = [
        SurveyAnswer(
            company_id=company.pk,
            project_id=sheet.project_id,
            response=sheet,
            survey=survey,
            question=q,
            line=q.line,
            score=_score(rng),
        )
        for sheet in sheets
        for q in questions
    ]
    SurveyAnswer.objects.bulk_create(answers, batch_size=2000)
    journal_bulk_create(answers)

    # Cards: last month's (then published) and this month's so far.
    this_month = services.month_of(now)
    last_month = services.previous_month(this_month)
    cast_last = datetime.datetime.combine(
        last_month + datetime.timedelta(days=9), datetime.time(10), tzinfo=now.tzinfo
    )
    owners = {pid: services.cards._card_owner(pid) for pid in project_ids}
    cards = []
    for month, share, when in (
        (last_month, 0.25, cast_last),
        (this_month, 0.08, now - datetime.timedelta(hours=2)),
    ):
        for row in _households(company, rng, share):
            for target in CardTarget.values:
                colour = rng.choices(CardColour.values, weights=[75, 18, 7])[0]
                card = CardVote(
                    company_id=company.pk,
                    project_id=row["project_id"],
                    unit_id=row["unit_id"],
                    resident_id=row["resident_id"],
                    month=month,
                    target=target,
                    colour=colour,
                    reason=rng.choice(REASONS[colour]),
                    cast_at=when,
                )
                if target == CardTarget.COMPANY and colour != CardColour.BLUE:
                    card.owner = owners.get(row["project_id"])
                    if colour == CardColour.YELLOW:
                        card.deadline = when + datetime.timedelta(days=services.YELLOW_CARD_DAYS)
                        if month == last_month and rng.random() < 0.6 and card.owner is not None:
                            card.response = "已安排整改并回访业主"
                            card.closed_at = card.deadline - datetime.timedelta(days=2)
                            card.closed_by = card.owner.user
                cards.append(card)
    cards = CardVote.objects.bulk_create(cards)
    journal_bulk_create(cards)
    tallies = services.publish_tallies(now=now)
    return {"survey_answers": len(sheets), "cards": len(cards), "card_tallies": tallies}


def company_project_ids(company):
    return Project.objects.filter(company=company).order_by("id").values_list("pk", flat=True)
