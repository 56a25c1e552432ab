"""Every change of feedback records: surveys (draft → open → closed), households' answers and
their follow-up, cards cast, yellow cards answered, and the monthly tally published once."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, DomainError, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm, Role, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.feedback.choices import CardColour, CardTarget, ServiceLine, SurveyStatus
from guanjia.feedback.defaults import DEFAULT_QUESTIONS
from guanjia.feedback.models import (
    CardTally,
    CardVote,
    FeeScale,
    Survey,
    SurveyAnswer,
    SurveyProject,
    SurveyQuestion,
    SurveyResponse,
)
from guanjia.staff.models import StaffMember

# A score at or below this, with a comment, is followed up as a complaint.
LOW_SCORE = 2
# Days the estate has to rectify after a yellow card for the company (限期整改); stored on the card.
YELLOW_CARD_DAYS = 7
PERIOD_RE = re.compile(r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2])|H[12])?$")
SURVEY_FIELDS = {"title", "period", "opens_on", "closes_on", "project_ids", "lines", "questions"}


def _now() -> datetime.datetime:
    """The present. One seam, so tests can cast cards at the turn of a month."""
    return timezone.now()


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the Asia/Shanghai month ``moment`` falls in."""
    return timezone.localtime(moment).date().replace(day=1)


def parse_month(value) -> datetime.date | None:
    """``2026-11`` (or a date) → 2026-11-01; None if it is not a month."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})(-01)?", str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        return None
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def households(project_ids) -> dict[int, int]:
    """Households (units with an active occupancy) per project: one aggregate query."""
    rows = (
        Occupancy.objects.current()
        .filter(project_id__in=list(project_ids), unit__deleted_at__isnull=True)
        .values("project_id")
        .annotate(n=Count("unit_id", distinct=True))
    )
    return {row["project_id"]: row["n"] for row in rows}


# Surveys -----------------------------------------------------------------------------------------


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


def _resident_users(project_ids) -> list:
    residents = (
        Resident.objects.filter(
            deleted_at__isnull=True,
            user__isnull=False,
            user__is_active=True,
            occupancies__in=Occupancy.objects.current().filter(project_id__in=project_ids),
        )
        .select_related("user")
        .distinct()
    )
    return [r.user for r in residents]


def notify_survey_opened(survey_id: int) -> None:
    survey = Survey.objects.filter(pk=survey_id, status=SurveyStatus.OPEN).first()
    if survey is not None:
        _notify_opened(survey)


def _notify_opened(survey: Survey) -> None:
    from guanjia.notifications.services import notify

    project_ids = list(survey.covered.values_list("project_id", flat=True))
    notify(
        recipients=_resident_users(project_ids),
        subject=_("满意度调查：%(title)s") % {"title": survey.title},
        body=_("请在 %(date)s 前完成本期满意度调查，您的意见是我们改进服务的依据。")
        % {"date": survey.closes_on.isoformat()},
        url=reverse("feedback:portal_survey", args=[survey.pk]),
        related=survey,
        dedup_key=f"feedback-survey-{survey.pk}-opened",
    )


def _enqueue_opened(survey_id: int) -> None:
    from guanjia.feedback.tasks import notify_survey_opened

    notify_survey_opened(survey_id)


@service
def survey_open(*, actor, survey: Survey) -> Survey:
    """Open a draft: the households of its projects are counted (the response rate's denominator,
    stored) and every resident living there is notified once."""
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
    survey.opened_at = _now()
    save_validated(survey)
    transaction.on_commit(lambda: _enqueue_opened(survey.pk))
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
    survey.closed_at = _now()
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
    now = _now()
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
    from guanjia.tickets.choices import Kind
    from guanjia.tickets.services import ticket_create

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


# Cards -------------------------------------------------------------------------------------------


def _card_owner(project_id: int) -> StaffMember | None:
    """Who answers a yellow card: the project manager, else a department head of the project."""
    members = StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True).order_by("id")
    for role in (Role.PROJECT_MANAGER, Role.DEPARTMENT_HEAD):
        member = members.with_role(role).select_related("user").first()
        if member is not None:
            return member
    return None


def _notify_card(card: CardVote) -> None:
    from guanjia.notifications.services import notify

    recipients = [card.owner.user] if card.owner_id else []
    if not recipients:
        return
    if card.colour == CardColour.YELLOW:
        subject = _("黄牌：%(unit)s 要求限期整改，期限 %(deadline)s") % {
            "unit": str(card.unit),
            "deadline": timezone.localtime(card.deadline).strftime("%Y-%m-%d %H:%M"),
        }
    else:
        subject = _("红牌：%(unit)s 对物业服务不满意") % {"unit": str(card.unit)}
    notify(
        recipients=recipients,
        subject=subject,
        body=card.reason[:500],
        url=reverse("feedback:cards"),
        related=card,
        dedup_key=f"feedback-card-{card.pk}-cast",
    )


@service
def card_cast(*, actor, data: dict) -> CardVote:
    """A household casts one of this month's cards (Asia/Shanghai month): one blue, one yellow and one
    red per target and month; a card of another month cannot be cast (422 on ``month``). A yellow
    card for the company gets an owner (the project manager) and a rectification deadline."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有业主/住户可以投红黄蓝牌"))
    now = _now()
    current = month_of(now)
    errors: dict = {}
    unit = None
    try:
        unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id", related=("building",))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    month = parse_month(data.get("month")) if data.get("month") not in (None, "") else current
    if month is None:
        errors["month"] = [_("月份格式应为 YYYY-MM")]
    elif month != current:
        errors["month"] = [
            _("只能投本月（%(month)s）的牌，不能跨月补投") % {"month": current.strftime("%Y-%m")}
        ]
    target = data.get("target")
    if target not in CardTarget.values:
        errors["target"] = [_("对象须为物业公司或业主委员会")]
    colour = data.get("colour")
    if colour not in CardColour.values:
        errors["colour"] = [_("颜色须为蓝、黄、红之一")]
    reason = str(data.get("reason") or "").strip()
    if len(reason) > 2000:
        errors["reason"] = [_("意见不超过 2000 字")]
    elif not reason and colour in (CardColour.YELLOW, CardColour.RED):
        errors["reason"] = [_("黄牌和红牌请写明意见")]
    if errors:
        raise ValidationError(errors)
    if CardVote.objects.filter(unit=unit, month=month, target=target, colour=colour).exists():
        raise Conflict(_("本月已投过这张牌"))
    card = CardVote(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        resident_id=scope.resident_id,
        month=month,
        target=target,
        colour=colour,
        reason=reason,
        cast_at=now,
    )
    if target == CardTarget.COMPANY and colour in (CardColour.YELLOW, CardColour.RED):
        card.owner = _card_owner(unit.project_id)
        if colour == CardColour.YELLOW:
            card.deadline = now + datetime.timedelta(days=YELLOW_CARD_DAYS)
    try:
        save_validated(card)
    except ValidationError as exc:
        if "__all__" in exc.message_dict:  # the unique constraint, found by full_clean
            raise Conflict(_("本月已投过这张牌")) from exc
        raise
    if card.owner_id:
        transaction.on_commit(lambda: _notify_card(card))
    return card


