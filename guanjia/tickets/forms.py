"""Forms of the service-request pages. They validate and render; every change is a ``services`` call.

Action forms carry exactly the fields the workflow table asks for (``workflow.TRANSITIONS``), named
as the service names them (``assignee_id``, ``reason`` …), so a service error lands on its field.
"""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanjia.core.roles import Role
from guanjia.estates.models import Building, Project, Unit, unit_order
from guanjia.estates.selectors import units_allowing
from guanjia.staff.models import StaffMember, StaffRole
from guanjia.tickets import assignees, workflow
from guanjia.tickets.choices import Action, Channel, Kind, PhotoStage, Priority, Status
from guanjia.tickets.models import TicketCategory
from guanjia.tickets.timeline import RESIDENT_ACTIONS, ResidentWords
from guanjia.web.widgets import DateInput

MATERIAL_ROWS = 2
CHARGE_ROWS = 2


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; the service checks each one (format, size, EXIF)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


def category_choices(user, *, blank=None) -> list:
    """The company's category tree as a select grouped by the top level (水电 › 漏水 …)."""
    rows = list(
        TicketCategory.objects.visible_to(user)
        .filter(is_active=True)
        .order_by("sort_order", "name")
        .values_list("id", "name", "parent_id")
    )
    tops = [r for r in rows if r[2] is None]
    children: dict[int, list] = {}
    for pk, name, parent_id in rows:
        if parent_id is not None:
            children.setdefault(parent_id, []).append((pk, name))
    choices: list = [("", blank or _("请选择类别"))]
    for pk, name, _parent in tops:
        kids = children.get(pk, [])
        choices.append((name, [(pk, _("%(name)s（全部）") % {"name": name}), *kids]) if kids else (pk, name))
    return choices


def staff_serving(user, project_id):
    """Staff of the request's project the user may choose from, technicians first."""
    is_technician = Exists(StaffRole.objects.filter(staff_id=OuterRef("pk"), role=Role.TECHNICIAN))
    return (
        StaffMember.objects.visible_to(user)
        .filter(projects=project_id)
        .annotate(is_technician=is_technician)
        .order_by("-is_technician", "name", "id")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_department_display()}"


