"""Forms of the dispatch pages. They validate and render; saving calls ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Building, Project
from guanjia.staff.choices import Department
from guanjia.staff.models import Skill
from guanjia.tickets.models import TicketCategory


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} {obj.name}"


class RuleForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    category = CategoryChoiceField(
        label=_("报事类别"), queryset=TicketCategory.objects.none(), help_text=_("一级类别包含其下所有子类别")
    )
    building = BuildingChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False, empty_label=_("全部楼栋")
    )
    department = forms.ChoiceField(label=_("派往部门"), choices=Department.choices)
    skill = forms.ModelChoiceField(
        label=_("技能"),
        queryset=Skill.objects.none(),
        required=False,
        empty_label=_("按类别的一级名称"),
    )
    priority = forms.IntegerField(label=_("优先顺序"), min_value=0, max_value=999, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user, rule=None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "category": rule.category_id,
                "building": rule.building_id,
                "department": rule.department,
                "skill": rule.skill_id,
                "priority": rule.priority,
                "is_active": rule.is_active,
            }
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["category"].queryset = (
            TicketCategory.objects.visible_to(user)
            .filter(is_active=True)
            .select_related("parent")
            .order_by("parent__sort_order", "parent_id", "sort_order", "name")
        )
        buildings = Building.objects.visible_to(user).select_related("project")
        if rule is not None:
            del self.fields["project"]
            buildings = buildings.filter(project_id=rule.project_id)
        self.fields["building"].queryset = buildings
        self.fields["skill"].queryset = Skill.objects.visible_to(user)

    def service_data(self) -> dict:
        data = self.cleaned_data
        values = {
            "category_id": data["category"].pk,
            "building_id": data["building"].pk if data.get("building") else None,
            "department": data["department"],
            "skill_id": data["skill"].pk if data.get("skill") else None,
            "priority": data["priority"],
            "is_active": data["is_active"],
        }
        if self.rule is None:
            values["project_id"] = data["project"].pk
        return values


# Service errors name the service's fields; the form's fields are named without ``_id``.
SERVICE_FIELD_MAP = {
    "project_id": "project",
    "category_id": "category",
    "building_id": "building",
    "skill_id": "skill",
}
