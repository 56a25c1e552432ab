from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.emergencies.choices import CallResult, DocumentKind, EventKind, Position
from guanjia.web.widgets import DateInput

LEVELS = (1, 2, 3)
LEVEL_NAMES = {1: _("一级"), 2: _("二级"), 3: _("三级")}
DECIDERS = [*Position.choices, ("company", _("公司总经理"))]


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
    equipment_ids = forms.TypedMultipleChoiceField(
        label=_("台账设备"),
        coerce=int,
        required=False,
        help_text=_("设备台账中涉及的设备（须属于所选项目），可多选"),
    )
    equipment_involved = forms.CharField(
        label=_("其他涉及设备"),
        max_length=200,
        required=False,
        help_text=_("不在设备台账中的设备（自由填写）"),
    )

    def __init__(self, *args, projects=(), buildings=(), equipment=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = [(p.pk, p.name) for p in projects]
        self.fields["equipment_ids"].choices = [
            (e.pk, f"{e.project.name} · {e.code} {e.name}") for e in equipment
        ]
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

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        for n in LEVELS:
            self.fields[f"level_{n}_name"] = forms.CharField(
                label=_("%(n)s级 名称") % {"n": n}, max_length=50, required=False
            )
            self.fields[f"level_{n}_condition"] = forms.CharField(
                label=_("%(n)s级 启动条件") % {"n": n},
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"level_{n}_decides"] = forms.ChoiceField(
                label=_("%(n)s级 决策人") % {"n": n}, choices=DECIDERS
            )
            self.fields[f"level_{n}_responders"] = forms.MultipleChoiceField(
                label=_("%(n)s级 响应岗位/小组") % {"n": n},
                choices=Position.choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("请至少选择一个响应岗位")},
            )
            self.fields[f"level_{n}_notify_hq"] = forms.BooleanField(
                label=_("%(n)s级 同时通知总公司") % {"n": n}, required=False
            )
        for position in positions:
            self.fields[f"duty_{position}"] = forms.CharField(
                label=_("%(p)s 职责清单（每行一条）") % {"p": Position(position).label},
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )

    def levels(self) -> list[dict]:
        """The three levels as the plan stores them (call after ``is_valid``)."""
        data = self.cleaned_data
        return [
            {
                "level": n,
                "name": data[f"level_{n}_name"].strip() or str(LEVEL_NAMES[n]),
                "condition": data[f"level_{n}_condition"].strip(),
                "decides": data[f"level_{n}_decides"],
                "responders": [p for p in Position.values if p in data[f"level_{n}_responders"]],
                "notify_hq": bool(data[f"level_{n}_notify_hq"]),
            }
            for n in LEVELS
        ]

    @staticmethod
    def level_initial(levels) -> dict:
        initial = {}
        for lv in levels or []:
            n = lv.get("level")
            if n not in LEVELS:
                continue
            initial.update(
                {
                    f"level_{n}_name": lv.get("name", ""),
                    f"level_{n}_condition": lv.get("condition", ""),
                    f"level_{n}_decides": lv.get("decides", ""),
                    f"level_{n}_responders": list(lv.get("responders", [])),
                    f"level_{n}_notify_hq": bool(lv.get("notify_hq")),
                }
            )
        return initial


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
    planned_for = forms.DateField(label=_("计划日期"), widget=DateInput())
    level = forms.TypedChoiceField(
        label=_("演练级别"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))], coerce=int, initial=2
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    fire_test_id = forms.TypedChoiceField(
        label=_("年度消防系统联动测试"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("消防演练：不选则自动关联本项目当年的年度消防维保任务"),
    )

    def __init__(self, *args, projects=(), plans=(), fire_tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = [(p.pk, p.name) for p in projects]
        self.fields["plan_id"].choices = [(p.pk, p.name) for p in plans]
        self.fields["fire_test_id"].choices = [("", _("自动"))] + [
            (t.pk, fire_task_label(t)) for t in fire_tasks
        ]


def fire_task_label(task) -> str:
    return (
        f"{task.project.name} · {task.equipment.code} {task.equipment.name} · "
        f"{task.period_start.isoformat()} {task.get_status_display()}"
    )


class FireTestForm(forms.Form):
    task_id = forms.TypedChoiceField(
        label=_("年度消防系统联动测试"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_id"].choices = [("", _("不关联"))] + [(t.pk, fire_task_label(t)) for t in tasks]


CALL_RESULTS = [c for c in CallResult.choices if c[0] != CallResult.PENDING]
