"""The gate's web forms. They only collect input: units are typed as the guard says them
("1栋-1201"), resolved to an id in the gate's project, and every rule is the service's."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.gate.choices import GateKind, HolderKind, PayMethod, SpaceKind
from guanjia.gate.models import Gate
from guanjia.renovation.models import WorkerPass
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput, DateTimeInput

DATETIME = DateTimeInput()
DATE = DateInput()


def unit_by_label(user, project_id, label: str) -> Unit | None:
    """ "1栋-1201" (or "1201" when the number is unique in the project) within the user's scope."""
    label = (label or "").strip().replace("－", "-")
    units = Unit.objects.visible_to(user).filter(project_id=project_id)
    if "-" in label:
        building, number = label.rsplit("-", 1)
        units = units.filter(building__name=building.strip(), number=number.strip())
    else:
        units = units.filter(number=label)
    found = list(units[:2])
    return found[0] if len(found) == 1 else None


class UnitLabelMixin:
    unit_help = _("如 1栋-1201")

    def resolve_unit(self, user, project_id, field: str = "unit") -> Unit | None:
        unit = unit_by_label(user, project_id, self.cleaned_data.get(field, ""))
        if unit is None:
            self.add_error(field, _("本项目没有这个房号（写法如 1栋-1201）"))
        return unit


class PassForm(forms.Form):
    """A resident invites a visitor (the portal, on a phone)."""

    unit = forms.ModelChoiceField(label=_("房屋"), queryset=Unit.objects.none())
    visitor_name = forms.CharField(label=_("访客姓名"), max_length=40)
    visitor_phone = forms.CharField(label=_("访客电话"), max_length=20, required=False)
    plate = forms.CharField(label=_("车牌号"), max_length=12, required=False, help_text=_("开车来访时填写"))
    people = forms.IntegerField(label=_("人数"), min_value=1, max_value=50, initial=1)
    valid_from = forms.DateTimeField(label=_("到访时间自"), widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("至"), widget=DATETIME)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user).select_related("building", "project")
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.project.name} {u.building.name}-{u.number}"
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("valid_from", now)
            self.initial.setdefault("valid_until", now + datetime.timedelta(hours=4))
            if len(units) == 1:
                self.initial.setdefault("unit", units[0].pk)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["unit_id"] = data.pop("unit").pk
        return data


class GateChoiceMixin:
    def gate_field(self, user):
        self.fields["gate"].queryset = (
            Gate.objects.visible_to(user).filter(active=True).select_related("project")
        )
        self.fields["gate"].label_from_instance = lambda g: f"{g.project.name} {g.name}"