def escalate_overdue_cards(*, now: datetime.datetime | None = None) -> int:
    """The hourly job: a yellow card for the company still open past its stored deadline is reported
    to HQ quality (and reminded to its owner), exactly once: ``escalated_at`` is set under the card's
    row lock before anyone is told, and the notification's dedup key holds on a retry. Returns how
    many cards were reported."""
    from guanjia.notifications.services import notify
    from guanjia.quality.services import hq_quality_users

    now = now or _now()
    overdue = CardVote.objects.filter(
        colour=CardColour.YELLOW,
        target=CardTarget.COMPANY,
        closed_at__isnull=True,
        escalated_at__isnull=True,
        deadline__lt=now,
    ).order_by("deadline", "id")
    reported = 0
    for card_id in overdue.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            # The row alone is locked (PostgreSQL cannot lock the nullable side of the owner join).
            card = CardVote.objects.select_for_update().get(pk=card_id)
            if card.escalated_at is not None or card.closed_at is not None:
                continue  # another consumer reported it, or the estate answered it, a moment ago
            card.escalated_at = now
            save_validated(card)
            recipients = {user.pk: user for user in hq_quality_users(card.company_id)}
            if card.owner_id and card.owner.user_id:
                recipients[card.owner.user_id] = card.owner.user
            notify(
                recipients=list(recipients.values()),
                subject=_("黄牌逾期未整改：%(unit)s，期限 %(deadline)s")
                % {
                    "unit": str(card.unit),
                    "deadline": timezone.localtime(card.deadline).strftime("%Y-%m-%d %H:%M"),
                },
                body=card.reason[:500],
                url=reverse("feedback:cards"),
                related=card,
                dedup_key=f"feedback-card-{card.pk}-overdue",
                urgent=True,
            )
            reported += 1
    return reported


def may_answer_card(user, card: CardVote) -> bool:
    scope = scope_for(user)
    if not scope.is_staff:
        return False
    return scope.staff_id == card.owner_id or Perm.ANSWER_CARDS in scope.permissions


@service
def card_close(*, actor, card: CardVote, response: str) -> CardVote:
    """The estate answers a yellow card for the company with what was rectified, and closes it. Only
    staff (the owner, a project manager or HQ quality) — never the resident who cast it."""
    if not may_answer_card(actor, card):
        raise NotAllowed(_("只有整改责任人、项目经理或总部品质部可以回复黄牌"))
    card = lock(card)
    if card.colour != CardColour.YELLOW or card.target != CardTarget.COMPANY:
        raise Conflict(_("只有对物业公司的黄牌需要整改回复"))
    if card.closed_at is not None:
        raise Conflict(_("该黄牌已关闭"))
    response = str(response or "").strip()
    if not response:
        raise ValidationError({"response": _("请填写整改情况")})
    card.response = response[:2000]
    card.closed_at = _now()
    card.closed_by = actor
    return save_validated(card)


