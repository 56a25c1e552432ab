"""The console's event forms and the portal's sign-up and rating forms. Rules are the services'; these
only read input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project
from guanjia.events.choices import CommunityEventKind, ServiceDayService
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateTimeInput


class EventForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=CommunityEventKind.choices)
    services = forms.MultipleChoiceField(
        label=_("便民服务项目"),
        choices=ServiceDayService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅便民服务日"),
    )
    project_id = forms.ChoiceField(label=_("主办项目"))
    other_project_ids = forms.MultipleChoiceField(
        label=_("同时开放给"), required=False, widget=forms.CheckboxSelectMultiple
    )
    place = forms.CharField(label=_("地点"), max_length=100)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    capacity = forms.IntegerField(label=_("名额（人）"), min_value=1, max_value=100000)
    max_per_household = forms.IntegerField(label=_("每户最多人数"), min_value=1, max_value=20, initial=2)
    signup_opens_at = forms.DateTimeField(label=_("报名开始"), widget=DateTimeInput())
    signup_closes_at = forms.DateTimeField(label=_("报名截止"), widget=DateTimeInput())
    budget = forms.DecimalField(
        label=_("预算（元）"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    organiser_id = forms.ChoiceField(label=_("组织人"))
    description = forms.CharField(
        label=_("活动介绍"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, published=False, **kwargs):
        super().__init__(*args, **kwargs)
        projects = [(str(p.pk), p.name) for p in Project.objects.visible_to(user).order_by("name")]
        self.fields["project_id"].choices = projects
        self.fields["other_project_ids"].choices = projects
        staff = StaffMember.objects.visible_to(user).filter(deleted_at__isnull=True).order_by("name")
        self.fields["organiser_id"].choices = [(str(s.pk), s.name) for s in staff]
        if published:
            for name in ("kind", "project_id", "other_project_ids"):
                del self.fields[name]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("取消原因")})
    )


class EvaluateForm(forms.Form):
    summary = forms.CharField(label=_("活动总结"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    actual_cost = forms.DecimalField(label=_("实际费用（元）"), min_value=0, max_digits=12, decimal_places=2)


class WalkInForm(forms.Form):
    name = forms.CharField(
        label=_("姓名或房号"), max_length=60, widget=forms.TextInput(attrs={"placeholder": _("姓名或房号")})
    )
    people = forms.IntegerField(
        label=_("人数"),
        min_value=1,
        max_value=20,
        initial=1,
        widget=forms.NumberInput(attrs={"aria-label": _("人数")}),
    )


class CheckInForm(forms.Form):
    token = forms.CharField(
        label=_("签到码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}
        ),
    )


class SignupForm(forms.Form):
    unit_id = forms.ChoiceField(label=_("房屋"))
    people = forms.TypedChoiceField(label=_("参加人数"), coerce=int)

    def __init__(self, *args, units, most: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].choices = [(str(u.pk), f"{u.building.name}-{u.number}") for u in units]
        self.fields["people"].choices = [(n, _("%(n)s 人") % {"n": n}) for n in range(1, most + 1)]


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("说说您的感受"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
