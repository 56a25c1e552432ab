"""Web forms of the lending register. They only shape input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project, Unit
from guanjia.lending.choices import LoanState, ReturnCondition
from guanjia.lending.models import LendingItem
from guanjia.web.widgets import DateInput


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} {obj.building.name}-{obj.number}"


class ItemForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    name = forms.CharField(label=_("物品名称"), max_length=60)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    quantity = forms.IntegerField(label=_("总数量"), min_value=0, max_value=100000)
    loan_days = forms.IntegerField(label=_("默认借期(天)"), min_value=1, max_value=365, initial=3)
    is_active = forms.BooleanField(label=_("可借"), required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        if editing:
            del self.fields["project"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "project" in data:
            data["project_id"] = data.pop("project").pk
        return data


class LoanForm(forms.Form):
    item = forms.ModelChoiceField(label=_("物品"), queryset=LendingItem.objects.none())
    unit = UnitChoiceField(label=_("房屋"), queryset=Unit.objects.none())
    borrower_name = forms.CharField(label=_("借用人"), max_length=60)
    borrower_phone = forms.CharField(label=_("联系电话"), max_length=20)
    id_checked = forms.BooleanField(label=_("已核验证件"), required=False)
    id_number = forms.CharField(
        label=_("证件号"), max_length=20, required=False, help_text=_("只保存脱敏后的号码")
    )
    quantity = forms.IntegerField(label=_("数量"), initial=1)
    due_on = forms.DateField(
        label=_("应还日期"), required=False, widget=DateInput(), help_text=_("不填则按物品默认借期")
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = LendingItem.objects.visible_to(user).filter(is_active=True)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).select_related("project", "building")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["item_id"] = data.pop("item").pk
        data["unit_id"] = data.pop("unit").pk
        return data


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("归还状况"), choices=ReturnCondition.choices, initial=ReturnCondition.GOOD
    )
    note = forms.CharField(label=_("归还说明"), max_length=200, required=False)


class LoanFilterForm(forms.Form):
    # Named as the export's filters (``LoanFilter``), so the export link carries the page's query.
    project_id = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    item_id = forms.ModelChoiceField(label=_("物品"), queryset=LendingItem.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("状态"), choices=[("", "---------"), *LoanState.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].queryset = Project.objects.visible_to(user)
        self.fields["item_id"].queryset = LendingItem.objects.visible_to(user)
