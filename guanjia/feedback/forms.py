"""Forms of the feedback console pages; they only collect input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.scoping import scope_for
from guanjia.estates.models import Project
from guanjia.feedback.choices import ServiceLine
from guanjia.web.widgets import DateInput


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    period = forms.CharField(label=_("周期"), max_length=20, help_text=_("如 2026Q4、2026-11、2026H2"))
    opens_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    closes_on = forms.DateField(label=_("截止日期"), widget=DateInput())
    projects = forms.ModelMultipleChoiceField(
        label=_("调查项目"), queryset=Project.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    lines = forms.MultipleChoiceField(
        label=_("服务条线"),
        choices=ServiceLine.choices,
        initial=ServiceLine.values,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每条线使用默认题目，开始前可通过接口调整"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        projects = Project.objects.filter(company_id=scope.company_id)
        if not scope.is_hq:
            projects = projects.filter(pk__in=scope.project_ids)
        self.fields["projects"].queryset = projects


def survey_data(cleaned: dict) -> dict:
    return {
        "title": cleaned["title"],
        "period": cleaned["period"],
        "opens_on": cleaned["opens_on"],
        "closes_on": cleaned["closes_on"],
        "project_ids": [p.pk for p in cleaned["projects"]],
        "lines": list(cleaned["lines"]),
    }
