"""Forms of the notification pages. They validate and render; saving calls a service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.notifications.kinds import all_kinds


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
