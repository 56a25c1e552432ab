"""The console's committee pages (members, meetings, resolutions, votes with their explained
result and ballots, the suggestion box). Thin: selectors read, services write. The resident's
pages are in ``portal.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.committee import selectors, services
from guanjia.committee.choices import ResolutionStatus, SuggestionStatus, VoteStatus
from guanjia.committee.forms import (
    AnswerForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    NoteForm,
    PaperBallotForm,
    ResolutionForm,
    VoteForm,
)
from guanjia.committee.models import CommitteeMember, Meeting, Resolution, Suggestion, Vote, VoteElector
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.web.helpers import add_service_errors, console_view, render_form, style_form


def _run(request, call, ok: str) -> bool:
    """Call a service for a button; its refusal becomes a message."""
    try:
        call()
    except ValidationError as exc:
        for errors in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
            messages.error(request, "；".join(errors))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
        return True
    return False


def _save(request, form, call) -> object | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
    except (Conflict, NotAllowed) as exc:
        form.add_error(None, exc.message)
    return None


def _project(request) -> Project:
    projects = Project.objects.visible_to(request.user).order_by("name")
    chosen = request.GET.get("project")
    project = projects.filter(pk=chosen).first() if chosen and chosen.isdigit() else projects.first()
    if project is None:
        raise Http404
    return project


# The committee -----------------------------------------------------------------------------------


@console_view(Perm.VIEW_COMMITTEE)
def committee_home(request):
    """One project's committee: members and terms, meetings, open resolutions."""
    project = _project(request)
    members = (
        CommitteeMember.objects.visible_to(request.user).filter(project=project).select_related("resident")
    )
    meetings = Meeting.objects.visible_to(request.user).filter(project=project)[:20]
    resolutions = (
        Resolution.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("owner_staff", "owner_member__resident")
        .order_by("status", "due_at")
    )
    return render(
        request,
        "committee/home.html",
        {
            "title": _("业主委员会"),
            "project": project,
            "projects": Project.objects.visible_to(request.user).order_by("name"),
            "members": members,
            "meetings": meetings,
            "resolutions": resolutions,
        },
    )


def _project_or_404(request, pk) -> Project:
    return visible_or_404(Project.objects.all(), pk, request.user)


@console_view(Perm.MANAGE_COMMITTEE)
def member_add(request, project_pk):
    project = _project_or_404(request, project_pk)
    form = MemberForm(request.POST or None, project=project)
    saved = _save(
        request, form, lambda data: services.member_add(actor=request.user, project=project, data=data)
    )
    if saved:
        messages.success(request, _("已添加委员"))
        return redirect(f"/committee/?project={project.pk}")
    return render_form(
        request, form, title=_("添加业委会委员"), cancel_url=f"/committee/?project={project.pk}"
    )


@console_view(Perm.MANAGE_COMMITTEE)
def meeting_create(request, project_pk):
    project = _project_or_404(request, project_pk)
    form = MeetingForm(request.POST or None)
    saved = _save(
        request, form, lambda data: services.meeting_create(actor=request.user, project=project, data=data)
    )
    if saved:
        return redirect("committee:meeting_detail", pk=saved.pk)
    return render_form(
        request, form, title=_("召开业委会会议"), cancel_url=f"/committee/?project={project.pk}"
    )


@console_view(Perm.VIEW_COMMITTEE)
def meeting_detail(request, pk):
    meeting = visible_or_404(
        Meeting.objects.prefetch_related("attendees__resident", "files"), pk, request.user
    )
    initial = {"minutes": meeting.minutes, "attendee_ids": [m.pk for m in meeting.attendees.all()]}
    form = MinutesForm(
        request.POST or None, request.FILES or None, project_id=meeting.project_id, initial=initial
    )

    def save(data):
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            data={"minutes": data["minutes"], "attendee_ids": data["attendee_ids"]},
        )
        if data.get("file"):
            services.meeting_attach(actor=request.user, meeting=meeting, upload=data["file"])
        return meeting

    if _save(request, form, save):
        messages.success(request, _("会议纪要已保存"))
        return redirect("committee:meeting_detail", pk=meeting.pk)
    style_form(form)
    return render(
        request,
        "committee/meeting_detail.html",
        {
            "title": meeting.title,
            "meeting": meeting,
            "form": form,
            "resolutions": meeting.resolutions.select_related("owner_staff", "owner_member__resident"),
        },
        status=422 if form.errors else 200,
    )


@console_view(Perm.MANAGE_COMMITTEE)
def resolution_create(request, project_pk):
    project = _project_or_404(request, project_pk)
    form = ResolutionForm(request.POST or None, project=project)
    meeting_id = request.GET.get("meeting") or request.POST.get("meeting") or None

    def save(_data):
        data = form.service_data()
        if meeting_id:
            data["meeting_id"] = int(meeting_id) if str(meeting_id).isdigit() else 0
        return services.resolution_create(actor=request.user, project=project, data=data)

    saved = _save(request, form, save)
    if saved:
        return redirect("committee:resolution_detail", pk=saved.pk)
    return render_form(request, form, title=_("登记决议事项"), cancel_url=f"/committee/?project={project.pk}")


