"""Forms of the web console for staff. They validate and render; saving calls ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.roles import HQ_ROLES, STAFF_ROLES, Perm
from guanjia.core.scoping import user_can
from guanjia.estates.models import Project
from guanjia.notifications.channels import channel_address
from guanjia.staff.choices import Department


class StaffForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("留空则暂不能登录"),
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    employee_no = forms.CharField(label=_("工号"), max_length=20, required=False)
    department = forms.ChoiceField(label=_("部门"), choices=Department.choices)
    position = forms.CharField(label=_("岗位"), max_length=40, required=False)
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    wecom_userid = forms.CharField(
        label=_("企业微信 userid"),
        max_length=64,
        required=False,
        help_text=_("企业微信管理后台「通讯录」中此人的账号，用于接收企业微信通知；留空则不发"),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("服务项目"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, member=None, **kwargs):
        if member is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": member.name,
                "phone": member.phone,
                "employee_no": member.employee_no,
                "department": member.department,
                "position": member.position,
                "roles": [r.role for r in member.roles.all()],
                "projects": list(member.projects.all()),
                "wecom_userid": channel_address(member.user, "wecom"),
            }
        super().__init__(*args, **kwargs)
        self.member = member
        roles = STAFF_ROLES if user_can(user, Perm.ADMIN) else [r for r in STAFF_ROLES if r not in HQ_ROLES]
        self.fields["roles"].choices = [(r.value, r.label) for r in roles]
        self.fields["projects"].queryset = Project.objects.visible_to(user)
        if not user_can(user, Perm.ADMIN):
            del self.fields["wecom_userid"]  # set by company administrators only
        if member is not None:
            del self.fields["username"]
            del self.fields["password"]

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"projects", "password"}}
        data["project_ids"] = [p.pk for p in self.cleaned_data["projects"]]
        if self.member is None and self.cleaned_data.get("password"):
            data["password"] = self.cleaned_data["password"]
        return data


SERVICE_FIELD_MAP = {"project_ids": "projects", "butler_building_ids": None}
