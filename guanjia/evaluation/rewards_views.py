"""The console's pages of rewards and penalties (奖惩): the list (filters, export), the propose form
(evidence pickers of the person's records), a record with its decision, the person's own page (a
phone page) and the yearly summary. Every fetch is scoped, every write a ``rewards`` call."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.evaluation import lists, rewards
from guanjia.evaluation.choices import RewardStatus
from guanjia.evaluation.rewards_forms import DecisionForm, RewardProposeForm
from guanjia.web.helpers import add_service_errors, console_view, style_form

FIELD_MAP = {"project_id": "project", "staff_id": "staff"}


@console_view(Perm.VIEW_STAFF)
def reward_list(request):
    """Rewards and penalties the user may read, filtered; the same rows as the export."""
    form, records = lists.reward_list(request.user, request.GET)
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "evaluation/rewards/list.html",
        {
            "form": style_form(form),
            "records": records[:500],
            "query": query,
            "can_propose": user_can(request.user, Perm.PROPOSE_REWARDS),
        },
    )


@console_view(Perm.PROPOSE_REWARDS)
def reward_new(request):
    """Propose: pick the project and the person, then their records as evidence (the pickers reload
    when either changes), the kind, reason, amount and/or points."""
    if request.method == "POST" and "_load" not in request.POST:
        form = RewardProposeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                record = rewards.reward_propose(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc, FIELD_MAP)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("奖惩已提出，等待项目经理审批"))
                return redirect("evaluation:reward_detail", pk=record.pk)
        status = 422
    else:
        source = request.POST if request.method == "POST" else request.GET
        initial = {
            k: source.get(k) for k in ("project", "staff", "kind", "occurred_on", "reason") if source.get(k)
        }
        initial.setdefault("occurred_on", timezone.localdate())
        form, status = RewardProposeForm(initial=initial, user=request.user), 200
    template = (
        "evaluation/rewards/_form.html" if getattr(request, "htmx", False) else "evaluation/rewards/new.html"
    )
    return render(request, template, {"form": style_form(form)}, status=status)


def _record(request, pk):
    qs = rewards.readable(request.user).select_related("project", "staff", "proposed_by", "decided_by")
    return visible_or_404(qs, pk, request.user)


def _evidence(record):
    out = []
    for e in record.evidence.select_related("ticket", "finding", "award", "ranking_row__sheet"):
        target = e.ticket or e.finding or e.award or e.ranking_row
        out.append({"kind": e.get_kind_display(), "label": rewards.evidence_label(target), "item": e})
    return out


@console_view(Perm.VIEW_STAFF)
def reward_detail(request, pk):
    record = _record(request, pk)
    me = scope_for(request.user).staff_id
    waiting = record.status == RewardStatus.PROPOSED
    return render(
        request,
        "evaluation/rewards/detail.html",
        {
            "record": record,
            "evidence": _evidence(record),
            "can_decide": waiting
            and user_can(request.user, Perm.DECIDE_REWARDS)
            and me not in (record.proposed_by_id, record.staff_id),
            "can_withdraw": waiting and me == record.proposed_by_id,
            "decision": style_form(DecisionForm()),
        },
    )


@console_view(Perm.VIEW_STAFF)
@require_POST
def reward_decide(request, pk, action):
    record = _record(request, pk)
    note = request.POST.get("note", "")
    calls = {
        "approve": lambda: rewards.reward_approve(actor=request.user, record=record, note=note),
        "reject": lambda: rewards.reward_reject(actor=request.user, record=record, note=note),
        "withdraw": lambda: rewards.reward_withdraw(actor=request.user, record=record),
    }
    if action not in calls:
        raise PermissionDenied
    try:
        record = calls[action]()
    except ValidationError as exc:
        messages.error(request, next(iter(exc.messages), ""))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已%(status)s") % {"status": record.get_status_display()})
    return redirect("evaluation:reward_detail", pk=record.pk)


@console_view()
def reward_mine(request):
    """A person's own decided rewards and penalties and this year's sums: a phone page."""
    if scope_for(request.user).staff_id is None:
        raise PermissionDenied
    year = timezone.localdate().year
    records = rewards.own_records(request.user).select_related("project", "decided_by")
    mine = [
        r
        for r in rewards.yearly_summary(request.user, year)
        if r.staff_id == scope_for(request.user).staff_id
    ]
    return render(
        request,
        "evaluation/rewards/mine.html",
        {"records": records, "year": year, "summary": mine[0] if mine else None},
    )


@console_view(Perm.VIEW_STAFF)
def reward_summary(request):
    """Per person, a year's approved rewards and penalties: counts, amounts and points."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 1900), 2999)
    projects = Project.objects.visible_to(request.user).order_by("name")
    project = (
        projects.filter(pk=request.GET.get("project")).first()
        if request.GET.get("project", "").isdigit()
        else None
    )
    rows = rewards.yearly_summary(request.user, year, project_id=project.pk if project else None)
    return render(
        request,
        "evaluation/rewards/summary.html",
        {
            "rows": rows,
            "year": year,
            "years": range(today.year, today.year - 6, -1),
            "projects": projects,
            "project": project,
        },
    )
