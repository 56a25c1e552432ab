"""The console's list of rewards and penalties and its export: ``reward_list`` is the one function
behind the page (/staff/rewards/) and the .xlsx file (``/data/export/rewards.xlsx``), so the file holds
exactly what the filter shows."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.estates.models import Project
from guanjia.evaluation import rewards
from guanjia.evaluation.choices import RewardKind, RewardStatus
from guanjia.evaluation.models import RewardPenalty
from guanjia.evaluation.rewards_api import RewardFilter
from guanjia.staff.models import StaffMember


def _all(choices):
    return [("", gettext_lazy("全部")), *choices]


class RewardFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False
    )
    staff = forms.ModelChoiceField(
        label=gettext_lazy("员工"), queryset=StaffMember.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=_all(RewardKind.choices), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=_all(RewardStatus.choices), required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=1900, max_value=2999, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["staff"].queryset = StaffMember.objects.visible_to(user).order_by("name")


def records(user):
    return rewards.readable(user).select_related("project", "staff", "proposed_by", "decided_by")


def reward_list(user, params) -> tuple[RewardFilterForm, object]:
    form = RewardFilterForm(params or None, user=user)
    qs = records(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["staff"]:
            qs = qs.filter(staff=data["staff"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["year"]:
            qs = qs.filter(occurred_on__year=data["year"])
    return form, qs.order_by("-occurred_on", "-id")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


COLUMNS = [
    (gettext_lazy("发生日期"), lambda r: r.occurred_on.isoformat()),
    (gettext_lazy("项目"), lambda r: r.project.name),
    (gettext_lazy("员工"), lambda r: r.staff.name),
    (gettext_lazy("工号"), lambda r: r.staff.employee_no),
    (gettext_lazy("类别"), lambda r: r.get_kind_display()),
    (gettext_lazy("事由"), lambda r: r.reason),
    (gettext_lazy("金额(元)"), lambda r: float(r.amount) if r.amount is not None else ""),
    (gettext_lazy("分值"), lambda r: r.points if r.points is not None else ""),
    (gettext_lazy("状态"), lambda r: r.get_status_display()),
    (gettext_lazy("提出人"), lambda r: r.proposed_by.name),
    (gettext_lazy("提出时间"), lambda r: _when(r.proposed_at)),
    (gettext_lazy("审批人"), lambda r: r.decided_by.name if r.decided_by_id else ""),
    (gettext_lazy("审批时间"), lambda r: _when(r.decided_at)),
    (gettext_lazy("审批意见"), lambda r: r.decision_note),
]


def register() -> None:
    register_export(
        ExportSpec(
            "rewards",
            gettext_lazy("员工奖惩"),
            RewardPenalty,
            RewardFilter,
            Perm.VIEW_STAFF,
            COLUMNS,
            queryset=lambda actor, filters: filters.filter(records(actor)).order_by("-occurred_on", "-id"),
            page_queryset=lambda actor, params: reward_list(actor, params)[1],
        )
    )
