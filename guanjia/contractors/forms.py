"""Web forms of the contractors app. They only shape input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.contractors.choices import (
    ContractorCategory,
    ContractStatus,
    RenewalDecision,
    ServiceLevelKind,
    ServiceLevelUnit,
)
from guanjia.contractors.models import Contractor
from guanjia.estates.models import Project
from guanjia.facilities.models import Equipment
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput

BLANK = [("", "---------")]


class ContractorForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=120)
    category = forms.ChoiceField(label=_("主营类别"), choices=ContractorCategory.choices)
    supplies_goods = forms.BooleanField(label=_("供应物资"), required=False)
    provides_services = forms.BooleanField(label=_("提供外包服务"), required=False, initial=True)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContractorFilterForm(forms.Form):
    # Named as the export's filters (``ContractorFilter``), so the export link carries the page's query.
    category = forms.ChoiceField(
        label=_("主营类别"), choices=BLANK + ContractorCategory.choices, required=False
    )
    is_active = forms.ChoiceField(
        label=_("合作状态"),
        choices=[("", _("全部")), ("true", _("合作中")), ("false", _("已停止"))],
        required=False,
    )
    search = forms.CharField(label=_("名称/联系人"), max_length=60, required=False)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_department_display()}）"


class EquipmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} · {obj.code} {obj.name}"


class ContractForm(forms.Form):
    contractor = forms.ModelChoiceField(label=_("外包单位"), queryset=Contractor.objects.none())
    number = forms.CharField(label=_("合同编号"), max_length=40)
    title = forms.CharField(label=_("合同名称"), max_length=120)
    category = forms.ChoiceField(label=_("类别"), choices=BLANK + ContractorCategory.choices, required=False)
    owner = StaffChoiceField(label=_("合同负责人"), queryset=StaffMember.objects.none())
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    amount = forms.DecimalField(label=_("合同金额(元)"), min_value=0, max_digits=12, decimal_places=2)
    projects = forms.ModelMultipleChoiceField(label=_("覆盖项目"), queryset=Project.objects.none())
    equipment = EquipmentChoiceField(
        label=_("覆盖设备"),
        queryset=Equipment.objects.none(),
        required=False,
        help_text=_("台账中这些设备的维保单位取自本合同"),
    )
    scope = forms.CharField(
        label=_("服务范围"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    payment_terms = forms.CharField(
        label=_("付款方式"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, active: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = Contractor.objects.visible_to(user).filter(is_active=True)
        self.fields["owner"].queryset = StaffMember.objects.visible_to(user).filter(user__isnull=False)
        self.fields["projects"].queryset = Project.objects.visible_to(user)
        self.fields["equipment"].queryset = (
            Equipment.objects.visible_to(user).select_related("project").order_by("project_id", "code")
        )
        if active:  # a contract in force: not its firm, number or start
            for name in ("contractor", "number", "starts_on"):
                del self.fields[name]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "contractor" in data:
            data["contractor_id"] = data.pop("contractor").pk
        data["owner_id"] = data.pop("owner").pk
        data["project_ids"] = [p.pk for p in data.pop("projects")]
        data["equipment_ids"] = [e.pk for e in data.pop("equipment")]
        if not data.get("category"):
            data.pop("category", None)
        return data


class ServiceLevelForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=BLANK + ServiceLevelKind.choices, required=False)
    target = forms.DecimalField(
        label=_("指标值"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    unit = forms.ChoiceField(label=_("单位"), choices=BLANK + ServiceLevelUnit.choices, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        filled = [data.get("kind"), data.get("target") is not None, data.get("unit")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("请填写类型、指标值和单位"))
        return data


ServiceLevelFormSet = forms.formset_factory(ServiceLevelForm, extra=2, max_num=20)


def service_level_rows(formset) -> list[dict]:
    return [
        {k: f.cleaned_data[k] for k in ("kind", "target", "unit", "description")}
        for f in formset.forms
        if f.cleaned_data.get("kind")
    ]


class ContractFilterForm(forms.Form):
    # Named as the export's filters (``ContractFilter``).
    status = forms.ChoiceField(label=_("状态"), choices=BLANK + ContractStatus.choices, required=False)
    contractor_id = forms.ModelChoiceField(
        label=_("外包单位"), queryset=Contractor.objects.none(), required=False
    )
    category = forms.ChoiceField(label=_("类别"), choices=BLANK + ContractorCategory.choices, required=False)
    expiring_within = forms.IntegerField(label=_("N天内到期"), min_value=0, max_value=3660, required=False)
    search = forms.CharField(label=_("编号/名称"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor_id"].queryset = Contractor.objects.visible_to(user)


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("终止原因"), max_length=300)
    on = forms.DateField(label=_("终止日期"), required=False, widget=DateInput())


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("续签决定"), choices=RenewalDecision.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    file = forms.FileField(label=_("文件"), help_text=_("PDF，不超过 20 MB"))


class WorkerForm(forms.Form):
    staff_member = StaffChoiceField(label=_("人员"), queryset=StaffMember.objects.none())
    supervisor = StaffChoiceField(label=_("公司监管人"), queryset=StaffMember.objects.none(), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].queryset = StaffMember.objects.visible_to(user)
        self.fields["supervisor"].queryset = StaffMember.objects.visible_to(user).filter(
            outsourced__isnull=True
        )
