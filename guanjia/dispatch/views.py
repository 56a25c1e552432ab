"""The desk's dispatch pages: the dispatch queue, and the project's dispatch rules.

Every fetch is scoped; every write is a ``services`` call (``tickets.services.ticket_act`` for a
dispatch, ``dispatch.services.dispatch_rule_*`` for rules).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.dispatch import exports, selectors, services
from guanjia.dispatch.forms import SERVICE_FIELD_MAP, RuleForm
from guanjia.dispatch.models import DispatchRule
from guanjia.estates.forms import ListFilterForm
from guanjia.tickets import bulk
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import people_by_project
from guanjia.tickets.views import staff_page
from guanjia.web.helpers import PER_PAGE, console_view, list_page, render_form, save_via_service

# The dispatch queue --------------------------------------------------------------------------------


@staff_page
def queue(request):
    """Received requests nobody has been sent to, urgent and late first, each with its clock (time
    left or how late) and a one-click dispatch."""
    filters, qs = exports.queue_list(request.user, request.GET)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    people = people_by_project(request.user, {t.project_id for t in page.object_list})
    now = timezone.now()
    for ticket in page.object_list:
        ticket.due_state, ticket.due_text = selectors.due_label(ticket.due_at, now)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "rows": [(ticket, people.get(ticket.project_id, [])) for ticket in page.object_list],
        "query": params.urlencode(),
        "fragment": "dispatch/_queue_table.html",
        "filter_form": filters,
        "title": _("派工队列"),
        "resource": "dispatch_queue",
        # The bulk bar: send or cancel every request ticked; the page's people are its choices.
        **bulk.bar_context(("dispatch", "cancel"), people),
    }
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, context["fragment"], context)
    return render(request, "web/list.html", context)


@require_POST
@staff_page
def queue_dispatch(request, pk):
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    try:
        ticket = ticket_services.ticket_act(
            actor=request.user,
            ticket=ticket,
            action=Action.DISPATCH,
            data={"assignee_id": request.POST.get("assignee_id") or None},
        )
    except ValidationError as exc:
        messages.error(request, f"{ticket.number}：{' '.join(exc.messages)}")
    except Conflict as exc:
        messages.error(request, f"{ticket.number}：{exc.message}")
    else:
        messages.success(
            request,
            _("%(number)s 已派给 %(name)s") % {"number": ticket.number, "name": ticket.assignee.name},
        )
    return redirect(reverse("dispatch_queue") + (f"?{request.GET.urlencode()}" if request.GET else ""))


# Rules -------------------------------------------------------------------------------------------


def _can_change(user) -> bool:
    return user_can(user, Perm.CHANGE_ESTATES)


@console_view(Perm.VIEW_ESTATES)
def rule_list(request):
    filters = ListFilterForm(request.GET, user=request.user, fields=("project",))
    qs = DispatchRule.objects.visible_to(request.user).select_related(
        "project", "category__parent", "building", "skill"
    )
    if project := filters.values().get("project"):
        qs = qs.filter(project=project)
    return list_page(
        request,
        queryset=qs.order_by("project__name", "category__sort_order", "priority", "id"),
        fragment="dispatch/_rule_table.html",
        context={
            "filter_form": filters,
            "title": _("派工规则"),
            "resource": "dispatch_rules",
            "create_url": reverse("dispatch_rule_create") if _can_change(request.user) else "",
            "can_change": _can_change(request.user),
        },
    )


@console_view(Perm.CHANGE_ESTATES)
def rule_create(request):
    form = RuleForm(request.POST or None, user=request.user)
    return _rule_form_page(
        request,
        form,
        save=lambda data: services.dispatch_rule_create(actor=request.user, data=form.service_data()),
        title=_("新建派工规则"),
        saved=_("派工规则已保存"),
    )


@console_view(Perm.CHANGE_ESTATES)
def rule_edit(request, pk):
    rule = visible_or_404(DispatchRule.objects.select_related("category"), pk, request.user)
    form = RuleForm(request.POST or None, user=request.user, rule=rule)
    return _rule_form_page(
        request,
        form,
        save=lambda data: services.dispatch_rule_update(
            actor=request.user, dispatch_rule=rule, data=form.service_data()
        ),
        title=_("修改派工规则"),
        saved=_("派工规则已保存"),
    )


def _rule_form_page(request, form, *, save, title, saved):
    if (
        request.method == "POST"
        and save_via_service(request, form, save, field_map=SERVICE_FIELD_MAP) is not None
    ):
        messages.success(request, saved)
        return redirect("dispatch_rule_list")
    return render_form(request, form, title=title, cancel_url=reverse("dispatch_rule_list"))


@require_POST
@console_view(Perm.CHANGE_ESTATES)
def rule_deactivate(request, pk):
    rule = visible_or_404(DispatchRule.objects, pk, request.user)
    services.dispatch_rule_update(actor=request.user, dispatch_rule=rule, data={"is_active": False})
    messages.success(request, _("派工规则已停用"))
    return redirect("dispatch_rule_list")
