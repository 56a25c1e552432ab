"""Forms of the deadline settings pages; every save goes through ``sla.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
from guanjia.tickets.choices import Kind, Priority
from guanjia.tickets.models import TicketCategory
from guanjia.web.widgets import DateInput


class PolicyForm(forms.ModelForm):
    priority = forms.ChoiceField(label=_("紧急程度"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False)
    thresholds = forms.CharField(
        label=_("升级阈值(%)"),
        required=False,
        max_length=40,
        help_text=_("用时达到时限的百分之几时依次通知：处理人、部门主管、项目经理、总部24小时服务中心"),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "project",
            "category",
            "priority",
            "kind",
            "calendar",
            "response_minutes",
            "on_site_minutes",
            "complete_minutes",
            "feedback_minutes",
            "follow_up_minutes",
            "thresholds",
            "pause_on_hold",
            "is_active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["project"].empty_label = _("全部项目")
        self.fields["category"].queryset = TicketCategory.objects.visible_to(user).select_related("parent")
        self.fields["category"].empty_label = _("全部类别")
        self.fields["calendar"].queryset = Calendar.objects.visible_to(user)
        self.fields["priority"].choices = [("", _("全部")), *Priority.choices]
        self.fields["kind"].choices = [("", _("全部")), *Kind.choices]
        if not self.is_bound:
            self.initial["thresholds"] = ",".join(str(t) for t in (self.instance.thresholds or []))


class CalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = ["name", "kind", "work_starts", "work_ends", "workdays"]
        widgets = {
            "work_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"workdays": _("0–6 的数字，周一为 0，如 01234")}


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_working", "note"]
        widgets = {"date": DateInput()}
        labels = {"is_working": _("调休上班（不勾选为放假）")}


class CalendarYearForm(forms.Form):
    """A whole year's holidays and make-up days, pasted as published (see sla.calendar_year)."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    days = forms.CharField(
        label=_("放假和调休安排"),
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "2027-01-01 休 元旦\n2027-02-15~2027-02-21 休 春节\n2027-02-07 班 春节调休上班",
            }
        ),
        help_text=_("每行一天或一段：日期[~日期] 休|班 [说明]。保存后替换该年已有的节假日和调休。"),
    )
