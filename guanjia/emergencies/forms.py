from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.emergencies.choices import CallResult, DocumentKind, EventKind, Position


class OpenIncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("事件类别"), choices=EventKind.choices)
    level = forms.TypedChoiceField(
        label=_("级别"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))], coerce=int, initial=1
    )
    project_id = forms.TypedChoiceField(label=_("项目"), coerce=int)
    building_id = forms.TypedChoiceField(label=_("楼栋"), coerce=int, required=False, empty_value=None)
    floor_from = forms.IntegerField(label=_("起始楼层"), required=False)
    floor_to = forms.IntegerField(label=_("结束楼层"), required=False)
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    description = forms.CharField(
        label=_("现场情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    equipment_involved = forms.CharField(
        label=_("涉及设备"), max_length=200, required=False, help_text=_("如：3号消防泵（自由填写）")
    )

    def __init__(self, *args, projects=(), buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = [(p.pk, p.name) for p in projects]
        self.fields["building_id"].choices = [("", _("全小区/不限"))] + [
            (b.pk, f"{b.project.name} {b.name}") for b in buildings
        ]


class PlanForm(forms.Form):
    name = forms.CharField(label=_("预案名称"), max_length=100)
    is_active = forms.BooleanField(label=_("启用"), required=False)
    purpose = forms.CharField(label=_("目的"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    scope = forms.CharField(label=_("适用范围"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    general_procedure = forms.CharField(
        label=_("通用处理程序（每行一条）"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    night_procedure = forms.CharField(
        label=_("夜间特殊处理程序（每行一条）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    aftermath = forms.CharField(
        label=_("善后处理（每行一条）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    documents = forms.CharField(
        label=_("支持文件目录（每行一条）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    levels = forms.JSONField(
        label=_("三级响应（决策人与响应岗位）"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_("岗位代码：%(codes)s") % {"codes": ", ".join(Position.values)},
    )

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        for position in positions:
            self.fields[f"duty_{position}"] = forms.CharField(
                label=_("%(p)s 职责清单（每行一条）") % {"p": Position(position).label},
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )


class CommanderForm(forms.Form):
    commander_id = forms.TypedChoiceField(
        label=_("总指挥（项目总经理）"), coerce=int, required=False, empty_value=None
    )
    control_room_phone = forms.CharField(label=_("中控室电话"), max_length=30, required=False)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commander_id"].choices = [("", "—")] + [(m.pk, m.name) for m in managers]


class MemberForm(forms.Form):
    position = forms.ChoiceField(
        label=_("岗位/小组"), choices=[c for c in Position.choices if c[0] != "commander"]
    )
    staff_id = forms.TypedChoiceField(label=_("人员"), coerce=int)
    is_leader = forms.BooleanField(label=_("组长"), required=False)
    is_standin = forms.BooleanField(label=_("替补"), required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_id"].choices = [(m.pk, m.name) for m in staff]


class DocumentForm(forms.Form):
    plan_id = forms.TypedChoiceField(label=_("预案"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_id"].choices = [(p.pk, p.name) for p in plans]


class DrillForm(forms.Form):
    project_id = forms.TypedChoiceField(label=_("项目"), coerce=int)
    plan_id = forms.TypedChoiceField(label=_("预案"), coerce=int)
    planned_for = forms.DateField(label=_("计划日期"), widget=forms.DateInput(attrs={"type": "date"}))
    level = forms.TypedChoiceField(
        label=_("演练级别"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))], coerce=int, initial=2
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, projects=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = [(p.pk, p.name) for p in projects]
        self.fields["plan_id"].choices = [(p.pk, p.name) for p in plans]


CALL_RESULTS = [c for c in CallResult.choices if c[0] != CallResult.PENDING]
