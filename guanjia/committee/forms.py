"""The console's and the portal's forms; each hands its cleaned data to one service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.committee.choices import SPECIAL_MATTERS_HELP, BallotChoice, MemberRole
from guanjia.committee.models import CommitteeMember
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Project
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput, DateTimeInput


class ProjectField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MemberForm(forms.Form):
    resident_id = forms.TypedChoiceField(label=_("业主"), coerce=int)
    role = forms.ChoiceField(label=_("职务"), choices=MemberRole.choices)
    term_start = forms.DateField(label=_("任期开始"), widget=DateInput())
    term_end = forms.DateField(label=_("任期结束"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        owners = (
            Occupancy.objects.current()
            .filter(project=project, relation=Relation.OWNER, resident__deleted_at__isnull=True)
            .select_related("resident", "unit__building")
            .order_by("unit__building__sort_key", "unit__sort_key")
        )
        seen, choices = set(), []
        for tie in owners:
            if tie.resident_id not in seen:
                seen.add(tie.resident_id)
                choices.append((tie.resident_id, f"{tie.resident.name}（{tie.unit}）"))
        self.fields["resident_id"].choices = choices


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=100)
    held_at = forms.DateTimeField(label=_("会议时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    agenda = forms.CharField(label=_("议程"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("会议纪要"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    attendee_ids = forms.TypedMultipleChoiceField(
        label=_("出席委员"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    file = forms.FileField(label=_("纪要附件（PDF 或照片）"), required=False)

    def __init__(self, *args, project_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        members = CommitteeMember.objects.filter(project_id=project_id).select_related("resident")
        self.fields["attendee_ids"].choices = [
            (m.pk, f"{m.resident.name}（{m.get_role_display()}）") for m in members
        ]


class ResolutionForm(forms.Form):
    title = forms.CharField(label=_("决议事项"), max_length=200)
    detail = forms.CharField(
        label=_("内容"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ChoiceField(label=_("责任人"))
    due_at = forms.DateTimeField(label=_("完成期限"), widget=DateTimeInput())

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        staff = StaffMember.objects.filter(projects=project, deleted_at__isnull=True).order_by("name")
        members = CommitteeMember.objects.filter(project=project).select_related("resident")
        self.fields["owner"].choices = [
            (_("员工"), [(f"s{s.pk}", s.name) for s in staff]),
            (_("业委会委员"), [(f"m{m.pk}", m.resident.name) for m in members if m.in_office]),
        ]

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("title", "detail", "due_at")}
        owner = self.cleaned_data["owner"]
        key = "owner_staff_id" if owner.startswith("s") else "owner_member_id"
        data[key] = int(owner[1:])
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class VoteForm(forms.Form):
    project = ProjectField(label=_("项目"), queryset=Project.objects.none())
    title = forms.CharField(label=_("表决事项"), max_length=120)
    question = forms.CharField(label=_("表决内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    special_matter = forms.BooleanField(
        label=_("特别事项（须四分之三同意）"), required=False, help_text=SPECIAL_MATTERS_HELP
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("截止时间"), widget=DateTimeInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


class PaperBallotForm(forms.Form):
    elector = forms.TypedChoiceField(label=_("房屋及签署业主"), coerce=str)
    choice = forms.ChoiceField(label=_("意见"), choices=BallotChoice.choices, widget=forms.RadioSelect)
    scan = forms.FileField(label=_("表决票扫描件（可选）"), required=False)

    def __init__(self, *args, electors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elector"].choices = [
            (f"{e.unit_id}:{v.resident_id}", f"{e.unit_label} · {v.resident.name}")
            for e in electors
            for v in e.voters.all()
        ]


class BallotForm(forms.Form):
    unit_id = forms.TypedChoiceField(label=_("房屋"), coerce=int)
    choice = forms.ChoiceField(label=_("您的意见"), choices=BallotChoice.choices, widget=forms.RadioSelect)

    def __init__(self, *args, electors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].choices = [(e.unit_id, e.unit_label) for e in electors]


class SuggestionForm(forms.Form):
    body = forms.CharField(
        label=_("您的意见或建议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(label=_("照片（可选）"), required=False)
    public = forms.BooleanField(
        label=_("可以公开（物业的答复其他住户也能看到）"), required=False, initial=True
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(label=_("公开答复（本项目所有住户可见）"), required=False)
