"""Forms of the renovation pages: the application (desk and portal), decisions, the patrol."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.renovation.choices import RenovationViolationKind
from guanjia.web.widgets import DateInput, DateTimeInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ApplyForm(forms.Form):
    unit_id = forms.ChoiceField(label=_("房屋"))
    applicant_name = forms.CharField(label=_("申请人"), max_length=60, required=False)
    applicant_phone = forms.CharField(label=_("申请人电话"), max_length=20, required=False)
    contractor = forms.CharField(label=_("施工单位"), max_length=100)
    contractor_contact = forms.CharField(label=_("施工负责人"), max_length=60)
    contractor_phone = forms.CharField(label=_("施工负责人电话"), max_length=20)
    scope = forms.CharField(label=_("装修内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    structural = forms.BooleanField(label=_("涉及结构改动（需项目经理审批）"), required=False)
    facade = forms.BooleanField(label=_("涉及外立面（需项目经理审批）"), required=False)
    starts_on = forms.DateField(label=_("计划开工日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("计划完工日期"), widget=DateInput())
    workers = forms.CharField(
        label=_("施工人员（每行：姓名 电话 工种）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plans = MultipleFileField(label=_("装修图纸（PDF 或图片）"), required=False)
    rules_acknowledged = forms.BooleanField(
        label=_(
            "我已阅读并遵守《装修管理规定》：施工时间 8:00–12:00、14:00–18:00，不拆改承重结构，装修垃圾袋装定点堆放，动火作业报备。"
        ),
        required=False,
    )

    def __init__(self, *args, units=(), desk=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].choices = [
            (u.pk, f"{u.project.name} {u.building.name}-{u.number}") for u in units
        ]
        if not desk:
            del self.fields["applicant_name"]
            del self.fields["applicant_phone"]
        today = timezone.localdate()
        self.fields["starts_on"].initial = today + datetime.timedelta(days=3)
        self.fields["ends_on"].initial = today + datetime.timedelta(days=60)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("plans", None)
        rows = []
        for line in (data.pop("workers") or "").splitlines():
            parts = line.split()
            if parts:
                rows.append(
                    {
                        "name": parts[0],
                        "phone": parts[1] if len(parts) > 1 else "",
                        "trade": " ".join(parts[2:]),
                    }
                )
        data["workers"] = rows
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200)


class BillForm(forms.Form):
    fee_amount = forms.DecimalField(
        label=_("装修管理费（元）"), max_digits=12, decimal_places=2, required=False
    )
    deposit_amount = forms.DecimalField(
        label=_("装修押金（元）"), max_digits=12, decimal_places=2, required=False
    )


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    trade = forms.CharField(label=_("工种"), max_length=30, required=False)


class DeductionForm(forms.Form):
    amount = forms.DecimalField(label=_("扣除金额（元）"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("扣除原因"), max_length=200)
    violation_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("退还金额（元，留空为押金减扣除）"), max_digits=12, decimal_places=2, required=False
    )


class DecideForm(forms.Form):
    approve = forms.BooleanField(required=False)
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label=_("违规类型"), choices=RenovationViolationKind.choices)
    note = forms.CharField(label=_("情况说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    rectify_by = forms.DateTimeField(
        label=_("整改期限"),
        widget=DateTimeInput(),
    )
    photos = MultipleFileField(
        label=_("现场照片"), widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        self.fields["rectify_by"].initial = tomorrow.replace(hour=18, minute=0, second=0, microsecond=0)
