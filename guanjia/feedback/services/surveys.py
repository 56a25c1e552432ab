"""Satisfaction surveys: a draft (period, projects, service lines, questions — the defaults of each
line unless given) is opened once (households counted, residents notified in the background) and
closed by hand or by the job; a household answers once; a low score with a comment becomes a
complaint through ``ticket_create``. The results are reads: ``feedback.selectors``."""

from __future__ import annotations

import datetime
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, DomainError, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Project, Resident, Unit

# Opening a survey enqueues the residents' notice as a job; tasks.py imports these services for its
# own jobs, so this is a module import whose attribute is read at call time (either may load first).
from guanjia.feedback import tasks
from guanjia.feedback.choices import ServiceLine, SurveyStatus
from guanjia.feedback.defaults import DEFAULT_QUESTIONS
from guanjia.feedback.models import Survey, SurveyAnswer, SurveyProject, SurveyQuestion, SurveyResponse
from guanjia.feedback.services import common
from guanjia.feedback.services.common import households
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Notification
from guanjia.notifications.services import notify
from guanjia.tickets.choices import Kind
from guanjia.tickets.services import ticket_create

# A score at or below this, with a comment, is followed up as a complaint.
LOW_SCORE = 2
PERIOD_RE = re.compile(r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2])|H[12])?$")
SURVEY_FIELDS = {"title", "period", "opens_on", "closes_on", "project_ids", "lines", "questions"}


def _clean_questions(data: dict, lines: list[str]) -> list[tuple[str, str]]:
    given = data.get("questions")
    if not given:
        return [(line, str(text)) for line in lines for text in DEFAULT_QUESTIONS[line]]
    cleaned = []
    for n, row in enumerate(given):
        line = row.get("line") if isinstance(row, dict) else None
        text = str((row.get("text") if isinstance(row, dict) else "") or "").strip()
        if line not in lines:
            raise ValidationError({f"questions.{n}.line": _("题目的服务条线须为本调查的条线之一")})
        if not text or len(text) > 200:
            raise ValidationError({f"questions.{n}.text": _("请填写题目（不超过 200 字）")})
        cleaned.append((line, text))
    return cleaned


def _survey_save(actor, survey: Survey, data: dict, *, creating: bool) -> Survey:
    unknown = set(data) - SURVEY_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    errors: dict = {}
    for field in ("title", "period", "opens_on", "closes_on"):
        if field in data:
            setattr(survey, field, data[field].strip() if isinstance(data[field], str) else data[field])
    if survey.period and not PERIOD_RE.match(survey.period):
        errors["period"] = [_("周期格式如 2026Q4、2026-11、2026H2 或 2026")]
    projects = None
    if creating or "project_ids" in data:
        ids = list(dict.fromkeys(data.get("project_ids") or []))
        if not ids:
            errors["project_ids"] = [_("请至少选择一个项目")]
        else:
            projects = []
            for pk in ids:
                try:
                    projects.append(visible_reference(Project, pk, actor, field="project_ids"))
                except ValidationError as exc:
                    errors.setdefault("project_ids", []).extend(exc.messages)
    lines = None
    if creating or "lines" in data or "questions" in data:
        lines = list(dict.fromkeys(data.get("lines") or ServiceLine.values))
        if any(line not in ServiceLine.values for line in lines):
            errors["lines"] = [_("服务条线须为 客服、工程、秩序、环境")]
    if errors:
        raise ValidationError(errors)
    questions = _clean_questions(data, lines) if lines is not None else None
    save_validated(survey)
    if projects is not None:
        survey.covered.exclude(project__in=projects).delete()
        have = set(survey.covered.values_list("project_id", flat=True))
        for project in projects:
            if project.pk not in have:
                SurveyProject.objects.create(company_id=survey.company_id, project=project, survey=survey)
    if questions is not None:
        survey.questions.all().delete()
        for position, (line, text) in enumerate(questions, start=1):
            SurveyQuestion.objects.create(
                company_id=survey.company_id, survey=survey, line=line, position=position, text=text
            )
    return survey


@service
def survey_create(*, actor, data: dict) -> Survey:
    """A draft survey for a period, some projects and service lines; without questions of its own it
    gets the default set of each line (``defaults.DEFAULT_QUESTIONS``)."""
    require(actor, Perm.MANAGE_SURVEYS)
    return _survey_save(actor, Survey(company_id=actor.company_id), data, creating=True)


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("调查已开始，不能再修改"))


@service
def survey_update(*, actor, survey: Survey, data: dict) -> Survey:
    """Change a draft: title, period, dates, projects, lines and questions."""
    require(actor, Perm.MANAGE_SURVEYS)
    survey = lock(survey)
    _require_draft(survey)
    return _survey_save(actor, survey, data, creating=False)


@service
def survey_delete(*, actor, survey: Survey) -> None:
    """Only a draft can be removed; an opened survey has been sent to residents and stays."""
    require(actor, Perm.MANAGE_SURVEYS)
    survey = lock(survey)
    _require_draft(survey)
    survey.delete()


