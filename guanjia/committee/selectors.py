"""Reads of the committee app: lists in scope, a resident's votes and units, and the result of a
vote explained threshold by threshold."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.committee.choices import SuggestionStatus, VoteStatus
from guanjia.committee.models import Ballot, Suggestion, Vote, VoteElector
from guanjia.committee.services.votes import tally
from guanjia.core.scoping import scope_for


def votes(user, *, project_id=None, status=""):
    qs = Vote.objects.visible_to(user).select_related("project").annotate(ballot_count=Count("ballots"))
    if project_id:
        qs = qs.filter(project_id=project_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_at", "-id")


def ballots(user, vote: Vote):
    return (
        Ballot.objects.visible_to(user)
        .filter(vote=vote)
        .select_related("elector", "cast_by", "recorded_by")
        .order_by("cast_at", "id")
    )


def suggestions(user, *, project_id=None, status="", overdue=False):
    qs = Suggestion.objects.visible_to(user).select_related("project", "resident", "answered_by")
    if project_id:
        qs = qs.filter(project_id=project_id)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=SuggestionStatus.OPEN, due_at__lt=timezone.now())
    return qs.order_by("-submitted_at", "-id")


def my_votes(user):
    """The votes a resident may see (open and closed, never drafts), each with the units they may
    vote for and whether each has voted."""
    scope = scope_for(user)
    rows = list(Vote.objects.visible_to(user).select_related("project").order_by("-starts_at", "-id"))
    mine = (
        VoteElector.objects.filter(vote__in=[v.pk for v in rows], voters__resident_id=scope.resident_id)
        .annotate(voted=Exists(Ballot.objects.filter(elector_id=OuterRef("pk"))))
        .order_by("id")
    )
    by_vote: dict[int, list] = {}
    for elector in mine:
        by_vote.setdefault(elector.vote_id, []).append(elector)
    for vote in rows:
        vote.my_units = by_vote.get(vote.pk, [])
        vote.to_cast = [e for e in vote.my_units if not e.voted]
    return rows


def my_electors(user, vote: Vote):
    scope = scope_for(user)
    return list(
        VoteElector.objects.filter(vote=vote, voters__resident_id=scope.resident_id)
        .select_related("ballot")
        .order_by("id")
        .distinct()
    )


def _label(key: str) -> str:
    return {
        "participation_area": _("参与表决的专有部分面积占总面积"),
        "participation_heads": _("参与表决的业主人数占总人数"),
        "approval_area": _("同意的专有部分面积占参与表决面积"),
        "approval_heads": _("同意的业主人数占参与表决人数"),
    }[key]


def _bound_words(bound: str, strict: bool) -> str:
    words = {"2/3": _("三分之二"), "1/2": _("二分之一"), "3/4": _("四分之三")}[bound]
    return _("须超过%(b)s") % {"b": words} if strict else _("须达到%(b)s以上（含）") % {"b": words}


def explain(vote: Vote) -> dict | None:
    """The count (stored when closed, live while open) with each threshold in words: the numbers,
    the share, what the law asks, met or not, and the reason for the outcome."""
    if vote.status == VoteStatus.DRAFT:
        return None
    data = vote.result if vote.status == VoteStatus.CLOSED and vote.result else tally(vote).as_dict()
    rows = []
    for t in data["thresholds"]:
        unit = "㎡" if t["key"].endswith("area") else _("人")
        rows.append(
            {
                **t,
                "label": _label(t["key"]),
                "rule": _bound_words(t["bound"], t["strict"]),
                "unit": unit,
                "percent": f"{t['share'] * 100:.2f}%",
            }
        )
    if data["reason"] == "participation":
        why = _("未通过：参与表决的业主未达到专有部分面积和人数“双三分之二”的要求，表决无效。")
    elif data["reason"] == "approval":
        why = (
            _("未通过：同意的业主未达到参与表决面积和人数“双四分之三”的要求（特别事项）。")
            if data["special_matter"]
            else _("未通过：同意的业主未达到参与表决面积和人数“双过半”的要求。")
        )
    else:
        why = (
            _("通过：参与率达到双三分之二，同意达到参与表决面积和人数的双四分之三（特别事项）。")
            if data["special_matter"]
            else _("通过：参与率达到双三分之二，同意达到参与表决面积和人数的双过半。")
        )
    return {**data, "rows": rows, "why": why, "final": vote.status == VoteStatus.CLOSED}


def head_note() -> str:
    return _(
        "人数按专有部分计算：一套房屋计一人；同一业主拥有多套房屋的按一人计算；未售出（无业主登记）"
        "的房屋合计按一人计算。每套房屋一票，由任一业主（或业主授权的家庭成员）投出；租户不能表决。"
    )
