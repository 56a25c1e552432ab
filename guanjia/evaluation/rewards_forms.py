"""The propose form of rewards and penalties: its people are those the user may propose for, its
evidence pickers the records of the chosen project about the chosen person. Saving calls ``rewards``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project
from guanjia.evaluation import rewards
from guanjia.evaluation.choices import EvidenceKind, RewardKind
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput


class RewardProposeForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    staff = forms.ModelChoiceField(label=_("员工"), queryset=StaffMember.objects.none())
    kind = forms.ChoiceField(label=_("类别"), choices=RewardKind.choices)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput())
    reason = forms.CharField(label=_("事由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(label=_("金额(元)"), max_digits=10, decimal_places=2, required=False)
    points = forms.IntegerField(label=_("分值"), required=False)
    evidence = forms.MultipleChoiceField(
        label=_("依据"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["staff"].queryset = rewards.may_propose_for(user).order_by("name")
        self.fields["evidence"].choices = self._evidence_choices(user)

    def _picked(self, name):
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        field = self.fields[name]
        try:
            return field.queryset.filter(pk=int(getattr(raw, "pk", raw))).first()
        except (TypeError, ValueError):
            return None

    def _evidence_choices(self, user):
        project, member = self._picked("project"), self._picked("staff")
        if project is None or member is None:
            return []
        groups = []
        for kind, qs in rewards.evidence_candidates(user, project, member).items():
            options = [(f"{kind}:{item.pk}", rewards.evidence_label(item)) for item in qs[:50]]
            if options:
                groups.append((EvidenceKind(kind).label, options))
        return groups

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "project_id": d["project"].pk,
            "staff_id": d["staff"].pk,
            "kind": d["kind"],
            "occurred_on": d["occurred_on"],
            "reason": d["reason"],
            "amount": d["amount"],
            "points": d["points"],
            "evidence": [{"kind": value.split(":")[0], "id": value.split(":")[1]} for value in d["evidence"]],
        }


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("审批意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