@console_view(Perm.VIEW_COMMITTEE)
def resolution_detail(request, pk):
    resolution = visible_or_404(
        Resolution.objects.select_related(
            "owner_staff", "owner_member__resident", "done_by", "confirmed_by", "meeting"
        ),
        pk,
        request.user,
    )
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, note = request.POST.get("action"), form.cleaned_data["note"]
        calls = {
            "done": lambda: services.resolution_done(actor=request.user, resolution=resolution, note=note),
            "confirm": lambda: services.resolution_confirm(
                actor=request.user, resolution=resolution, note=note
            ),
            "reject": lambda: services.resolution_confirm(
                actor=request.user, resolution=resolution, accept=False, note=note
            ),
        }
        if action not in calls:
            raise Http404
        _run(request, calls[action], _("已完成"))
        return redirect("committee:resolution_detail", pk=resolution.pk)
    style_form(form)
    return render(
        request,
        "committee/resolution_detail.html",
        {
            "title": resolution.title,
            "resolution": resolution,
            "form": form,
            "escalations": resolution.escalations.all(),
            "Status": ResolutionStatus,
        },
    )


# Votes -------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_COMMITTEE)
def vote_list(request):
    status = request.GET.get("status", "")
    rows = selectors.votes(request.user, status=status if status in VoteStatus.values else "")
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "committee/vote_list.html",
        {
            "title": _("业主表决"),
            "page": page,
            "rows": page.object_list,
            "Status": VoteStatus,
            "status": status,
        },
    )


@console_view(Perm.MANAGE_COMMITTEE)
def vote_create(request):
    form = VoteForm(request.POST or None, user=request.user)

    def save(data):
        data = dict(data)
        project = data.pop("project")
        return services.vote_create(actor=request.user, project=project, data=data)

    saved = _save(request, form, save)
    if saved:
        messages.success(request, _("表决已保存为草稿"))
        return redirect("committee:vote_detail", pk=saved.pk)
    return render_form(request, form, title=_("发起业主表决"), cancel_url="/committee/votes/")


@console_view(Perm.VIEW_COMMITTEE)
def vote_detail(request, pk):
    vote = visible_or_404(Vote.objects.select_related("project", "created_by", "opened_by"), pk, request.user)
    electors = VoteElector.objects.filter(vote=vote, ballot__isnull=True).prefetch_related("voters__resident")
    paper = PaperBallotForm(electors=electors) if vote.accepting else None
    if paper is not None:
        style_form(paper)
    ballots = Paginator(selectors.ballots(request.user, vote), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "committee/vote_detail.html",
        {
            "title": vote.title,
            "vote": vote,
            "result": selectors.explain(vote),
            "head_note": selectors.head_note(),
            "ballots": ballots,
            "paper": paper,
            "Status": VoteStatus,
            "export_query": f"vote={vote.pk}",
        },
    )


@require_POST
@console_view(Perm.VIEW_COMMITTEE)
def vote_act(request, pk, action):
    vote = visible_or_404(Vote.objects.all(), pk, request.user)
    calls = {
        "open": lambda: services.vote_open(actor=request.user, vote=vote),
        "close": lambda: services.vote_close(actor=request.user, vote=vote),
    }
    if action == "paper":
        electors = VoteElector.objects.filter(vote=vote, ballot__isnull=True).prefetch_related(
            "voters__resident"
        )
        form = PaperBallotForm(request.POST, request.FILES, electors=electors)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, "；".join(errors))
            return redirect("committee:vote_detail", pk=vote.pk)
        unit_id, resident_id = form.cleaned_data["elector"].split(":")
        calls["paper"] = lambda: services.ballot_record(
            actor=request.user,
            vote=vote,
            unit_id=int(unit_id),
            resident_id=int(resident_id),
            choice=form.cleaned_data["choice"],
            scan=form.cleaned_data.get("scan"),
        )
    if action not in calls:
        raise Http404
    _run(request, calls[action], _("已完成"))
    return redirect("committee:vote_detail", pk=vote.pk)


# The suggestion box ------------------------------------------------------------------------------


@console_view(Perm.VIEW_COMMITTEE)
def suggestion_list(request):
    status = request.GET.get("status", "")
    rows = selectors.suggestions(
        request.user,
        status=status if status in SuggestionStatus.values else "",
        overdue=request.GET.get("overdue") == "1",
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "committee/suggestion_list.html",
        {
            "title": _("意见箱"),
            "page": page,
            "rows": page.object_list,
            "Status": SuggestionStatus,
            "status": status,
        },
    )


@console_view(Perm.VIEW_COMMITTEE)
def suggestion_detail(request, pk):
    suggestion = visible_or_404(
        Suggestion.objects.select_related("project", "resident", "answered_by"), pk, request.user
    )
    form = AnswerForm(request.POST or None)
    saved = _save(
        request,
        form,
        lambda data: services.suggestion_answer(
            actor=request.user, suggestion=suggestion, answer=data["answer"], public=data["public"]
        ),
    )
    if saved:
        messages.success(request, _("已答复"))
        return redirect("committee:suggestion_detail", pk=suggestion.pk)
    style_form(form)
    return render(
        request,
        "committee/suggestion_detail.html",
        {"title": _("意见详情"), "suggestion": suggestion, "form": form},
        status=422 if form.errors else 200,
    )
