"""Forms of the web console for estates. They validate and render; saving calls ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.phones import normalise_phone
from guanjia.estates.choices import UnitStatus
from guanjia.estates.models import Building, Project, Resident, Unit
from guanjia.estates.services import BUILDING_FIELDS, PROJECT_FIELDS, RESIDENT_FIELDS, UNIT_FIELDS


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} · {obj.name}"


class ListFilterForm(forms.Form):
    """The filters above a list, read from GET. Invalid values are ignored, never an error page."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    building = BuildingChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", "---------"), *UnitStatus.choices]
    )

    def __init__(self, data, *, user, fields=("q", "project"), search_help=""):
        super().__init__(data)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "project" in self.fields:
            self.fields["project"].queryset = Project.objects.visible_to(user)
            self.fields["project"].empty_label = _("全部项目")
        if "building" in self.fields:
            buildings = Building.objects.visible_to(user).select_related("project")
            project_id = self.data.get("project")
            if project_id and str(project_id).isdigit():
                buildings = buildings.filter(project_id=project_id)
            self.fields["building"].queryset = buildings
            self.fields["building"].empty_label = _("全部楼栋")
        if search_help:
            self.fields["q"].widget.attrs["placeholder"] = search_help
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def values(self) -> dict:
        """The valid filters only: a stale project id in a bookmark just shows everything."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = sorted(
            PROJECT_FIELDS, key=["name", "code", "kind", "city", "address", "service_phone"].index
        )


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["project", "name", "floors_above", "floors_below", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["project"]
        else:
            self.fields["project"].queryset = Project.objects.visible_to(user)

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in BUILDING_FIELDS if k in self.cleaned_data}
        if "project" in self.cleaned_data:
            data["project_id"] = self.cleaned_data["project"].pk
        return data


class UnitForm(forms.ModelForm):
    building = BuildingChoiceField(label=_("楼栋"), queryset=Building.objects.none())

    class Meta:
        model = Unit
        fields = ["building", "floor", "number", "area", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["building"]
        else:
            self.fields["building"].queryset = Building.objects.visible_to(user).select_related("project")

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in UNIT_FIELDS if k in self.cleaned_data}
        if "building" in self.cleaned_data:
            data["building_id"] = self.cleaned_data["building"].pk
        return data


class ResidentForm(forms.ModelForm):
    class Meta:
        model = Resident
        fields = ["project", "name", "phone", "email", "contact_preference", "preferred_call_times", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["project"]
            # The full number is shown only on purpose (journaled); editing never prints it.
            self.initial["phone"] = ""
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("留空则不修改")
        else:
            self.fields["project"].queryset = Project.objects.visible_to(user)

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if not phone and self.instance.pk:
            return self.instance.phone
        # The same check the service makes, so the error shows together with the others.
        return normalise_phone(phone)

    def validate_unique(self):
        """Uniqueness is the service's job (it knows the company); it answers on the phone field."""

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in RESIDENT_FIELDS if k in self.cleaned_data}
        if "project" in self.cleaned_data:
            data["project_id"] = self.cleaned_data["project"].pk
        return data


SERVICE_FIELD_MAP = {"project_id": "project", "building_id": "building", "unit_id": "unit"}