# How many ended months the tally job looks back: a consumer down over a month end (or two) still
# publishes those months when it comes back.
TALLY_CATCH_UP_MONTHS = 3


def publish_tallies(*, now: datetime.datetime | None = None) -> int:
    """The month-end job (公开唱票): store each ended month's tally per project and target exactly
    once (unique project, month, target). Run late or twice, it creates nothing more: a month missed
    while the job was down is published when it runs again (back to the first month with cards).
    Returns rows made."""
    now = now or _now()
    month = previous_month(month_of(now))
    months = [month]
    first_cast = CardVote.objects.aggregate(first=Min("month"))["first"]
    while len(months) < TALLY_CATCH_UP_MONTHS and first_cast is not None and months[-1] > first_cast:
        months.append(previous_month(months[-1]))
    return sum(_publish_month(earlier, now) for earlier in reversed(months))


def _publish_month(month: datetime.date, now: datetime.datetime) -> int:
    done = set(CardTally.objects.filter(month=month).values_list("project_id", "target"))
    projects = list(Project.objects.values_list("pk", "company_id"))
    missing = [
        (pk, company)
        for pk, company in projects
        if any((pk, target) not in done for target in CardTarget.values)
    ]
    if not missing:
        return 0
    counts = {
        (row["project_id"], row["target"]): row
        for row in CardVote.objects.filter(month=month, project_id__in=[pk for pk, _c in missing])
        .values("project_id", "target")
        .annotate(
            blue=Count("id", filter=Q(colour=CardColour.BLUE)),
            yellow=Count("id", filter=Q(colour=CardColour.YELLOW)),
            red=Count("id", filter=Q(colour=CardColour.RED)),
        )
    }
    homes = households([pk for pk, _c in missing])
    made = 0
    for pk, company_id in missing:
        for target in CardTarget.values:
            if (pk, target) in done:
                continue
            row = counts.get((pk, target), {})
            try:
                with transaction.atomic():
                    _tally, created = CardTally.objects.get_or_create(
                        project_id=pk,
                        month=month,
                        target=target,
                        defaults={
                            "company_id": company_id,
                            "households": homes.get(pk, 0),
                            "blue": row.get("blue", 0),
                            "yellow": row.get("yellow", 0),
                            "red": row.get("red", 0),
                            "published_at": now,
                        },
                    )
            except IntegrityError:  # another consumer published it a moment ago
                continue
            made += int(created)
    return made


# Pay by satisfaction ------------------------------------------------------------------------------

HUNDRED = Decimal("100")


def _percent(value, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("须为 0–100 的数字")]
        return None
    if not Decimal(0) <= number <= HUNDRED:
        errors[field] = [_("须为 0–100 的数字")]
        return None
    return number


@service
def fee_scale_publish(*, actor, data: dict) -> FeeScale:
    """Publish (or replace) a project's pay-by-satisfaction scale: thresholds of the share satisfied
    strictly descending, fee percentages not rising as satisfaction falls."""
    require(actor, Perm.MANAGE_SURVEYS)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    rows = data.get("steps") or []
    errors: dict = {}
    if not rows:
        errors["steps"] = [_("请至少填写一档")]
    steps = []
    for n, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        low = _percent(row.get("min_satisfied"), f"steps.{n}.min_satisfied", errors)
        fee = _percent(row.get("fee_percent"), f"steps.{n}.fee_percent", errors)
        if low is None or fee is None:
            continue
        if steps and low >= steps[-1][0]:
            errors[f"steps.{n}.min_satisfied"] = [_("满意率门槛须从高到低排列")]
        elif steps and fee > steps[-1][1]:
            errors[f"steps.{n}.fee_percent"] = [_("满意率越低，收费比例不能越高")]
        steps.append((low, fee))
    if errors:
        raise ValidationError(errors)
    scale = FeeScale.objects.select_for_update().filter(project=project).first() or FeeScale(
        company_id=project.company_id, project=project
    )
    scale.steps = [{"min_satisfied": str(low), "fee_percent": str(fee)} for low, fee in steps]
    scale.published_at = _now()
    return save_validated(scale)


def fee_percent(steps: list[dict], satisfied_share: Decimal | None) -> Decimal | None:
    """The fee percentage a share satisfied (0–1) earns on a scale; None without answers or scale."""
    if satisfied_share is None or not steps:
        return None
    satisfied = satisfied_share * HUNDRED
    for step in steps:
        if satisfied >= Decimal(step["min_satisfied"]):
            return Decimal(step["fee_percent"])
    return Decimal(steps[-1]["fee_percent"])
