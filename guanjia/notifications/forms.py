"""Forms of the SMS settings page: the company's signature, a template for one kind."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import all_kinds
from guanjia.notifications.models import SmsTemplate


class SmsSignatureForm(forms.Form):
    name = forms.CharField(
        label=_("短信签名"), max_length=40, help_text=_("在短信服务商处备案通过的签名，不含【】")
    )


class SmsTemplateForm(forms.ModelForm):
    variables = forms.CharField(
        label=_("模板变量"),
        required=False,
        help_text=_(
            "按模板中变量的顺序填写参数名，以逗号分隔，如 unit, amount, due（腾讯云 {1}{2}{3}；阿里云 ${unit} 等同名变量）"
        ),
    )

    class Meta:
        model = SmsTemplate
        fields = ["kind", "template_id", "variables", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("通知类型"),
            choices=[(k.key, f"{k.label}（{k.key}）") for k in all_kinds()],
        )
        if self.instance.pk and not self.is_bound:
            self.initial["variables"] = ", ".join(self.instance.variables or [])
        self.fields["content"].help_text = _("可选：审核通过的模板原文，用于预览与计算计费条数")
