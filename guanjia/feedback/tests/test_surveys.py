"""Surveys: draft → open → closed, one answer per household, scores 1–5, low scores followed up,
results per project and line in a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.feedback import selectors, services
from guanjia.feedback.choices import ServiceLine, SurveyStatus
from guanjia.feedback.defaults import DEFAULT_QUESTIONS
from guanjia.feedback.models import SurveyAnswer, SurveyResponse
from guanjia.feedback.tests.conftest import all_scores, make_survey, survey_data
from guanjia.notifications.models import Notification
from guanjia.testing import factories as f
from guanjia.tickets.choices import Kind
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def answer(world, survey, *, user=None, unit=None, comment="", **scores):
    return services.response_submit(
        actor=user or world.resident_user,
        data={
            "survey_id": survey.pk,
            "unit_id": (unit or world.unit).pk,
            "answers": all_scores(survey, **scores),
            "comment": comment,
        },
    )


def test_a_new_survey_gets_the_default_questions_of_each_line(fw):
    survey = make_survey(fw)
    assert survey.status == SurveyStatus.DRAFT
    lines = list(survey.questions.order_by("position").values_list("line", flat=True))
    assert len(lines) == sum(len(v) for v in DEFAULT_QUESTIONS.values())
    assert set(lines) == set(ServiceLine.values)


def test_only_survey_managers_create_surveys(fw):
    with pytest.raises(NotAllowed):
        services.survey_create(actor=fw.manager, data=survey_data(fw))
    assert services.survey_create(actor=fw.quality, data=survey_data(fw)).pk


def test_bad_period_and_reversed_dates_name_their_fields(fw):
    with pytest.raises(ValidationError) as exc:
        services.survey_create(actor=fw.admin, data=survey_data(fw, period="Q4 2026"))
    assert "period" in exc.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.survey_create(
            actor=fw.admin, data=survey_data(fw, opens_on=today, closes_on=today - datetime.timedelta(days=1))
        )
    assert exc.value.message_dict


def test_opening_counts_households_and_notifies_residents_once(fw, django_capture_on_commit_callbacks):
    survey = make_survey(fw)
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_open(actor=fw.admin, survey=survey)
    covered = survey.covered.get()
    assert covered.invited == 2  # units 1201 and 1202 of P1
    notified = Notification.objects.filter(dedup_key=f"feedback-survey-{survey.pk}-opened")
    assert set(notified.values_list("recipient_id", flat=True)) == {
        fw.resident_user.pk,
        fw.other_resident_user.pk,
    }
    count = notified.count()
    with pytest.raises(Conflict):
        services.survey_open(actor=fw.admin, survey=survey)
    survey.refresh_from_db()
    assert survey.residents_notified_at is not None
    assert services.notify_survey_opened(survey.pk) == 0  # a repeated delivery of the same event
    assert notified.count() == count


def residents_of(world, n):
    users = []
    for _ in range(n):
        occupancy = f.OccupancyFactory(unit=f.UnitFactory(building=world.unit.building))
        users.append(f.make_resident_user(occupancy.resident))
    return users


def test_opening_notices_go_out_in_batches_each_resident_once(fw, django_capture_on_commit_callbacks):
    everyone = {fw.resident_user.pk, fw.other_resident_user.pk, *(u.pk for u in residents_of(fw, 5))}
    survey = make_survey(fw, opened=True)  # the job is not run here (its on_commit is not executed)
    with CaptureQueriesContext(connection) as queries:
        assert services.notify_survey_opened(survey.pk, batch=3) == 7
    inserts = [
        q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notifications_notification"')
    ]
    assert len(inserts) == 3  # 3 + 3 + 1 residents: one outbox write per batch
    notified = Notification.objects.filter(dedup_key=services.surveys.notice_key(survey.pk))
    assert set(notified.values_list("recipient_id", flat=True)) == everyone
    assert notified.filter(channel="in_app").count() == 7
    survey.refresh_from_db()
    assert survey.residents_notified_at is not None
    assert services.notify_survey_opened(survey.pk, batch=3) == 0


def test_a_job_stopped_half_way_is_finished_by_the_sweep_and_nobody_is_told_twice(fw, monkeypatch):
    """The worker running the job is killed after its first batch: that batch is in the outbox, the
    survey is not marked told; ten minutes after opening the sweep tells the others, once."""
    everyone = {fw.resident_user.pk, fw.other_resident_user.pk, *(u.pk for u in residents_of(fw, 3))}
    survey = make_survey(fw, opened=True)
    real_notify = services.surveys.notify
    calls = []

    def killed_after_one_batch(**kwargs):
        calls.append(kwargs["recipients"])
        if len(calls) > 1:
            raise SystemExit("kill -9")
        return real_notify(**kwargs)

    monkeypatch.setattr(services.surveys, "notify", killed_after_one_batch)
    with pytest.raises(SystemExit):
        services.notify_survey_opened(survey.pk, batch=2)
    monkeypatch.setattr(services.surveys, "notify", real_notify)
    notified = Notification.objects.filter(dedup_key=services.surveys.notice_key(survey.pk), channel="in_app")
    first = set(notified.values_list("recipient_id", flat=True))
    assert first == {u.pk for u in calls[0]} and len(first) == 2
    survey.refresh_from_db()
    assert survey.residents_notified_at is None

    opened = survey.opened_at
    assert services.resume_survey_notices(now=opened + datetime.timedelta(minutes=5)) == 0  # may still run
    assert services.resume_survey_notices(now=opened + datetime.timedelta(minutes=11)) == 3
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(everyone)
    survey.refresh_from_db()
    assert survey.residents_notified_at is not None
    assert services.resume_survey_notices(now=opened + datetime.timedelta(minutes=30)) == 0


def test_a_household_answers_once_and_a_second_answer_is_409(fw):
    survey = make_survey(fw, opened=True)
    response = answer(fw, survey)
    assert response.answers.count() == survey.questions.count()
    with pytest.raises(Conflict):
        answer(fw, survey)
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_answers_only_while_open(fw):
    draft = make_survey(fw)
    with pytest.raises(ValidationError) as exc:  # a draft is not even visible to residents
        answer(fw, draft)
    assert "survey_id" in exc.value.message_dict
    survey = make_survey(fw, opened=True)
    services.survey_close(actor=fw.admin, survey=survey)
    with pytest.raises(Conflict):
        answer(fw, survey)
    assert not SurveyResponse.objects.exists()


def test_the_closing_date_ends_answering_even_before_the_job_runs(fw):
    survey = make_survey(fw, opened=True)
    survey.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    survey.save()
    with pytest.raises(Conflict):
        answer(fw, survey)
    assert services.close_due_surveys() == 1
    assert services.close_due_surveys() == 0
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED


@pytest.mark.parametrize("score", [0, 6, "x", None])
def test_a_score_outside_1_to_5_is_422_naming_the_answer(fw, score):
    survey = make_survey(fw, opened=True)
    answers = all_scores(survey)
    answers[2]["score"] = score
    with pytest.raises(ValidationError) as exc:
        services.response_submit(
            actor=fw.resident_user, data={"survey_id": survey.pk, "unit_id": fw.unit.pk, "answers": answers}
        )
    assert "answers.2.score" in exc.value.message_dict
    assert not SurveyResponse.objects.exists()


def test_every_question_must_be_answered(fw):
    survey = make_survey(fw, opened=True)
    with pytest.raises(ValidationError) as exc:
        services.response_submit(
            actor=fw.resident_user,
            data={"survey_id": survey.pk, "unit_id": fw.unit.pk, "answers": all_scores(survey)[:-1]},
        )
    assert "answers" in exc.value.message_dict


def test_residents_answer_only_for_their_own_units_and_staff_not_at_all(fw):
    survey = make_survey(fw, opened=True)
    with pytest.raises(ValidationError) as exc:
        answer(fw, survey, unit=fw.other_unit)
    assert "unit_id" in exc.value.message_dict
    with pytest.raises(NotAllowed):
        answer(fw, survey, user=fw.desk)


def test_a_unit_outside_the_surveyed_projects_is_422(fw):
    survey = make_survey(fw, projects=[fw.sibling_project], opened=True)
    occupancy = f.OccupancyFactory(unit=f.UnitFactory(building=fw.building), resident=fw.resident)
    assert occupancy.unit.project_id == fw.project.pk
    with pytest.raises(ValidationError):
        answer(fw, survey)


def test_a_low_score_with_a_comment_becomes_a_complaint(fw):
    survey = make_survey(fw, opened=True)
    response = answer(fw, survey, comment="电梯经常坏，报修没人管", engineering=1)
    assert response.needs_follow_up
    ticket = Ticket.objects.get(pk=response.follow_up_id)
    assert ticket.kind == Kind.COMPLAINT and ticket.unit_id == fw.unit.pk
    assert "电梯经常坏" in ticket.description and "工程" in ticket.description


def test_a_low_score_without_a_comment_or_a_comment_without_a_low_score_is_not_followed_up(fw):
    survey = make_survey(fw, opened=True)
    assert answer(fw, survey, engineering=1).follow_up_id is None
    assert (
        answer(fw, survey, user=fw.other_resident_user, unit=fw.other_unit, comment="很好").follow_up_id
        is None
    )
    assert not Ticket.objects.exists()


def test_results_per_project_and_line(fw):
    survey = make_survey(fw, projects=[fw.project, fw.sibling_project], opened=True)
    answer(fw, survey, score=5, engineering=2)
    answer(fw, survey, user=fw.other_resident_user, unit=fw.other_unit, score=4, engineering=3)
    results = selectors.survey_results(survey, fw.admin)
    assert results["invited"] == 3 and results["answered"] == 2
    p1 = next(p for p in results["projects"] if p["project_id"] == fw.project.pk)
    p2 = next(p for p in results["projects"] if p["project_id"] == fw.sibling_project.pk)
    assert p1["response_rate"] == Decimal("1.0000")
    assert p2["response_rate"] == Decimal("0.0000") and p2["mean"] is None
    engineering = next(row for row in results["lines"] if row["line"] == ServiceLine.ENGINEERING)
    assert engineering["mean"] == Decimal("2.50") and engineering["satisfied_share"] == Decimal("0.0000")
    service = next(row for row in results["lines"] if row["line"] == ServiceLine.CUSTOMER_SERVICE)
    assert service["mean"] == Decimal("4.50") and service["satisfied_share"] == Decimal("1.0000")
    # 9 answers of 5 and 3 of 2; 9 of 4 and 3 of 3 → (45 + 6 + 36 + 9) / 24
    assert p1["mean"] == Decimal("4.00") and p1["satisfied_share"] == Decimal("0.7500")


def test_results_cost_the_same_queries_for_many_projects(fw):
    def cost(survey):
        with CaptureQueriesContext(connection) as ctx:
            selectors.survey_results(survey, fw.admin)
        return len(ctx)

    small = make_survey(fw, opened=True)
    many = [f.ProjectFactory(company=fw.company) for _ in range(5)]
    for project in many:
        f.OccupancyFactory(unit=f.UnitFactory(building=f.BuildingFactory(project=project)))
    large = make_survey(fw, projects=[fw.project, *many], opened=True)
    answer(fw, large)
    assert cost(large) == cost(small)


def test_staff_see_results_of_their_projects_only(fw):
    survey = make_survey(fw, projects=[fw.project, fw.sibling_project], opened=True)
    answer(fw, survey)
    seen = {p["project_id"] for p in selectors.survey_results(survey, fw.sibling_desk)["projects"]}
    assert seen == {fw.sibling_project.pk}
    assert SurveyAnswer.objects.visible_to(fw.sibling_desk).count() == 0


def test_only_a_draft_changes_or_is_deleted(fw):
    survey = make_survey(fw)
    services.survey_update(actor=fw.admin, survey=survey, data={"title": "改名", "lines": ["engineering"]})
    assert set(survey.questions.values_list("line", flat=True)) == {"engineering"}
    services.survey_open(actor=fw.admin, survey=survey)
    with pytest.raises(Conflict):
        services.survey_update(actor=fw.admin, survey=survey, data={"title": "again"})
    with pytest.raises(Conflict):
        services.survey_delete(actor=fw.admin, survey=survey)


def test_pay_by_satisfaction_sets_the_fee_from_the_published_scale(fw):
    steps = [
        {"min_satisfied": "90", "fee_percent": "100"},
        {"min_satisfied": "75", "fee_percent": "95"},
        {"min_satisfied": "0", "fee_percent": "85"},
    ]
    services.fee_scale_publish(actor=fw.admin, data={"project_id": fw.project.pk, "steps": steps})
    survey = make_survey(fw, opened=True)
    answer(fw, survey, score=5, engineering=2)  # 9 of 12 satisfied: 75 %
    row = selectors.survey_results(survey, fw.admin)["projects"][0]
    assert row["satisfied_share"] == Decimal("0.7500") and row["fee_percent"] == Decimal("95.00")
    assert services.fee_percent(steps, Decimal("0.9")) == Decimal("100")
    assert services.fee_percent(steps, Decimal("0.1")) == Decimal("85")
    assert services.fee_percent(steps, None) is None


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        (
            [{"min_satisfied": "80", "fee_percent": "100"}, {"min_satisfied": "90", "fee_percent": "95"}],
            "steps.1.min_satisfied",
        ),
        (
            [{"min_satisfied": "90", "fee_percent": "95"}, {"min_satisfied": "80", "fee_percent": "100"}],
            "steps.1.fee_percent",
        ),
        ([{"min_satisfied": "101", "fee_percent": "100"}], "steps.0.min_satisfied"),
        ([{"min_satisfied": "x", "fee_percent": "100"}], "steps.0.min_satisfied"),
    ],
)
def test_a_bad_scale_is_422_naming_the_step(fw, steps, field):
    with pytest.raises(ValidationError) as exc:
        services.fee_scale_publish(actor=fw.admin, data={"project_id": fw.project.pk, "steps": steps})
    assert field in exc.value.message_dict


def test_only_survey_managers_publish_a_scale(fw):
    steps = [{"min_satisfied": "0", "fee_percent": "100"}]
    with pytest.raises(NotAllowed):
        services.fee_scale_publish(actor=fw.manager, data={"project_id": fw.project.pk, "steps": steps})
    with pytest.raises(ValidationError):
        services.fee_scale_publish(actor=fw.foreign_admin, data={"project_id": fw.project.pk, "steps": steps})