class CategoryField(forms.TypedChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


# Filters of the list -------------------------------------------------------------------------------

ME_CHOICES = [("", _("全部")), ("me", _("我"))]


def building_choices(user, project_id, building_id=None):
    """The buildings the filter offers: those of the chosen project, or of the user's only project.
    Across an HQ user's hundreds of projects there would be thousands, on every list page and in
    one unusable list; they come once a project is chosen. A building given without its project
    (a bookmark) stays choosable."""
    buildings = Building.objects.visible_to(user).order_by("sort_key", "id")
    if project_id and str(project_id).isdigit():
        return buildings.filter(project_id=project_id)
    projects = Project.objects.visible_to(user).values_list("pk", flat=True)[:2]
    if len(projects) == 1:
        return buildings.filter(project_id=projects[0])
    if building_id and str(building_id).isdigit():
        return buildings.filter(pk=building_id)
    return buildings.none()


class TicketFilterForm(forms.Form):
    """The filters above the request list, read from GET (the API's filters, as a form)."""

    search = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("单号、电话或尾号、房号（1-103）或描述"),
            }
        ),
    )
    status = forms.ChoiceField(label=_("状态"), required=False)
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False)
    category = CategoryField(label=_("类别"), required=False)
    priority = forms.ChoiceField(label=_("紧急程度"), required=False)
    assignee = forms.ChoiceField(label=_("处理人"), required=False, choices=ME_CHOICES)
    first_contact = forms.ChoiceField(label=_("首问负责人"), required=False, choices=ME_CHOICES)
    created_from = forms.DateField(label=_("受理日期从"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("受理日期至"), required=False, widget=DateInput())
    # Deadlines (sla): overdue now, or due within the next N minutes.
    overdue = forms.TypedChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("全部")), ("1", _("已超时")), ("0", _("未超时"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    due_within_minutes = forms.IntegerField(
        label=_("即将到期(分钟内)"), required=False, min_value=1, max_value=10080
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["status"].choices = [("", _("全部状态")), ("open", _("未结束")), *Status.choices]
        self.fields["kind"].choices = [("", _("全部类型")), *Kind.choices]
        self.fields["priority"].choices = [("", _("全部")), *Priority.choices]
        self.fields["category"].choices = category_choices(user, blank=_("全部类别"))
        projects = Project.objects.visible_to(user)
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("全部项目")
        # Choosing a project fetches its buildings into the building list (htmx).
        self.fields["project"].widget.attrs.update(
            {
                "hx-get": reverse("ticket_building_options"),
                "hx-target": "#id_building",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["building"].queryset = building_choices(
            user, self.data.get("project"), self.data.get("building")
        )
        self.fields["building"].empty_label = _("全部楼栋")
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )

    def values(self) -> dict:
        """The valid filters only: a stale id in a bookmark just shows everything."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


# Receiving a request at the desk -------------------------------------------------------------------


class OneTimeTokenField(forms.CharField):
    """A hidden one-time token: the form's idempotency key (``services.ticket_create_once``), new
    on every page shown, so the same page sent twice (a double click, a reload) is received once."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=64, widget=forms.HiddenInput, **kwargs)


def fresh_token(form: forms.Form) -> None:
    """Give a sent form shown again a new token: what is sent next is a new submission."""
    form.data = form.data.copy()
    form.data[form.add_prefix("form_token")] = uuid.uuid4().hex


class DeskTicketForm(forms.Form):
    """What the desk records while the caller is on the line. The caller (unit and resident) is
    picked with the autocomplete, which fills the two hidden fields."""

    unit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    resident_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    form_token = OneTimeTokenField()
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.HOME_REPAIR)
    category_id = CategoryField(label=_("类别"), required=False)
    priority = forms.ChoiceField(
        label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    description = forms.CharField(label=_("描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    building_id = forms.ModelChoiceField(
        label=_("公共区域所在楼栋"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("不涉及具体房屋时选择"),
    )
    project_id = forms.ModelChoiceField(
        label=_("项目"), queryset=Project.objects.none(), required=False, help_text=_("不涉及楼栋时选择")
    )
    location = forms.CharField(label=_("位置"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("留空则使用住户登记的电话"),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    dispatch_to = StaffChoiceField(
        label=_("立即派工给"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("暂不派工"),
    )
    subject_staff_id = StaffChoiceField(
        label=_("被投诉员工"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("未指明"),
        help_text=_("投诉针对某位员工时选择，计入其被投诉数"),
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        self.fields["form_token"].initial = uuid.uuid4().hex
        self.fields["category_id"].choices = category_choices(user)
        buildings = Building.objects.visible_to(user).select_related("project")
        self.fields["building_id"].queryset = buildings
        self.fields["building_id"].label_from_instance = lambda b: f"{b.project.name} · {b.name}"
        projects = Project.objects.visible_to(user)
        self.fields["project_id"].queryset = projects
        # The request's department first, on duty and least loaded first (``tickets.assignees``).
        assignees.offer(
            self.fields["dispatch_to"],
            assignees.intake_need(user, data or {}),
            among=StaffMember.objects.visible_to(user).filter(deleted_at__isnull=True),
            blank=_("暂不派工"),
        )
        self.fields["subject_staff_id"].queryset = StaffMember.objects.visible_to(user).order_by("name", "id")

    def clean(self):
        data = super().clean()
        if not (data.get("unit_id") or data.get("building_id") or data.get("project_id")):
            self.add_error("unit_id", _("请先选择来电人的房屋；公共区域报事请选择楼栋或项目"))
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        del data["form_token"]  # the idempotency key, not the request's content
        # The desk sends someone itself: the rules (auto-dispatch) stay out of it.
        data["auto_dispatch"] = data.pop("dispatch_to", None) is None
        for key in ("building_id", "project_id", "subject_staff_id"):
            data[key] = data[key].pk if data.get(key) else None
        return data


# Residents: reporting and booking ------------------------------------------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} {obj.building.name}-{obj.number}"


class PortalReportForm(forms.Form):
    unit = UnitChoiceField(label=_("房屋"), queryset=Unit.objects.none(), empty_label=None)
    category_id = CategoryField(label=_("类别"), required=False)
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("例如：厨房水管漏水，地上都是水")}),
    )
    photos = MultipleImageField(label=_("照片"), help_text=_("可选多张，JPEG/PNG/WebP，每张不超过 10 MB"))
    urgent = forms.BooleanField(label=_("紧急（如漏水、停电、困梯）"), required=False)
    form_token = OneTimeTokenField()

    def __init__(self, data=None, files=None, *, user):
        super().__init__(data, files)
        self.fields["form_token"].initial = uuid.uuid4().hex
        # Only the units the resident may report for (a household member the owner allowed).
        units = units_allowing(user, "report").select_related("project", "building").order_by(*unit_order())
        self.fields["unit"].queryset = units
        self.fields["category_id"].choices = category_choices(user)


class BookServiceForm(forms.Form):
    unit = UnitChoiceField(label=_("房屋"), queryset=Unit.objects.none(), empty_label=None)
    note = forms.CharField(
        label=_("备注"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("希望上门的时间等")}),
    )

    form_token = OneTimeTokenField()  # the page's token, plus the service booked (one form each)

    def __init__(self, data=None, *, user, prefix=None):
        super().__init__(data, prefix=prefix)
        units = units_allowing(user, "report").select_related("project", "building").order_by(*unit_order())
        self.fields["unit"].queryset = units
        self.fields["form_token"].initial = uuid.uuid4().hex


# Actions -------------------------------------------------------------------------------------------

SCORE_CHOICES = [(str(n), str(n)) for n in range(5, 0, -1)]


def _reason():
    return forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput())


def _text(label, max_length=2000, rows=3):
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}))


class ActionForm(forms.Form):
    """One action on one request. Subclasses declare the fields; ``required`` follows the workflow."""

    action = ""
    photo_fields: tuple[str, ...] = ()
    words: ResidentWords | None = None  # set by ``for_resident``

    def __init__(self, data=None, files=None, *, ticket, user, prefix=None, initial=None):
        # Answers chosen by a link (``?action=follow_up&satisfied=1``): only this form's own fields.
        initial = {k: initial.get(k) for k in self.base_fields if initial and k in initial}
        super().__init__(data, files, prefix=prefix, initial=initial)
        self.ticket = ticket
        self.user = user
        required = {f for t in workflow.transitions_for(ticket, self.action) for f in t.required}
        for name, field in self.fields.items():
            if not isinstance(field, forms.FileField) and not name.startswith(("m_", "c_")):
                field.required = name in required
        self.setup()

    def setup(self) -> None:
        pass

    def for_resident(self) -> ActionForm:
        """Word this form for the resident who fills it in the portal (its title, fields, button)."""
        self.words = RESIDENT_ACTIONS.get(self.action)
        if self.words is not None:
            for name, label in self.words.fields.items():
                if name in self.fields:
                    self.fields[name].label = label
        return self

    @property
    def label(self) -> str:
        return str(self.words.label if self.words else Action(self.action).label)

    @property
    def submit_label(self) -> str:
        """The send button: the resident's words, or "确认" and the action's name for staff."""
        if self.words:
            return str(self.words.submit)
        return str(_("确认%(action)s") % {"action": self.label})

    def service_data(self) -> dict:
        data = {}
        for key, value in self.cleaned_data.items():
            if key in self.photo_fields or key.startswith(("m_", "c_")):
                continue
            data[key] = value.pk if hasattr(value, "pk") else value
        return data

    def photos(self) -> list[tuple[str, object]]:
        return [(stage, f) for stage in self.photo_fields for f in self.cleaned_data.get(stage) or []]


class NoteForm(ActionForm):
    action = Action.COMMENT
    note = _text(_("备注"), rows=2)


class _AssignForm(ActionForm):
    assignee_id = StaffChoiceField(label=_("处理人"), queryset=StaffMember.objects.none())

    def setup(self):
        assignees.offer(
            self.fields["assignee_id"],
            assignees.Need.of(self.ticket),
            among=staff_serving(self.user, self.ticket.project_id),
            blank="---------",
        )


class DispatchForm(_AssignForm):
    action = Action.DISPATCH
    root_cause = _text(_("原因分析"))

    def setup(self):
        super().setup()
        if self.ticket.status != Status.REWORK:
            del self.fields["root_cause"]


class ReassignForm(_AssignForm):
    action = Action.REASSIGN
    reason = _reason()


class ReasonForm(ActionForm):
    reason = _reason()

    def __init__(self, *args, action, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)


class HandoverForm(ActionForm):
    action = Action.HANDOVER
    first_contact_id = StaffChoiceField(label=_("新的首问负责人"), queryset=StaffMember.objects.none())
    reason = _reason()

    def setup(self):
        self.fields["first_contact_id"].queryset = staff_serving(self.user, self.ticket.project_id)


class FirstFeedbackForm(ActionForm):
    action = Action.FIRST_FEEDBACK
    feedback = _text(_("答复内容"))


class CompleteForm(ActionForm):
    """The resolution, and optionally materials, charges and before/after photos."""

    action = Action.COMPLETE
    photo_fields = (PhotoStage.BEFORE, PhotoStage.AFTER)
    resolution = _text(_("处理结果"))
    before = MultipleImageField(label=_("维修前照片"))
    after = MultipleImageField(label=_("维修后照片"))

    def setup(self):
        for i in range(MATERIAL_ROWS):
            self.fields[f"m_{i}_name"] = forms.CharField(label=_("材料"), max_length=60, required=False)
            self.fields[f"m_{i}_quantity"] = forms.DecimalField(
                label=_("数量"), required=False, min_value=0, max_digits=10, decimal_places=2
            )
            self.fields[f"m_{i}_unit"] = forms.CharField(label=_("单位"), max_length=10, required=False)
            self.fields[f"m_{i}_cost"] = forms.DecimalField(
                label=_("成本"), required=False, min_value=0, max_digits=10, decimal_places=2
            )
        for i in range(CHARGE_ROWS):
            self.fields[f"c_{i}_description"] = forms.CharField(
                label=_("收费项目"), max_length=100, required=False
            )
            self.fields[f"c_{i}_quantity"] = forms.DecimalField(
                label=_("数量"), required=False, min_value=0, max_digits=10, decimal_places=2
            )
            self.fields[f"c_{i}_unit_price"] = forms.DecimalField(
                label=_("单价"), required=False, min_value=0, max_digits=10, decimal_places=2
            )

    def material_rows(self):
        return [
            [self[f"m_{i}_{k}"] for k in ("name", "quantity", "unit", "cost")] for i in range(MATERIAL_ROWS)
        ]

    def charge_rows(self):
        return [
            [self[f"c_{i}_{k}"] for k in ("description", "quantity", "unit_price")]
            for i in range(CHARGE_ROWS)
        ]

    def _rows(self, prefix: str, count: int, keys: tuple[str, ...], defaults: dict) -> list[dict]:
        rows = []
        for i in range(count):
            row = {k: self.cleaned_data.get(f"{prefix}_{i}_{k}") for k in keys}
            if all(v in (None, "") for v in row.values()):
                continue
            rows.append({k: (defaults.get(k) if v in (None, "") else v) for k, v in row.items()})
        return rows

    def service_data(self) -> dict:
        data = super().service_data()
        data["materials"] = self._rows(
            "m", MATERIAL_ROWS, ("name", "quantity", "unit", "cost"), {"quantity": 1, "cost": 0, "unit": ""}
        )
        data["charges"] = self._rows(
            "c", CHARGE_ROWS, ("description", "quantity", "unit_price"), {"quantity": 1}
        )
        return data

    @staticmethod
    def field_for(key: str) -> str:
        """``materials.0.name`` (a service error) → ``m_0_name`` (the form field)."""
        parts = key.split(".")
        if len(parts) == 3 and parts[0] in ("materials", "charges"):
            return f"{parts[0][0]}_{parts[1]}_{parts[2]}"
        return key


class FollowUpForm(ActionForm):
    action = Action.FOLLOW_UP
    satisfied = forms.TypedChoiceField(
        label=_("业主是否满意"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    score = forms.TypedChoiceField(
        label=_("评分"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("回访记录"), max_length=500, required=False)
    root_cause = _text(_("原因分析（不满意时必填）"))


class RateForm(ActionForm):
    action = Action.RATE
    score = forms.TypedChoiceField(
        label=_("评分"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("评价"), max_length=500, required=False)


class PhotoForm(forms.Form):
    photos = MultipleImageField(label=_("照片"), required=True)
    stage = forms.ChoiceField(label=_("阶段"), choices=PhotoStage.choices, initial=PhotoStage.REPORT)


# Which form each action uses; actions absent here need no input (accept, arrive, resume, close …).
ACTION_FORMS = {
    Action.DISPATCH: DispatchForm,
    Action.REASSIGN: ReassignForm,
    Action.COMPLETE: CompleteForm,
    Action.FOLLOW_UP: FollowUpForm,
    Action.FIRST_FEEDBACK: FirstFeedbackForm,
    Action.HANDOVER: HandoverForm,
    Action.COMMENT: NoteForm,
    Action.RATE: RateForm,
    Action.HOLD: ReasonForm,
    Action.CANCEL: ReasonForm,
    Action.REJECT: ReasonForm,
    Action.ESCALATE: ReasonForm,
    Action.REOPEN: ReasonForm,
}


def action_form(action: str, *, ticket, user, data=None, files=None, initial=None) -> ActionForm:
    form_class = ACTION_FORMS.get(action, ActionForm)
    kwargs = {"ticket": ticket, "user": user, "prefix": action, "initial": initial}
    if form_class in (ReasonForm, ActionForm):
        kwargs["action"] = action
    if form_class is ActionForm:
        return _Plain(data, files, **kwargs)
    return form_class(data, files, **kwargs)


class _Plain(ActionForm):
    def __init__(self, *args, action, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)
