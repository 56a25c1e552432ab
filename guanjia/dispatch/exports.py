"""The dispatch queue as the desk sees it, and its export (the request list's columns, plus the
deadline): ``queue_list`` is the one function behind the page and the file."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.dispatch import selectors
from guanjia.dispatch.api import QueueFilter
from guanjia.estates.forms import ListFilterForm
from guanjia.tickets.exports import TICKET_COLUMNS
from guanjia.tickets.models import Ticket


def queue_list(user, params) -> tuple[ListFilterForm, object]:
    """(the filter form, the queue it shows, most pressing first)."""
    form = ListFilterForm(params, user=user, fields=("project",))
    qs = selectors.dispatch_queue(user)
    if project := form.values().get("project"):
        qs = qs.filter(project=project)
    return form, qs


def _due(t) -> str:
    return timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M") if t.due_at else ""


def register() -> None:
    """Called from ``DispatchConfig.ready``."""
    register_export(
        ExportSpec(
            "dispatch_queue",
            gettext_lazy("派工队列"),
            Ticket,
            QueueFilter,
            Perm.VIEW_ESTATES,
            [*TICKET_COLUMNS, (gettext_lazy("时限截止"), _due)],
            queryset=lambda actor, filters: filters.filter(selectors.dispatch_queue(actor)),
            page_queryset=lambda actor, params: queue_list(actor, params)[1],
        )
    )
