"""Forms of the notification pages (WeChat templates, the SMS signature and templates). They
validate and render; saving calls a service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.notifications.kinds import all_kinds
from guanjia.notifications.models import SmsTemplate


class WechatTemplateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("通知类型"), choices=())
    template_id = forms.CharField(label=gettext_lazy("模板 ID"), max_length=64)
    variables = forms.CharField(
        label=gettext_lazy("模板变量"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("每行一个：模板变量=参数，如 thing1=number"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, f"{k.label}（{k.key}）") for k in all_kinds()]

    def clean_variables(self) -> dict:
        variables = {}
        for line in self.cleaned_data["variables"].splitlines():
            if not line.strip():
                continue
            name, sep, param = line.partition("=")
            if not sep or not name.strip() or not param.strip():
                raise ValidationError(_("格式应为 模板变量=参数：%(line)s") % {"line": line.strip()})
            variables[name.strip()] = param.strip()
        return variables


class SmsSignatureForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("短信签名"),
        max_length=40,
        help_text=gettext_lazy("在短信服务商处备案通过的签名，不含【】"),
    )


class SmsTemplateForm(forms.ModelForm):
    variables = forms.CharField(
        label=gettext_lazy("模板变量"),
        required=False,
        help_text=gettext_lazy(
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
            label=gettext_lazy("通知类型"),
            choices=[(k.key, f"{k.label}（{k.key}）") for k in all_kinds()],
        )
        if self.instance.pk and not self.is_bound:
            self.initial["variables"] = ", ".join(self.instance.variables or [])
        self.fields["content"].help_text = gettext_lazy("可选：审核通过的模板原文，用于预览与计算计费条数")