class WalkInForm(UnitLabelMixin, GateChoiceMixin, forms.Form):
    gate = forms.ModelChoiceField(label=_("门岗"), queryset=Gate.objects.none())
    unit = forms.CharField(label=_("拜访房号"), max_length=40, help_text=_("如 1栋-1201"))
    visitor_name = forms.CharField(label=_("访客姓名"), max_length=40)
    visitor_phone = forms.CharField(label=_("访客电话"), max_length=20, required=False)
    people = forms.IntegerField(label=_("人数"), min_value=1, max_value=50, initial=1)
    plate = forms.CharField(label=_("车牌号"), max_length=12, required=False)
    confirmed_by = forms.CharField(label=_("电话确认人"), max_length=40, help_text=_("已致电住户，由谁确认"))
    reason = forms.CharField(label=_("来访事由"), max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate_field(user)


class VehicleForm(UnitLabelMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    unit = forms.CharField(label=_("房屋"), max_length=40, help_text=_("如 1栋-1201"))
    plate = forms.CharField(label=_("车牌号"), max_length=12)
    owner_phone = forms.CharField(
        label=_("车主手机号"), max_length=20, required=False, help_text=_("该房屋住户的完整手机号")
    )
    model_name = forms.CharField(label=_("品牌型号"), max_length=40, required=False)
    color = forms.CharField(label=_("颜色"), max_length=10, required=False)
    note = forms.CharField(label=_("备注"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


def owner_by_phone(user, unit: Unit, phone: str) -> Resident | None:
    ties = Occupancy.objects.filter(unit=unit, resident__phone=(phone or "").strip()).current()
    return Resident.objects.visible_to(user).filter(pk__in=ties.values("resident_id")).first()


class SpaceForm(UnitLabelMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    number = forms.CharField(label=_("车位号"), max_length=20)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(SpaceKind.TEMPORARY, SpaceKind.TEMPORARY.label), (SpaceKind.OWNED, SpaceKind.OWNED.label)],
    )
    unit = forms.CharField(
        label=_("产权房屋"), max_length=40, required=False, help_text=_("产权车位填写，如 1栋-1201")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class RentForm(UnitLabelMixin, forms.Form):
    unit = forms.CharField(label=_("承租房屋"), max_length=40, help_text=_("如 1栋-1201"))
    monthly_rent = forms.DecimalField(label=_("月租金(元)"), min_value=0, max_digits=9, decimal_places=2)
    rented_from = forms.DateField(label=_("租期起"), widget=DATE, required=False)


class TemporaryEnterForm(GateChoiceMixin, forms.Form):
    gate = forms.ModelChoiceField(label=_("门岗"), queryset=Gate.objects.none())
    plate = forms.CharField(label=_("车牌号"), max_length=12)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate_field(user)


class TemporaryExitForm(GateChoiceMixin, forms.Form):
    gate = forms.ModelChoiceField(label=_("出场门岗"), queryset=Gate.objects.none())
    pay_method = forms.ChoiceField(
        label=_("付款方式"), choices=[(m.value, m.label) for m in PayMethod if m != PayMethod.FREE]
    )
    paid = forms.DecimalField(
        label=_("实收(元)"), min_value=0, max_digits=9, decimal_places=2, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate_field(user)


class BlacklistForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    plate = forms.CharField(label=_("车牌号"), max_length=12)
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class CardForm(UnitLabelMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    holder_kind = forms.ChoiceField(label=_("持卡人类型"), choices=HolderKind.choices)
    number = forms.CharField(label=_("卡号"), max_length=32)
    unit = forms.CharField(
        label=_("房屋（住户卡）"), max_length=40, required=False, help_text=_("如 1栋-1201")
    )
    resident_phone = forms.CharField(label=_("住户手机号（住户卡）"), max_length=20, required=False)
    staff = forms.ModelChoiceField(
        label=_("员工（员工卡）"), queryset=StaffMember.objects.none(), required=False
    )
    worker_pass_no = forms.CharField(label=_("施工出入证号（施工人员卡）"), max_length=30, required=False)
    valid_from = forms.DateField(label=_("有效期自"), widget=DATE, required=False)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["staff"].queryset = StaffMember.objects.visible_to(user)

    def service_data(self) -> dict | None:
        data = self.cleaned_data
        project = data["project"]
        out = {
            "holder_kind": data["holder_kind"],
            "number": data["number"],
            "project_id": project.pk,
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }
        if data["holder_kind"] == HolderKind.RESIDENT:
            unit = self.resolve_unit(self.user, project.pk)
            if unit is None:
                return None
            owner = owner_by_phone(self.user, unit, data.get("resident_phone"))
            if owner is None:
                self.add_error("resident_phone", _("该房屋没有这个手机号的住户"))
                return None
            out.update(unit_id=unit.pk, resident_id=owner.pk)
        elif data["holder_kind"] == HolderKind.STAFF:
            out["staff_id"] = data["staff"].pk if data.get("staff") else None
        else:
            worker = (
                WorkerPass.objects.visible_to(self.user)
                .filter(project=project, pass_no=(data.get("worker_pass_no") or "").strip())
                .first()
            )
            out["worker_pass_id"] = worker.pk if worker else None
        return out


class GateForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    name = forms.CharField(label=_("门岗名称"), max_length=40)
    kind = forms.ChoiceField(label=_("类型"), choices=GateKind.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
