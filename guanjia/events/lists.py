"""The console's event list and its export: ``event_list`` is the one function behind the page
(/events/) and the .xlsx file (``/data/export/events.xlsx``), so the file holds exactly what the
filter shows — each event with its figures."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.api import FilterSchema, RefId
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.estates.models import Project
from guanjia.events import selectors
from guanjia.events.choices import CommunityEventKind, CommunityEventStatus
from guanjia.events.escalation import late_events
from guanjia.events.models import Event


class CommunityEventFilter(FilterSchema):
    project_id: RefId | None = None
    status: CommunityEventStatus | None = None
    kind: CommunityEventKind | None = None


class EventFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=[("", gettext_lazy("全部")), *CommunityEventKind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *CommunityEventStatus.choices],
        required=False,
    )
    todo = forms.ChoiceField(
        label=gettext_lazy("范围"),
        choices=[
            ("", gettext_lazy("全部")),
            ("mine", gettext_lazy("我组织的")),
            ("late", gettext_lazy("待确认举办或总结")),
        ],
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


def events(user):
    return selectors.with_figures(Event.objects.visible_to(user).select_related("project", "organiser"))


def event_list(user, params) -> tuple[EventFilterForm, object]:
    form = EventFilterForm(params or None, user=user)
    qs = events(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(places__project=data["project"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["todo"] in ("mine", "late"):
            qs = qs.filter(organiser_id=scope_for(user).staff_id or 0)
        if data["todo"] == "late":
            qs = late_events(qs)
    return form, qs.order_by("-starts_at", "-id")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


COLUMNS = [
    (gettext_lazy("活动名称"), lambda e: e.title),
    (gettext_lazy("类型"), lambda e: e.get_kind_display()),
    (gettext_lazy("项目"), lambda e: e.project.name),
    (gettext_lazy("开始时间"), lambda e: _when(e.starts_at)),
    (gettext_lazy("地点"), lambda e: e.place),
    (gettext_lazy("组织人"), lambda e: e.organiser.name),
    (gettext_lazy("状态"), lambda e: e.get_status_display()),
    (gettext_lazy("名额"), lambda e: e.capacity),
    (gettext_lazy("报名户数"), lambda e: e.signed_households),
    (gettext_lazy("报名人数"), lambda e: e.signed_people),
    (gettext_lazy("候补户数"), lambda e: e.waiting),
    (gettext_lazy("到场人数"), lambda e: e.attended),
    (gettext_lazy("平均评分"), selectors.rating_display),
    (gettext_lazy("评价户数"), lambda e: e.rating_count),
    (gettext_lazy("预算"), lambda e: e.budget),
    (gettext_lazy("实际费用"), lambda e: e.actual_cost if e.actual_cost is not None else ""),
    (gettext_lazy("人均费用"), lambda e: selectors.cost_per_attendee(e) or ""),
]


def register() -> None:
    register_export(
        ExportSpec(
            "events",
            gettext_lazy("社区活动"),
            Event,
            CommunityEventFilter,
            Perm.VIEW_EVENTS,
            COLUMNS,
            queryset=lambda actor, filters: filters.filter(events(actor)).order_by("-starts_at", "-id"),
            page_queryset=lambda actor, params: event_list(actor, params)[1],
        )
    )
