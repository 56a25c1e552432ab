"""Web forms of fees. They only shape input; the services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.billing.choices import BillStatus, PaymentMethod
from guanjia.estates.models import Project
from guanjia.web.widgets import DateInput, DateTimeInput

DATE = DateInput()
PERIOD = forms.TextInput(attrs={"type": "month"})


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


class BillFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    period = forms.RegexField(
        label=_("账期"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, widget=PERIOD
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *BillStatus.choices], required=False
    )
    q = forms.CharField(label=_("房号"), required=False, max_length=20)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class GenerateForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    period = forms.RegexField(label=_("账期"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", widget=PERIOD)
    due_on = forms.DateField(
        label=_("缴费截止日"), required=False, widget=DATE, help_text=_("留空为账期月末")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["period"].initial = this_month()


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)
    payer = forms.CharField(label=_("付款人"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    # One key per form shown: pressing "收款" twice (or a resend) posts the payment once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = uuid.uuid4().hex


class AdjustmentForm(forms.Form):
    bill = forms.TypedChoiceField(label=_("账单"), coerce=int)
    amount = forms.DecimalField(
        label=_("调整金额（元）"), max_digits=14, decimal_places=2, help_text=_("负数为减免，正数为补收")
    )
    reason = forms.CharField(label=_("原因"), max_length=200)


class RefundForm(forms.Form):
    payment = forms.TypedChoiceField(label=_("收款（收据号）"), coerce=int)
    amount = forms.DecimalField(label=_("退款金额（元）"), max_digits=14, decimal_places=2, min_value=0.01)
    reason = forms.CharField(label=_("原因"), max_length=200)


class FigureFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    period_from = forms.RegexField(
        label=_("起始账期"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, widget=PERIOD
    )
    period_to = forms.RegexField(
        label=_("截止账期"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, widget=PERIOD
    )
    as_of = forms.DateField(
        label=_("截至日期"), required=False, widget=DATE, help_text=_("留空为今天；此后的收款、退款不计")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class ArrearsFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    as_of = forms.DateField(
        label=_("截至日期"), required=False, widget=DATE, help_text=_("留空为今天；此后的收款、退款不计")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class VisitForm(forms.Form):
    collector = forms.TypedChoiceField(label=_("收费员"), coerce=int)
    visit_at = forms.DateTimeField(
        label=_("上门时间"),
        widget=DateTimeInput(),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
