"""Forms of the web console for staff evaluation. They validate and render; saving calls ``services``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project
from guanjia.evaluation.choices import AwardKind, TrainingResult
from guanjia.evaluation.models import quarter_bounds, quarter_of
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput


def _quarter_choices(count: int = 8) -> list[tuple[str, str]]:
    """The current quarter and the ones before it, newest first."""
    quarter, out = quarter_of(timezone.localdate()), []
    for _i in range(count):
        out.append((quarter, quarter))
        quarter = quarter_of(quarter_bounds(quarter)[0] - datetime.timedelta(days=1))
    return out


class RankingDraftForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    quarter = forms.ChoiceField(label=_("季度"), choices=())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["quarter"].choices = _quarter_choices()[1:]  # quarters that are over, newest first


class AwardForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    kind = forms.ChoiceField(label=_("奖项"), choices=AwardKind.choices)
    period = forms.ChoiceField(label=_("季度"), choices=())
    staff = forms.ModelChoiceField(label=_("获奖员工"), queryset=StaffMember.objects.none())
    citation = forms.CharField(label=_("事迹"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["staff"].queryset = StaffMember.objects.visible_to(user).order_by("name")
        self.fields["period"].choices = _quarter_choices()

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "project_id": d["project"].pk,
            "kind": d["kind"],
            "period": d["period"],
            "staff_id": d["staff"].pk,
            "citation": d["citation"],
        }


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("课程"), max_length=100)
    trained_on = forms.DateField(label=_("培训日期"), widget=DateInput())
    hours = forms.DecimalField(label=_("学时"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"))
    result = forms.ChoiceField(label=_("结果"), choices=TrainingResult.choices)
    trainer = forms.CharField(label=_("培训师/机构"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
