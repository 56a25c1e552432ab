"""Feedback pages: surveys with their results per project and line, the cards' tallies and the open
yellow cards (console); answering a survey and casting this month's cards (resident portal, phone
width). Thin: every fetch is ``visible_to``, every write a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Occupancy, unit_order
from guanjia.feedback import forms, selectors, services
from guanjia.feedback.choices import CardColour, CardTarget, ServiceLine, SurveyStatus
from guanjia.feedback.models import CardTally, CardVote, Survey, SurveyResponse
from guanjia.tickets.views import resident_page
from guanjia.web.helpers import console_view, render_form, save_via_service


def _messages_of(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# Console: surveys --------------------------------------------------------------------------------


@console_view(Perm.VIEW_FEEDBACK)
def survey_list(request):
    surveys = Survey.objects.visible_to(request.user).prefetch_related("covered__project")[:200]
    return render(request, "feedback/survey_list.html", {"surveys": surveys})


@console_view(Perm.MANAGE_SURVEYS)
def survey_new(request):
    form = forms.SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST":
        survey = save_via_service(
            request,
            form,
            lambda data: services.survey_create(actor=request.user, data=forms.survey_data(data)),
            field_map={"project_ids": "projects"},
        )
        if survey is not None:
            messages.success(request, _("调查已创建（草稿），确认题目后即可开始"))
            return redirect("feedback:survey_detail", pk=survey.pk)
    return render_form(request, form, title=_("新建满意度调查"), cancel_url="/feedback/surveys/")


@console_view(Perm.VIEW_FEEDBACK)
def survey_detail(request, pk: int):
    survey = visible_or_404(Survey.objects.prefetch_related("questions"), pk, request.user)
    questions = sorted(survey.questions.all(), key=lambda q: q.position)
    results = selectors.survey_results(survey, request.user)
    line_labels = dict(ServiceLine.choices)
    lines = [row["line"] for row in results["lines"]]
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "questions": questions,
            "results": results,
            "has_scale": any(p["fee_percent"] is not None for p in results["projects"]),
            "lines": [(line, line_labels[line]) for line in lines],
            "follow_ups": selectors.follow_ups(survey, request.user)[:100],
            "can_manage": user_can(request.user, Perm.MANAGE_SURVEYS),
        },
    )


@console_view(Perm.MANAGE_SURVEYS)
@require_POST
def survey_act(request, pk: int, action: str):
    survey = visible_or_404(Survey.objects.all(), pk, request.user)
    act = {"open": services.survey_open, "close": services.survey_close}.get(action)
    if act is None:
        return redirect("feedback:survey_detail", pk=pk)
    try:
        act(actor=request.user, survey=survey)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("调查已开始，已通知住户") if action == "open" else _("调查已结束"))
    return redirect("feedback:survey_detail", pk=pk)


# Console: cards --------------------------------------------------------------------------------------


@console_view(Perm.VIEW_FEEDBACK)
def cards(request):
    """This month's cards so far, the year's published tallies with the ratings, and the yellow
    cards waiting for the estate's response (overdue first)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    month = today.replace(day=1)
    open_yellow = (
        CardVote.objects.visible_to(request.user)
        .open_yellow()
        .select_related("project", "unit__building", "owner")
        .order_by("deadline", "id")[:200]
    )
    published = (
        CardTally.objects.visible_to(request.user)
        .filter(month__year=year)
        .select_related("project")
        .order_by("-month", "project__name", "target")[:500]
    )
    return render(
        request,
        "feedback/cards.html",
        {
            "month": month,
            "year": year,
            "live": selectors.month_counts(request.user, month),
            "yearly": selectors.yearly_tally(request.user, year),
            "published": published,
            "open_yellow": open_yellow,
            "now": timezone.now(),
            "can_answer": user_can(request.user, Perm.ANSWER_CARDS),
        },
    )


@console_view(Perm.VIEW_FEEDBACK)
@require_POST
def card_close(request, pk: int):
    card = visible_or_404(
        CardVote.objects.select_related("project", "unit__building", "owner"), pk, request.user
    )
    error = ""
    try:
        card = services.card_close(actor=request.user, card=card, response=request.POST.get("response", ""))
    except (Conflict, NotAllowed) as exc:
        error = exc.message
    except ValidationError as exc:
        error = _messages_of(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("黄牌已回复并关闭"))
        return redirect("feedback:cards")
    card = CardVote.objects.select_related("project", "unit__building", "owner").get(pk=card.pk)
    return render(
        request,
        "feedback/_yellow_row.html",
        {"card": card, "error": error, "now": timezone.now(), "can_answer": True},
        status=422 if error else 200,
    )


# Resident portal ---------------------------------------------------------------------------------------


