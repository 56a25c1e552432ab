"""The request list as the console shows it, and its export (.xlsx / .csv through ``dataio``).

``console_list`` is the one function behind the list page (/tickets/) and its export: the file
holds exactly the requests the filter shows, every page of them. Contact phone numbers are masked.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.tickets import forms as tf
from guanjia.tickets.api import TicketFilter, filtered_tickets
from guanjia.tickets.models import Ticket


def filter_from_form(form: tf.TicketFilterForm) -> TicketFilter:
    """The list page's filter form as the API's ``TicketFilter`` (one meaning of every filter)."""
    values = form.values()
    status = values.get("status")
    category = values.get("category")
    return TicketFilter(
        project_id=values["project"].pk if values.get("project") else None,
        building_id=values["building"].pk if values.get("building") else None,
        status=[status] if status and status != "open" else None,
        open=True if status == "open" else None,
        kind=[values["kind"]] if values.get("kind") else None,
        category_id=getattr(category, "pk", category) or None,
        priority=values.get("priority") or None,
        assignee=values.get("assignee") or None,
        first_contact=values.get("first_contact") or None,
        created_from=values.get("created_from"),
        created_to=values.get("created_to"),
        search=values.get("search") or None,
        overdue=values.get("overdue"),
        due_within_minutes=values.get("due_within_minutes"),
    )


def console_list(user, params) -> tuple[tf.TicketFilterForm, object]:
    """(the filter form, the requests it shows, newest first) for the console's request list."""
    form = tf.TicketFilterForm(params, user=user)
    return form, ordered(filtered_tickets(user, filter_from_form(form)))


def ordered(queryset):
    return queryset.order_by("-received_at", "-id")


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _place(t: Ticket) -> str:
    if t.unit_id:
        return f"{t.unit.building.name}-{t.unit.number}"
    return " ".join(p for p in (t.building.name if t.building_id else "", t.location) if p)


# The columns of a request row in a file; the dispatch queue's export uses them too. They read only
# what ``selectors.tickets_for`` fetches with the page (prefetched, so a file costs a few queries).
TICKET_COLUMNS = [
    (gettext_lazy("单号"), lambda t: t.number),
    (gettext_lazy("类型"), lambda t: t.get_kind_display()),
    (gettext_lazy("状态"), lambda t: t.get_status_display()),
    (gettext_lazy("紧急程度"), lambda t: t.get_priority_display()),
    (gettext_lazy("已超时"), lambda t: gettext("是") if getattr(t, "is_overdue", False) else ""),
    (gettext_lazy("项目"), lambda t: t.project.name),
    (gettext_lazy("位置"), _place),
    (gettext_lazy("类别"), lambda t: t.category.name if t.category_id else ""),
    (gettext_lazy("描述"), lambda t: t.description),
    (gettext_lazy("联系人"), lambda t: t.contact_name),
    (gettext_lazy("联系电话"), lambda t: mask_phone(t.contact_phone)),
    (gettext_lazy("首问负责人"), lambda t: t.first_contact.name if t.first_contact_id else ""),
    (gettext_lazy("处理人"), lambda t: t.assignee.name if t.assignee_id else ""),
    (gettext_lazy("受理时间"), lambda t: _time(t.received_at)),
    (gettext_lazy("派工时间"), lambda t: _time(t.dispatched_at)),
    (gettext_lazy("完工时间"), lambda t: _time(t.completed_at)),
    (gettext_lazy("关闭时间"), lambda t: _time(t.closed_at)),
]


def register() -> None:
    """Called from ``TicketsConfig.ready``."""
    register_export(
        ExportSpec(
            "tickets",
            gettext_lazy("报事工单"),
            Ticket,
            TicketFilter,
            Perm.VIEW_ESTATES,
            TICKET_COLUMNS,
            queryset=lambda actor, filters: ordered(filtered_tickets(actor, filters)),
            page_queryset=lambda actor, params: console_list(actor, params)[1],
        )
    )
