"""Forms of the sign-in pages and the bulk invitation. They validate shape; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.forms import BuildingChoiceField
from guanjia.estates.models import Building, Project


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "numeric",
                "autocomplete": "tel",
                "placeholder": _("11位手机号"),
            }
        ),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": _("6位数字")}
        ),
    )


class ActivateForm(forms.Form):
    password = forms.CharField(
        label=_("设置登录密码（可选）"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("不设置也可以：以后用手机号和短信验证码登录。"),
    )


class BulkInviteForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    building = BuildingChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["building"].queryset = Building.objects.visible_to(user).select_related("project")

    def clean(self):
        data = super().clean()
        if not data.get("project") and not data.get("building"):
            raise forms.ValidationError(_("请选择楼栋或项目"))
        return data