def _my_units(user):
    scope = scope_for(user)
    return list(
        Occupancy.objects.filter(resident_id=scope.resident_id)
        .current()
        .select_related("unit__building", "project")
        .order_by("project__name", *unit_order("unit__"))
    )


@resident_page
def portal_surveys(request):
    surveys = list(
        Survey.objects.visible_to(request.user).filter(status=SurveyStatus.OPEN).prefetch_related("covered")
    )
    units = _my_units(request.user)
    answered = set(
        SurveyResponse.objects.visible_to(request.user)
        .filter(survey__in=surveys)
        .values_list("survey_id", "unit_id")
    )
    rows = []
    for survey in surveys:
        covered = {c.project_id for c in survey.covered.all()}
        mine = [o.unit for o in units if o.project_id in covered]
        rows.append(
            {
                "survey": survey,
                "units": [(u, (survey.pk, u.pk) in answered) for u in mine],
                "todo": any((survey.pk, u.pk) not in answered for u in mine),
            }
        )
    return render(request, "feedback/portal_surveys.html", {"rows": rows})


@resident_page
def portal_survey(request, pk: int):
    survey = visible_or_404(Survey.objects.prefetch_related("questions", "covered"), pk, request.user)
    covered = {c.project_id for c in survey.covered.all()}
    done = set(
        SurveyResponse.objects.visible_to(request.user)
        .filter(survey=survey)
        .values_list("unit_id", flat=True)
    )
    units = [o.unit for o in _my_units(request.user) if o.project_id in covered and o.unit_id not in done]
    questions = sorted(survey.questions.all(), key=lambda q: q.position)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        answers = [{"question_id": q.pk, "score": request.POST.get(f"q{q.pk}")} for q in questions]
        try:
            services.response_submit(
                actor=request.user,
                data={
                    "survey_id": survey.pk,
                    "unit_id": request.POST.get("unit_id") or (units[0].pk if len(units) == 1 else None),
                    "answers": answers,
                    "comment": request.POST.get("comment", ""),
                },
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except Conflict as exc:
            errors = {"__all__": [exc.message]}
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("feedback:portal_surveys")
    # Field errors named answers.<n>.score map back to the question on the page.
    by_question = {}
    for key, msgs in errors.items():
        if key.startswith("answers.") and key.count(".") == 2:
            n = int(key.split(".")[1])
            if n < len(questions):
                by_question[questions[n].pk] = msgs
    grouped: dict[str, list] = {}
    for q in questions:
        grouped.setdefault(q.get_line_display(), []).append(
            {"q": q, "value": str(values.get(f"q{q.pk}", "")), "errors": by_question.get(q.pk, [])}
        )
    return render(
        request,
        "feedback/portal_survey.html",
        {
            "survey": survey,
            "units": units,
            "grouped": grouped,
            "errors": errors,
            "comment": values.get("comment", ""),
            "chosen_unit": str(values.get("unit_id", "")),
            "scale": [
                (5, _("非常满意")),
                (4, _("满意")),
                (3, _("一般")),
                (2, _("不满意")),
                (1, _("非常不满意")),
            ],
            "open": survey.status == SurveyStatus.OPEN,
        },
        status=422 if errors else 200,
    )


@resident_page
def portal_cards(request):
    """This month's cards of each of my units: what I cast, and the ones I may still cast."""
    month = services.month_of(timezone.now())
    if request.method == "POST":
        try:
            services.card_cast(
                actor=request.user,
                data={
                    "unit_id": request.POST.get("unit_id"),
                    "month": request.POST.get("month"),
                    "target": request.POST.get("target"),
                    "colour": request.POST.get("colour"),
                    "reason": request.POST.get("reason", ""),
                },
            )
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已投出，感谢您的监督"))
        return redirect("feedback:portal_cards")
    units = _my_units(request.user)
    cast = list(
        CardVote.objects.visible_to(request.user)
        .select_related("unit__building")
        .order_by("-month", "unit_id", "target", "colour")[:300]
    )
    this_month = {(c.unit_id, c.target, c.colour): c for c in cast if c.month == month}
    sheets = []
    for occ in units:
        targets = []
        for target, target_label in CardTarget.choices:
            targets.append(
                {
                    "value": target,
                    "label": target_label,
                    "cards": [
                        {
                            "colour": colour,
                            "label": label,
                            "cast": this_month.get((occ.unit_id, target, colour)),
                        }
                        for colour, label in CardColour.choices
                    ],
                }
            )
        sheets.append({"occ": occ, "targets": targets})
    last_month = services.previous_month(month)
    tallies = CardTally.objects.visible_to(request.user).filter(month=last_month).select_related("project")
    return render(
        request,
        "feedback/portal_cards.html",
        {
            "month": month,
            "sheets": sheets,
            "earlier": [c for c in cast if c.month != month][:60],
            "tallies": tallies,
            "last_month": last_month,
        },
    )
