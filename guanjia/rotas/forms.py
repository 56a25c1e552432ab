"""Forms of the rota pages; the rules stay in services (errors come back on the fields)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project
from guanjia.rotas.choices import ShiftStatus
from guanjia.rotas.models import Post, ShiftPattern
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import style_form
from guanjia.web.widgets import DateInput, DateTimeInput


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class GridFilterForm(StyledForm):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("项目"), empty_label=None)
    view = forms.ChoiceField(choices=[("week", _("周")), ("month", _("月"))], label=_("视图"), required=False)
    start = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    department = forms.ChoiceField(
        choices=[("", _("全部部门")), *Department.choices], required=False, label=_("部门")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


class AssignForm(StyledForm):
    post = forms.ModelChoiceField(queryset=Post.objects.none(), label=_("岗位"))
    pattern = forms.ModelChoiceField(queryset=ShiftPattern.objects.none(), label=_("班次"))
    date = forms.DateField(label=_("日期"), widget=DateInput())
    staff = forms.ModelChoiceField(queryset=StaffMember.objects.none(), label=_("员工"))

    def __init__(self, *args, user, project_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = Post.objects.visible_to(user).filter(
            project_id=project_id, is_active=True
        )
        self.fields["pattern"].queryset = ShiftPattern.objects.visible_to(user).filter(is_active=True)
        self.fields["staff"].queryset = (
            StaffMember.objects.visible_to(user)
            .filter(projects=project_id, deleted_at__isnull=True)
            .distinct()
        )


class CopyWeekForm(StyledForm):
    post = forms.ModelChoiceField(queryset=Post.objects.none(), label=_("岗位"))
    from_monday = forms.DateField(label=_("复制哪一周(周一)"), widget=DateInput())
    weeks = forms.IntegerField(label=_("向后复制周数"), min_value=1, max_value=8, initial=1)

    def __init__(self, *args, user, project_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = Post.objects.visible_to(user).filter(
            project_id=project_id, is_active=True
        )


class PatternForm(StyledForm):
    name = forms.CharField(label=_("班次"), max_length=20)
    starts_at = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(
        label=_("结束"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("早于开始时间即跨夜；与开始相同即 24 小时"),
    )


class PostForm(StyledForm):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("项目"))
    name = forms.CharField(label=_("岗位"), max_length=40)
    department = forms.ChoiceField(choices=Department.choices, label=_("部门"))
    min_cover = forms.IntegerField(label=_("每班最少人数"), min_value=1, max_value=50, initial=1)
    patterns = forms.ModelMultipleChoiceField(
        queryset=ShiftPattern.objects.none(), label=_("班次"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["patterns"].queryset = ShiftPattern.objects.visible_to(user).filter(is_active=True)


class SwapForm(StyledForm):
    taker = forms.ModelChoiceField(queryset=StaffMember.objects.none(), label=_("接班同事"))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, user, shift, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taker"].queryset = (
            StaffMember.objects.visible_to(user)
            .filter(projects=shift.project_id, deleted_at__isnull=True)
            .exclude(pk=shift.staff_id)
            .distinct()
        )


class CorrectForm(StyledForm):
    status = forms.ChoiceField(choices=ShiftStatus.choices, label=_("考勤"))
    clock_in_at = forms.DateTimeField(label=_("上班打卡"), required=False, widget=DateTimeInput())
    clock_out_at = forms.DateTimeField(label=_("下班打卡"), required=False, widget=DateTimeInput())
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class MonthForm(StyledForm):
    month = forms.RegexField(
        regex=r"^\d{4}-\d{2}$",
        required=False,
        label=_("月份"),
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("项目"), required=False)
    department = forms.ChoiceField(
        choices=[("", _("全部部门")), *Department.choices], required=False, label=_("部门")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")
