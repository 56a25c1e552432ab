"""Forms of the handover pages: they only shape input; every rule is in ``services``."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.billing.choices import ChargeKind, PaymentMethod
from guanjia.billing.models import ChargeItem
from guanjia.estates.models import Project, Unit
from guanjia.handover.choices import DOCUMENTS, KEY_KINDS
from guanjia.handover.models import ReadyUnit
from guanjia.web.widgets import DateInput, DateTimeInput

LOCAL = DateTimeInput()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} {obj.building.name}-{obj.number}"


class ReadyMarkForm(forms.Form):
    unit = UnitChoice(label=_("房屋"), queryset=Unit.objects.none())
    ready_on = forms.DateField(label=_("可交付日期"), widget=DateInput())
    buyer_name = forms.CharField(label=_("购房人"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.visible_to(user)
            .filter(deleted_at__isnull=True)
            .exclude(pk__in=ReadyUnit.objects.values("unit_id"))
            .select_related("project", "building")
            .order_by("project__name", "building__name", "number")
        )
        self.fields["ready_on"].initial = timezone.localdate()


class ReadyImportForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    file = forms.FileField(label=_("可交付房屋清单（.xlsx：楼栋、房号、可交付日期、购房人、备注）"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


class BookForm(forms.Form):
    unit = UnitChoice(label=_("房屋（可交付清单）"), queryset=Unit.objects.none())
    starts_at = forms.DateTimeField(label=_("预约开始"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_("预约结束"), widget=LOCAL)
    owner_name = forms.CharField(label=_("业主姓名"), max_length=60)
    owner_phone = forms.CharField(label=_("业主电话"), max_length=20)
    owner_id_number = forms.CharField(label=_("身份证号"), max_length=18)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.visible_to(user)
            .filter(pk__in=ReadyUnit.objects.visible_to(user).exclude(status="handed_over").values("unit_id"))
            .select_related("project", "building")
            .order_by("project__name", "building__name", "number")
        )
        start = (timezone.localtime() + datetime.timedelta(days=1)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        self.fields["starts_at"].initial = start
        self.fields["ends_at"].initial = start + datetime.timedelta(hours=1)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["unit_id"] = data.pop("unit").pk
        return data


class RecordForm(forms.Form):
    documents = forms.MultipleChoiceField(
        label=_("已核验资料"), choices=DOCUMENTS, widget=forms.CheckboxSelectMultiple, required=False
    )
    water_reading = forms.DecimalField(
        label=_("水表读数"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    power_reading = forms.DecimalField(
        label=_("电表读数"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    gas_reading = forms.DecimalField(
        label=_("燃气表读数"), max_digits=12, decimal_places=2, required=False, min_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in KEY_KINDS:
            self.fields[f"key_{code}"] = forms.IntegerField(
                label=label, min_value=0, max_value=20, required=False
            )

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "documents": data["documents"],
            "keys": {code: data.get(f"key_{code}") or 0 for code, _label in KEY_KINDS},
            "water_reading": data["water_reading"],
            "power_reading": data["power_reading"],
            "gas_reading": data["gas_reading"],
        }


class BillForm(forms.Form):
    item = forms.ModelChoiceField(label=_("收费项目"), queryset=ChargeItem.objects.none())
    amount = forms.DecimalField(
        label=_("金额（留空按标准）"), max_digits=12, decimal_places=2, required=False, min_value=0.01
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChargeItem.objects.visible_to(user).filter(
            kind=ChargeKind.ONE_OFF, active=True
        )


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("交易流水号（转账/线上）"), max_length=60, required=False)
    token = forms.CharField(widget=forms.HiddenInput)


class ItemForm(forms.Form):
    note = forms.CharField(
        label=_("问题描述"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(label=_("照片"))


class TakeoverForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    title = forms.CharField(label=_("验收名称"), max_length=100)
    developer = forms.CharField(label=_("开发商"), max_length=100)
    developer_contact = forms.CharField(label=_("开发商联系人"), max_length=60)
    developer_phone = forms.CharField(label=_("开发商联系电话"), max_length=20)
    planned_on = forms.DateField(label=_("计划验收日期"), widget=DateInput())
    rectify_days = forms.IntegerField(label=_("整改期限（天）"), min_value=1, max_value=90, initial=15)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["project_id"] = data.pop("project").pk
        return data
