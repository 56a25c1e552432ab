"""The resident's pages (生活服务): my votes with a ballot page made for a phone and the result
explained; the suggestion box."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanjia.committee import selectors, services
from guanjia.committee.forms import BallotForm, SuggestionForm
from guanjia.committee.models import Suggestion, Vote
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.web.helpers import add_service_errors, console_view, style_form


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def my_votes(request):
    return render(
        request,
        "committee/portal_votes.html",
        {"title": _("业主表决"), "rows": selectors.my_votes(request.user)},
    )


@resident_page
def vote_page(request, pk):
    """The question, a ballot per unit not yet cast (while the vote is open), and the result."""
    vote = visible_or_404(Vote.objects.select_related("project"), pk, request.user)
    electors = selectors.my_electors(request.user, vote)
    open_units = [e for e in electors if not hasattr(e, "ballot")] if vote.accepting else []
    form = BallotForm(request.POST or None, electors=open_units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.ballot_cast(
                    actor=request.user,
                    vote=vote,
                    unit_id=form.cleaned_data["unit_id"],
                    choice=form.cleaned_data["choice"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except (Conflict, NotAllowed) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("投票成功，感谢您的参与"))
                return redirect("committee:portal_vote", pk=vote.pk)
        status = 422
    style_form(form)
    return render(
        request,
        "committee/portal_vote.html",
        {
            "title": vote.title,
            "vote": vote,
            "electors": electors,
            "form": form if open_units else None,
            "result": selectors.explain(vote),
            "head_note": selectors.head_note(),
        },
        status=status,
    )


@resident_page
def suggestions(request):
    form = SuggestionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.suggestion_submit(
                    actor=request.user,
                    data={"body": form.cleaned_data["body"], "public": form.cleaned_data["public"]},
                    photo=form.cleaned_data.get("photo"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已提交，物业将在三个工作日内答复"))
                return redirect("committee:portal_suggestions")
        status = 422
    scope = scope_for(request.user)
    rows = (
        Suggestion.objects.visible_to(request.user)
        .select_related("resident")
        .order_by("-submitted_at", "-id")
    )
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    style_form(form)
    return render(
        request,
        "committee/portal_suggestions.html",
        {"title": _("意见箱"), "form": form, "page": page, "rows": page.object_list, "me": scope.resident_id},
        status=status,
    )


@resident_page
def suggestion_page(request, pk):
    suggestion = visible_or_404(Suggestion.objects.all(), pk, request.user)
    return render(
        request,
        "committee/portal_suggestion.html",
        {
            "title": _("意见详情"),
            "s": suggestion,
            "mine": suggestion.resident_id == scope_for(request.user).resident_id,
        },
    )
