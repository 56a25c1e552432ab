"""The ballots of a vote and the suggestion box as .xlsx (``/data/export/committee_ballots.xlsx?vote=…``,
``/data/export/committee_suggestions.xlsx``), the same rows as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.committee.choices import SuggestionStatus
from guanjia.committee.models import Ballot, Suggestion, Vote
from guanjia.core.api import FilterSchema
from guanjia.core.roles import Perm
from guanjia.core.services import visible_reference
from guanjia.dataio.exporting import ExportSpec


class BallotExportFilter(FilterSchema):
    vote: int | None = None


class SuggestionExportFilter(FilterSchema):
    project: int | None = None
    status: SuggestionStatus | None = None


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def ballot_queryset(actor, filters: BallotExportFilter):
    if filters.vote is None:
        raise ValidationError({"vote": _("请选择表决")})
    vote = visible_reference(Vote, filters.vote, actor, field="vote")
    return (
        Ballot.objects.visible_to(actor)
        .filter(vote=vote)
        .select_related("elector", "cast_by", "recorded_by")
        .order_by("cast_at", "id")
    )


def ballot_page_queryset(actor, params):
    from guanjia.dataio.exporting import parse_filters

    return ballot_queryset(actor, parse_filters(BALLOT_EXPORT, params))


BALLOT_EXPORT = ExportSpec(
    "committee_ballots",
    gettext_lazy("业主表决票"),
    Ballot,
    BallotExportFilter,
    Perm.VIEW_COMMITTEE,
    [
        (gettext_lazy("房屋"), lambda b: b.elector.unit_label),
        (gettext_lazy("专有部分面积(㎡)"), lambda b: b.elector.area),
        (gettext_lazy("意见"), lambda b: b.get_choice_display()),
        (gettext_lazy("方式"), lambda b: b.get_channel_display()),
        (gettext_lazy("投票人"), lambda b: b.cast_by.name),
        (gettext_lazy("录入人"), lambda b: b.recorded_by.display_name if b.recorded_by_id else ""),
        (gettext_lazy("投票时间"), lambda b: _local(b.cast_at)),
        (gettext_lazy("扫描件"), lambda b: _("有") if b.scan else ""),
    ],
    queryset=ballot_queryset,
    page_queryset=ballot_page_queryset,
)


def suggestion_queryset(actor, filters: SuggestionExportFilter):
    qs = Suggestion.objects.visible_to(actor).select_related("project", "resident", "answered_by")
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-submitted_at", "-id")


def suggestion_page_queryset(actor, params):
    from guanjia.dataio.exporting import parse_filters

    return suggestion_queryset(actor, parse_filters(SUGGESTION_EXPORT, params))


SUGGESTION_EXPORT = ExportSpec(
    "committee_suggestions",
    gettext_lazy("意见箱"),
    Suggestion,
    SuggestionExportFilter,
    Perm.VIEW_COMMITTEE,
    [
        (gettext_lazy("项目"), lambda s: s.project.name),
        (gettext_lazy("提交人"), lambda s: s.resident.name),
        (gettext_lazy("提交时间"), lambda s: _local(s.submitted_at)),
        (gettext_lazy("内容"), lambda s: s.body),
        (gettext_lazy("可公开"), lambda s: _("是") if s.public else _("否")),
        (gettext_lazy("答复期限"), lambda s: _local(s.due_at)),
        (gettext_lazy("状态"), lambda s: s.get_status_display()),
        (gettext_lazy("答复"), lambda s: s.answer),
        (gettext_lazy("公开答复"), lambda s: _("是") if s.answer_public else _("否")),
        (gettext_lazy("答复人"), lambda s: s.answered_by.display_name if s.answered_by_id else ""),
        (gettext_lazy("答复时间"), lambda s: _local(s.answered_at)),
    ],
    queryset=suggestion_queryset,
    page_queryset=suggestion_page_queryset,
)
