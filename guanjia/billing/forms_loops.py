"""Forms of the loops that reach the bill: a project's late-fee rule, the 买单式 settlement of a
month, an invoice request. They only shape input; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.billing.forms import DATE, PERIOD, this_month
from guanjia.estates.models import Project


class LateFeePolicyForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    enabled = forms.BooleanField(label=_("启用滞纳金"), required=False)
    daily_rate = forms.DecimalField(
        label=_("日费率"),
        max_digits=7,
        decimal_places=6,
        min_value=0,
        max_value=Decimal("0.01"),
        initial=Decimal("0.0005"),
        help_text=_("如 0.0005 即每日万分之五"),
    )
    grace_days = forms.IntegerField(label=_("宽限天数"), min_value=0, max_value=365, initial=0)
    cap_percent = forms.DecimalField(
        label=_("上限(占本金%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=100
    )
    starts_on = forms.DateField(label=_("起算日期"), widget=DATE, help_text=_("此日之前的逾期不计滞纳金"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class SettleForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    period = forms.RegexField(label=_("账期"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", widget=PERIOD)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["period"].initial = this_month()


class InvoiceForm(forms.Form):
    title = forms.CharField(label=_("发票抬头"), max_length=100)
    tax_no = forms.CharField(
        label=_("纳税人识别号"), max_length=20, required=False, help_text=_("单位抬头必填")
    )
    email = forms.EmailField(label=_("接收邮箱"))
