"""Web forms of facilities. They only shape input; the services decide."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Building, Project
from guanjia.facilities.choices import (
    AreaKind,
    CostKind,
    Discipline,
    EquipmentStatus,
    FileKind,
    Frequency,
    LineKind,
    RouteKind,
)
from guanjia.facilities.models import Area, Equipment, EquipmentType
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.web.widgets import DateInput

DATE = DateInput()


def _types(user):
    return EquipmentType.objects.visible_to(user).select_related("parent").order_by("parent_id", "name")


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} / {obj.name}" if obj.parent_id else obj.name


class EquipmentFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    type = TypeChoiceField(label=_("类型"), queryset=EquipmentType.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", "---------"), *EquipmentStatus.choices], required=False
    )
    q = forms.CharField(label=_("名称/编号"), required=False, max_length=50)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["type"].queryset = _types(user)


class EquipmentForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    type = TypeChoiceField(label=_("类型"), queryset=EquipmentType.objects.none())
    code = forms.CharField(label=_("设备编号"), max_length=30, required=False, help_text=_("不填则自动编号"))
    name = forms.CharField(label=_("名称"), max_length=100)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    floor = forms.CharField(label=_("楼层"), max_length=10, required=False)
    room = forms.CharField(label=_("位置/房间"), max_length=60, required=False)
    serial_no = forms.CharField(label=_("出厂编号"), max_length=60, required=False)
    model_no = forms.CharField(label=_("型号"), max_length=60, required=False)
    vendor = forms.CharField(label=_("生产厂家"), max_length=100, required=False)
    contractor = forms.CharField(label=_("维保单位"), max_length=100, required=False)
    contract_starts = forms.DateField(label=_("维保合同开始"), required=False, widget=DATE)
    contract_ends = forms.DateField(label=_("维保合同结束"), required=False, widget=DATE)
    installed_on = forms.DateField(label=_("安装日期"), required=False, widget=DATE)
    warranty_until = forms.DateField(label=_("保修截止"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("状态"), choices=EquipmentStatus.choices, initial=EquipmentStatus.IN_SERVICE
    )
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, editing: bool = False, maintainer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["type"].queryset = _types(user)
        self.fields["building"].queryset = Building.objects.visible_to(user).select_related("project")
        if editing:
            del self.fields["project"]
        if maintainer is not None:
            # A contract covers the item: its maintainer comes from there, not from free text.
            for name in ("contractor", "contract_starts", "contract_ends"):
                del self.fields[name]
            self.fields["maintained_by"] = forms.CharField(
                label=_("维保单位"),
                required=False,
                disabled=True,
                initial=maintainer.name,
                help_text=_("来自合同 %(contract)s，在合同中修改") % {"contract": maintainer.contract},
            )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "project" in data:
            data["project_id"] = data.pop("project").pk
        data["type_id"] = data.pop("type").pk
        data.pop("maintained_by", None)
        building = data.pop("building")
        data["building_id"] = building.pk if building else None
        return data


class FileForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=FileKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    file = forms.FileField(label=_("文件"), help_text=_("照片：JPEG/PNG/WebP；资料：PDF"))


class CostForm(forms.Form):
    kind = forms.ChoiceField(label=_("费用类别"), choices=CostKind.choices, initial=CostKind.REPAIR)
    incurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    amount = forms.DecimalField(label=_("金额"), max_digits=12, decimal_places=2, min_value=0)
    contractor = forms.CharField(label=_("单位"), max_length=100, required=False)
    invoice_no = forms.CharField(label=_("发票号"), max_length=40, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    file = forms.FileField(label=_("文件"), help_text=_(".xlsx 或 .csv，表头同导出文件"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class AreaForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    kind = forms.ChoiceField(label=_("区域类型"), choices=AreaKind.choices)
    name = forms.CharField(label=_("区域名称"), max_length=100)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    place = forms.CharField(label=_("位置说明"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["building"].queryset = Building.objects.visible_to(user).select_related("project")
        if editing:
            del self.fields["project"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "project" in data:
            data["project_id"] = data.pop("project").pk
        building = data.pop("building")
        data["building_id"] = building.pk if building else None
        return data


class AreaFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    kind = forms.ChoiceField(
        label=_("区域类型"), choices=[("", "---------"), *AreaKind.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class TaskFilterForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    discipline = forms.ChoiceField(
        label=_("工作类别"), choices=[("", "---------"), *Discipline.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("状态"),
        choices=[
            ("", "---------"),
            ("open", _("未完成")),
            ("overdue", _("逾期")),
            ("unchecked", _("待验收")),
            ("done", _("已完成")),
        ],
        required=False,
    )
    since = forms.DateField(label=_("周期从"), required=False, widget=DATE)
    until = forms.DateField(label=_("周期到"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class PlanForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    name = forms.CharField(label=_("计划名称"), max_length=100)
    discipline = forms.ChoiceField(
        label=_("工作类别"), choices=Discipline.choices, initial=Discipline.MAINTENANCE, required=False
    )
    equipment = forms.ModelChoiceField(label=_("设备"), queryset=Equipment.objects.none(), required=False)
    equipment_type = TypeChoiceField(
        label=_("或：设备类型（该类型全部设备）"), queryset=EquipmentType.objects.none(), required=False
    )
    area = forms.ModelChoiceField(
        label=_("或：区域（保洁、消杀、绿化）"), queryset=Area.objects.none(), required=False
    )
    area_kind = forms.ChoiceField(
        label=_("或：区域类型（该类型全部区域）"),
        choices=[("", "---------"), *AreaKind.choices],
        required=False,
    )
    frequency = forms.ChoiceField(label=_("频次"), choices=Frequency.choices)
    interval_days = forms.IntegerField(
        label=_("间隔天数（每N天）"), required=False, min_value=1, max_value=3660
    )
    window_days = forms.IntegerField(
        label=_("完成时限(天)"),
        required=False,
        min_value=1,
        max_value=366,
        help_text=_("从周期开始算起；不填则为整个周期"),
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    team = forms.ChoiceField(
        label=_("责任班组"),
        choices=[("", "---------"), *Department.choices],
        required=False,
        help_text=_("不选则设备维保为工程部，保洁、消杀、绿化为环境部"),
    )
    assignee = forms.ModelChoiceField(label=_("责任人"), queryset=StaffMember.objects.none(), required=False)
    contractor = forms.CharField(
        label=_("外包单位"), max_length=100, required=False, help_text=_("由外包队伍执行时填写，如保洁公司")
    )
    checker = forms.ModelChoiceField(
        label=_("验收人"),
        queryset=StaffMember.objects.none(),
        required=False,
        help_text=_("公司主管，不能是执行人"),
    )
    rectify_days = forms.IntegerField(label=_("整改期限(天)"), initial=3, min_value=1, max_value=90)
    checklist = forms.CharField(
        label=_("检查项"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "每行一项：检查内容 | 标准；读数项：检查内容 | 标准 | 单位 | 下限 | 上限；"
            "只查某类设备的项前加 [设备类型]，如 [灭火器] 检查压力 | 在绿区"
        ),
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["equipment"].queryset = Equipment.objects.visible_to(user).select_related("project")
        self.fields["equipment_type"].queryset = _types(user)
        self.fields["assignee"].queryset = StaffMember.objects.visible_to(user).order_by("name")
        self.fields["checker"].queryset = StaffMember.objects.visible_to(user).order_by("name")
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("project")
        if editing:
            del self.fields["project"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "project" in data:
            data["project_id"] = data.pop("project").pk
        for key in ("equipment", "equipment_type", "assignee", "area", "checker"):
            value = data.pop(key)
            data[f"{key}_id"] = value.pk if value else None
        data["discipline"] = data.get("discipline") or Discipline.MAINTENANCE
        if not data.get("team"):
            data.pop("team", None)  # the discipline's own team (or, editing, the plan's as it is)
        data["checklist"] = checklist_from_text(data["checklist"])
        return data


# "[灭火器、防火门] 检查内容 | 标准": the equipment types a line is about, before its text.
TYPES_PREFIX = re.compile(r"^\s*[\[【]([^\]】]*)[\]】]\s*")


def checklist_from_text(text: str) -> list[dict]:
    lines = []
    for raw in (text or "").splitlines():
        types = []
        prefix = TYPES_PREFIX.match(raw)
        if prefix:
            types = [t for t in re.split(r"[、,，/\s]+", prefix.group(1)) if t]
            raw = raw[prefix.end() :]
        parts = [p.strip() for p in raw.replace("｜", "|").split("|")]
        if not parts[0]:
            continue
        if len(parts) >= 5:
            line = {
                "text": parts[0],
                "expected": parts[1],
                "kind": LineKind.READING,
                "unit": parts[2],
                "min": parts[3] or None,
                "max": parts[4] or None,
            }
        else:
            line = {"text": parts[0], "expected": parts[1] if len(parts) > 1 else "", "kind": LineKind.CHECK}
        if types:
            line["types"] = types
        lines.append(line)
    return lines


def checklist_to_text(lines: list[dict]) -> str:
    out = []
    for line in lines:
        prefix = f"[{'、'.join(line['types'])}] " if line.get("types") else ""
        if line.get("kind") == LineKind.READING:
            out.append(
                prefix
                + " | ".join(
                    [
                        line["text"],
                        line.get("expected", ""),
                        line.get("unit", ""),
                        line.get("min") or "",
                        line.get("max") or "",
                    ]
                )
            )
        else:
            out.append(f"{prefix}{line['text']} | {line.get('expected', '')}")
    return "\n".join(out)


class FireDefaultsForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class RouteForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    name = forms.CharField(label=_("路线名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类别"), choices=RouteKind.choices)
    department = forms.ChoiceField(
        label=_("执行班组"), choices=Department.choices, initial=Department.SECURITY
    )
    round_times = forms.CharField(label=_("每轮开始时间"), max_length=100, help_text=_("如 22:00,01:00"))
    window_minutes = forms.IntegerField(label=_("每轮时限(分钟)"), initial=60, min_value=5, max_value=720)
    weekdays = forms.CharField(label=_("星期"), max_length=7, initial="0123456", help_text=_("0 为周一"))
    supervisor = forms.ModelChoiceField(label=_("主管"), queryset=StaffMember.objects.none(), required=False)
    checkpoints = forms.CharField(
        label=_("巡查点"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("按巡查顺序每行一个：名称 | 位置"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["supervisor"].queryset = StaffMember.objects.visible_to(user).order_by("name")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["project_id"] = data.pop("project").pk
        supervisor = data.pop("supervisor")
        data["supervisor_id"] = supervisor.pk if supervisor else None
        points = []
        for raw in data.pop("checkpoints").splitlines():
            parts = [p.strip() for p in raw.replace("｜", "|").split("|")]
            if parts[0]:
                points.append({"name": parts[0], "place": parts[1] if len(parts) > 1 else ""})
        data["checkpoints"] = points
        return data


class FindingForm(forms.Form):
    checkpoint = forms.ChoiceField(label=_("巡查点"))
    description = forms.CharField(
        label=_("发现的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = forms.FileField(
        label=_("照片"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def __init__(self, *args, checkpoints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].choices = [(c.pk, f"{c.position}. {c.name}") for c in checkpoints]


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("巡查点"), max_length=60)
    place = forms.CharField(label=_("位置"), max_length=100, required=False)
    expected_from = forms.IntegerField(
        label=_("预计最早(分钟)"),
        required=False,
        min_value=0,
        max_value=720,
        help_text=_("每轮开始后多少分钟；与最晚同时留空则为整轮时段"),
    )
    expected_to = forms.IntegerField(label=_("预计最晚(分钟)"), required=False, min_value=0, max_value=720)
