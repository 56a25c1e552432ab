from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.payments.choices import OrderStatus


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *OrderStatus.choices]
    )
    refund_due = forms.BooleanField(label=_("仅待退款"), required=False)


class MerchantForm(forms.Form):
    """The WeChat Pay merchant. The two secrets are write-only: empty keeps what is stored."""

    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)
    mchid = forms.CharField(label=_("商户号"), max_length=32)
    appid = forms.CharField(label=_("公众号 AppID"), max_length=32)
    cert_serial_no = forms.CharField(label=_("商户证书序列号"), max_length=64)
    private_key = forms.CharField(
        label=_("商户 API 私钥（apiclient_key.pem）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    apiv3_key = forms.CharField(
        label=_("APIv3 密钥"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    platform_public_key = forms.CharField(label=_("微信支付公钥"), widget=forms.Textarea(attrs={"rows": 3}))
    platform_public_key_id = forms.CharField(label=_("微信支付公钥 ID"), max_length=64)