# Residents are told in batches, each written to the outbox in its own transaction: a survey of
# many estates reaches thousands of households, and one transaction (and one job run) per survey
# would hold them all. A run stopped half-way (a worker killed, Redis emptied, a deploy) is resumed
# by ``resume_survey_notices``; the dedup key skips whoever was told, so nobody is told twice.
NOTICE_BATCH = 500
# A survey whose notices have not all gone out this long after opening: its job was lost.
NOTICE_RESUME_AFTER = datetime.timedelta(minutes=10)


def notice_key(survey_id: int) -> str:
    return f"feedback-survey-{survey_id}-opened"


def _resident_user_ids(project_ids):
    """Users of residents living in the projects now, in user id order (the batches' cursor)."""
    return (
        Resident.objects.filter(
            deleted_at__isnull=True,
            user__isnull=False,
            user__is_active=True,
            occupancies__in=Occupancy.objects.current().filter(project_id__in=project_ids),
        )
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def notify_survey_opened(survey_id: int, *, batch: int = NOTICE_BATCH) -> int:
    """Tell every resident of an open survey's estates, ``batch`` users per transaction; then mark the
    survey told (``residents_notified_at``). Idempotent and resumable: who has the survey's notice
    (its dedup key) is skipped, a told survey is left alone. Returns how many were told now."""
    survey = Survey.objects.filter(
        pk=survey_id, status=SurveyStatus.OPEN, residents_notified_at__isnull=True
    ).first()
    if survey is None:
        return 0
    project_ids = list(survey.covered.values_list("project_id", flat=True))
    key = notice_key(survey.pk)
    users = get_user_model().objects
    after, told = 0, 0
    while ids := list(_resident_user_ids(project_ids).filter(user_id__gt=after)[:batch]):
        after = ids[-1]
        done = set(
            Notification.objects.filter(dedup_key=key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
        recipients = list(users.filter(pk__in=[pk for pk in ids if pk not in done]).order_by("pk"))
        if not recipients:
            continue
        with transaction.atomic():
            notify(
                recipients=recipients,
                subject=Message(gettext_lazy("满意度调查：%(title)s"), title=survey.title),
                body=Message(
                    gettext_lazy("请在 %(date)s 前完成本期满意度调查，您的意见是我们改进服务的依据。"),
                    date=survey.closes_on.isoformat(),
                ),
                url=reverse("feedback:portal_survey", args=[survey.pk]),
                related=survey,
                dedup_key=key,
                kind="feedback.survey",
            )
        told += len(recipients)
    with transaction.atomic():
        survey = lock(survey)
        if survey.residents_notified_at is None:
            survey.residents_notified_at = common._now()
            save_validated(survey)
    return told


def resume_survey_notices(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: open surveys whose notices have not all gone out ``NOTICE_RESUME_AFTER``
    after opening (their job was lost) are told now. Returns how many residents were told."""
    now = now or common._now()
    stalled = Survey.objects.filter(
        status=SurveyStatus.OPEN,
        residents_notified_at__isnull=True,
        opened_at__lt=now - NOTICE_RESUME_AFTER,
    ).order_by("opened_at", "pk")
    return sum(notify_survey_opened(pk) for pk in stalled.values_list("pk", flat=True))


@service
def survey_open(*, actor, survey: Survey) -> Survey:
    """Open a draft: the households of its projects are counted (the response rate's denominator,
    stored) and every resident living there is notified once, in the background
    (``notify_survey_opened``, in batches; the open survey not yet marked told is the job's record,
    so a lost job is resumed by ``resume_survey_notices``)."""
    require(actor, Perm.MANAGE_SURVEYS)
    survey = lock(survey)
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("调查当前状态为「%(status)s」，不能开始") % {"status": survey.get_status_display()})
    if not survey.questions.exists():
        raise ValidationError({"questions": _("调查至少需要一个题目")})
    if survey.closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("截止日期已过")})
    counts = households(survey.covered.values_list("project_id", flat=True))
    for covered in survey.covered.all():
        covered.invited = counts.get(covered.project_id, 0)
        covered.save()
    survey.status = SurveyStatus.OPEN
    survey.opened_at = common._now()
    save_validated(survey)
    transaction.on_commit(lambda: tasks.notify_survey_opened(survey.pk))
    return survey


@service
def survey_close(*, actor, survey: Survey) -> Survey:
    """Stop taking answers (also done by the job the day after ``closes_on``)."""
    if actor is not None:
        require(actor, Perm.MANAGE_SURVEYS)
    survey = lock(survey)
    if survey.status != SurveyStatus.OPEN:
        raise Conflict(_("调查当前状态为「%(status)s」，不能结束") % {"status": survey.get_status_display()})
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = common._now()
    return save_validated(survey)


def close_due_surveys(*, today: datetime.date | None = None) -> int:
    """The job: close every open survey whose closing date has passed. Idempotent."""
    today = today or timezone.localdate()
    closed = 0
    for survey in Survey.objects.filter(status=SurveyStatus.OPEN, closes_on__lt=today):
        try:
            survey_close(actor=None, survey=survey)
            closed += 1
        except Conflict:
            continue
    return closed


def _is_answering_now(survey: Survey) -> bool:
    today = timezone.localdate()
    return survey.status == SurveyStatus.OPEN and survey.opens_on <= today <= survey.closes_on


def _clean_scores(survey: Survey, answers) -> list[tuple[SurveyQuestion, int]]:
    """``answers``: [{"question_id", "score"}] or {question_id: score}. Every question once, 1–5."""
    questions = {q.pk: q for q in survey.questions.all()}
    if isinstance(answers, dict):
        answers = [{"question_id": k, "score": v} for k, v in answers.items()]
    given: dict[int, int] = {}
    errors: dict = {}
    for n, row in enumerate(answers or []):
        row = row if isinstance(row, dict) else {}
        try:
            qid = int(row.get("question_id"))
        except (TypeError, ValueError):
            qid = None
        if qid not in questions:
            errors[f"answers.{n}.question_id"] = [_("不是本调查的题目")]
            continue
        score = row.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            try:
                score = int(str(score))
            except ValueError:
                score = None
            if score is None or not 1 <= score <= 5:
                errors[f"answers.{n}.score"] = [_("评分须为 1–5 的整数")]
                continue
        if qid in given:
            errors[f"answers.{n}.question_id"] = [_("同一题目只能回答一次")]
            continue
        given[qid] = score
    missing = [q for pk, q in questions.items() if pk not in given]
    if missing and not errors:
        errors["answers"] = [
            _("还有 %(n)s 题未作答（第 %(first)s 题起）") % {"n": len(missing), "first": missing[0].position}
        ]
    if errors:
        raise ValidationError(errors)
    return [(questions[pk], score) for pk, score in given.items()]


@service
def response_submit(*, actor, data: dict) -> SurveyResponse:
    """A resident answers an open survey for one of their units: every question 1–5, an optional
    comment. One answer sheet per household and survey (a second is 409). A score of 2 or less with
    a comment becomes a complaint (``ticket_create``) so it enters the closed loop."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有业主/住户可以填写满意度调查"))
    errors: dict = {}
    survey = unit = None
    try:
        survey = visible_reference(Survey, data.get("survey_id"), actor, field="survey_id")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if survey and unit and not survey.covered.filter(project_id=unit.project_id).exists():
        errors["unit_id"] = [_("该房屋所在项目不在本次调查范围内")]
    comment = str(data.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = [_("意见不超过 2000 字")]
    if errors:
        raise ValidationError(errors)
    survey = lock(survey)
    if not _is_answering_now(survey):
        raise Conflict(_("该调查当前不在填写期内"))
    if SurveyResponse.objects.filter(survey=survey, unit=unit).exists():
        raise Conflict(_("该房屋已填写过本次调查"))
    scores = _clean_scores(survey, data.get("answers"))
    now = common._now()
    response = SurveyResponse(
        company_id=survey.company_id,
        project_id=unit.project_id,
        survey=survey,
        unit=unit,
        resident_id=scope.resident_id,
        submitted_at=now,
        comment=comment,
        needs_follow_up=bool(comment) and any(score <= LOW_SCORE for _q, score in scores),
    )
    try:
        save_validated(response)  # a concurrent second answer hits the unique constraint: 409
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise Conflict(_("该房屋已填写过本次调查")) from exc
        raise
    # Scores were checked above (and by the database's CHECK); one INSERT, journaled together.
    answers = SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                company_id=survey.company_id,
                project_id=unit.project_id,
                response=response,
                survey=survey,
                question=question,
                line=question.line,
                score=score,
            )
            for question, score in scores
        ]
    )
    journal_bulk_create(answers)
    if response.needs_follow_up:
        response.follow_up = _follow_up(actor, survey, unit, scores, comment)
        if response.follow_up is not None:
            response.save()
    return response


def _follow_up(actor, survey: Survey, unit: Unit, scores, comment: str):
    """The complaint that carries a low score into the request loop; None when the estate has no
    one to receive it yet (the answer stays marked ``needs_follow_up`` for the console)."""
    low = "、".join(
        f"{ServiceLine(q.line).label}「{q.text[:20]}」{score}分" for q, score in scores if score <= LOW_SCORE
    )
    description = _("满意度调查（%(period)s %(title)s）低分：%(low)s。业主意见：%(comment)s") % {
        "period": survey.period,
        "title": survey.title,
        "low": low,
        "comment": comment,
    }
    try:
        with transaction.atomic():
            return ticket_create(
                actor=actor,
                data={"kind": Kind.COMPLAINT, "unit_id": unit.pk, "description": description[:2000]},
            )
    except (DomainError, ValidationError):
        return None
