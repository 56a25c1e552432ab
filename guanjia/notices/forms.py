"""The console's notice form and the service card form. Rules are the services'; these only read input."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanjia.core.scoping import scope_for
from guanjia.estates.models import Building, Project
from guanjia.notices.choices import NoticeKind
from guanjia.web.widgets import DateTimeInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to five files; their content (PDF, JPEG, PNG) is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(AttachmentsField, self).clean(item, initial) for item in files]


def project_choices(user) -> list[tuple[str, str]]:
    choices = [("", _("全公司（总部发布）"))] if scope_for(user).is_hq else []
    projects = Project.objects.visible_to(user).order_by("name")
    return choices + [(str(p.pk), p.name) for p in projects]


def building_choices(user, project_id) -> list[tuple[str, str]]:
    choices = [("", _("全项目"))]
    if project_id:
        buildings = Building.objects.visible_to(user).filter(project_id=project_id).order_by("sort_key", "id")
        choices += [(str(b.pk), b.name) for b in buildings]
    return choices


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    project_id = forms.ChoiceField(label=_("项目"), required=False)
    building_id = forms.ChoiceField(label=_("楼栋"), required=False)
    publish_at = forms.DateTimeField(
        label=_("定时发布时间"), required=False, widget=DateTimeInput(), help_text=_("留空则发布时立即生效")
    )
    expires_at = forms.DateTimeField(label=_("下架时间"), required=False, widget=DateTimeInput())
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    attachments = AttachmentsField(label=_("附件（PDF、图片）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = project_choices(user)
        project = self.data.get("project_id") if self.is_bound else self.initial.get("project_id")
        self.fields["building_id"].choices = building_choices(user, project)
        self.fields["project_id"].widget.attrs.update(
            {
                "hx-get": reverse("notices:buildings"),
                "hx-target": "#id_building_id",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
                # The building already picked stays picked when the options come back (a quick
                # hand, or a project that had them already, must not lose its choice to the swap).
                "hx-include": "#id_building_id",
                "hx-sync": "this:replace",
            }
        )

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "attachments"}
        data["project_id"] = data["project_id"] or None
        data["building_id"] = data["building_id"] or None
        return data


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(label=_("定时发布时间"), required=False, widget=DateTimeInput())


class ServiceCardForm(forms.Form):
    title = forms.CharField(label=_("对外职务"), max_length=30)
    phone = forms.CharField(label=_("服务电话"), max_length=20)
    hours = forms.CharField(label=_("服务时间"), max_length=60)
    intro = forms.CharField(label=_("简介"), max_length=200, required=False)
    shown = forms.BooleanField(label=_("向住户展示"), required=False, initial=True)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=100)
    photo = forms.ImageField(label=_("照片"), required=False)
