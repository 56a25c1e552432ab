"""Forms of the join page (业主认证), the owner's household page and the butler's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.choices import Relation
from guanjia.estates.models import Building, Project, Unit, unit_order
from guanjia.households.services import MAX_PHOTOS
from guanjia.web.widgets import DateInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProofPhotosField(forms.FileField):
    """One to three photos; their content is checked by the service (``core.images``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(ProofPhotosField, self).clean(item, initial) for item in files]


def _id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class ClaimForm(forms.Form):
    """Project → building → room, who the person is to the unit, and the proof."""

    project_id = forms.TypedChoiceField(label=_("项目"), coerce=int)
    building_id = forms.TypedChoiceField(label=_("楼栋"), coerce=int)
    unit_id = forms.TypedChoiceField(label=_("房号"), coerce=int)
    name = forms.CharField(label=_("姓名"), max_length=60)
    relation = forms.ChoiceField(label=_("您与该房屋的关系"), choices=Relation.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    photos = ProofPhotosField(
        label=_("证明材料照片"),
        required=False,
        help_text=_("房产证、购房合同或租赁合同，1 至 %(n)s 张") % {"n": MAX_PHOTOS},
    )

    def __init__(self, data=None, files=None, *, company_id=None, initial=None):
        super().__init__(data, files, initial=initial)
        source = data or initial or {}
        projects = Project.objects.all()
        if company_id is not None:
            projects = projects.filter(company_id=company_id)
        self.fields["project_id"].choices = [("", _("请选择项目"))] + [
            (p.pk, f"{p.city} {p.name}".strip()) for p in projects.order_by("city", "name")[:500]
        ]
        self.fields["building_id"].choices = building_choices(_id(source.get("project_id")))
        self.fields["unit_id"].choices = unit_choices(_id(source.get("building_id")))
        for name in ("project_id", "building_id"):
            self.fields[name].widget.attrs["data-join-step"] = name


def building_choices(project_id: int | None) -> list:
    choices = [("", _("请选择楼栋"))]
    if project_id:
        choices += [(b.pk, b.name) for b in Building.objects.filter(project_id=project_id)]
    return choices


def unit_choices(building_id: int | None) -> list:
    choices = [("", _("请选择房号"))]
    if building_id:
        units = Unit.objects.filter(building_id=building_id, deleted_at__isnull=True).order_by(*unit_order())
        choices += [(u.pk, u.number) for u in units]
    return choices


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200, widget=forms.TextInput())


class MemberForm(forms.Form):
    """An owner invites a family member or a tenant, choosing what they may do."""

    unit_id = forms.TypedChoiceField(label=_("房屋"), coerce=int)
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号"), max_length=20)
    relation = forms.ChoiceField(
        label=_("关系"),
        choices=[(Relation.FAMILY, Relation.FAMILY.label), (Relation.TENANT, Relation.TENANT.label)],
    )
    end_on = forms.DateField(
        label=_("租期结束日期"),
        required=False,
        widget=DateInput(),
        help_text=_("租户必填；到期后自动失去该房屋的权限"),
    )
    may_report = forms.BooleanField(label=_("可报事报修"), required=False, initial=True)
    may_pay = forms.BooleanField(label=_("可缴费"), required=False)
    may_vote = forms.BooleanField(label=_("可参与业主表决"), required=False)

    def __init__(self, data=None, *, units):
        super().__init__(data)
        self.fields["unit_id"].choices = [
            (u.pk, f"{u.project.name} {u.building.name}-{u.number}") for u in units
        ]
