"""The web pages of service requests: the desk console, the request page with its action forms,
the technician's "my work", and the resident portal.

Views are thin: every fetch is ``tickets_for`` / ``.visible_to(request.user)``; every change is
``services.ticket_create`` / ``ticket_act`` / ``ticket_add_photo``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates import selectors as estate_selectors
from guanjia.estates.models import Occupancy, Resident, Unit, unit_order
from guanjia.tickets import bulk, clocks, contact, exports, selectors, services, workflow
from guanjia.tickets import forms as tf
from guanjia.tickets.choices import Action, Kind, PhotoStage, Priority
from guanjia.tickets.models import PaidService, TicketEvent
from guanjia.tickets.timeline import RESIDENT_ACTIONS
from guanjia.web.helpers import add_service_errors, console_view, list_page, style_form

# Actions a resident takes in the portal; staff take every other one in the console.
PORTAL_ACTIONS = (Action.RATE, Action.REOPEN, Action.CANCEL, Action.COMMENT)
# Actions shown as one button (no input needed).
BUTTON_ACTIONS = frozenset(set(workflow.ACTIONS) - set(tf.ACTION_FORMS))
# Actions that cannot be taken back: the page asks before sending them.
CONFIRM_FIRST = {
    Action.CONFIRM_CHARGES: gettext_lazy("确认后收费明细锁定，不能再修改或添加。确认收费？"),
    Action.CLOSE: gettext_lazy("关闭后工单结束，不能再处理。确认关闭？"),
    Action.CANCEL: gettext_lazy("取消后工单结束，不能恢复。确认取消此工单？"),
}
AUTOCOMPLETE_LIMIT = 8


def staff_page(view):
    """Console pages: staff only (residents are sent to their portal)."""

    checked = console_view(Perm.VIEW_ESTATES)(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if scope_for(request.user).is_resident:
            if "pk" in kwargs:
                return redirect("portal_ticket_detail", pk=kwargs["pk"])
            return redirect("portal_home")
        return checked(request, *args, **kwargs)

    return login_required(wrapper)


def resident_page(view):
    """Portal pages: residents only (staff are sent to the console)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            if "pk" in kwargs:
                return redirect("ticket_detail", pk=kwargs["pk"])
            return redirect("ticket_list")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# The desk console ----------------------------------------------------------------------------------


@staff_page
def ticket_list(request):
    filters, qs = exports.console_list(request.user, request.GET)
    return list_page(
        request,
        queryset=qs,
        fragment="tickets/_ticket_table.html",
        template="tickets/ticket_list.html",
        context={"filter_form": filters, "title": _("报事工单"), "resource": "tickets"},
        page_context=bulk.page_context(request.user),
    )


@require_POST
@staff_page
def ticket_bulk(request):
    """The bulk bar of the request list and the dispatch queue: one action on every request ticked,
    answered with a line per request (done, skipped, refused and why). Back to the list it came from."""
    back = _next_url(request, reverse("ticket_list"))
    try:
        result = bulk.tickets_bulk_act(
            actor=request.user,
            action=request.POST.get("action", ""),
            ids=request.POST.getlist("ids"),
            assignee_id=request.POST.get("assignee_id") or None,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(back)
    return render(
        request, "web/bulk_result.html", {"result": result, "back_url": back, "title": _("批量操作结果")}
    )


@staff_page
def ticket_create(request):
    """The desk receives a call: find the caller, record the request, optionally dispatch it now."""
    form = tf.DeskTicketForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                ticket, created = _receive_once(request, form, form.service_data())
                if created and (technician := form.cleaned_data.get("dispatch_to")):
                    services.ticket_act(
                        actor=request.user,
                        ticket=ticket,
                        action=Action.DISPATCH,
                        data={"assignee_id": technician.pk},
                    )
        except ValidationError as exc:
            add_service_errors(form, exc, {"assignee_id": "dispatch_to"})
        except Conflict as exc:
            form.add_error(None, exc.message)
            tf.fresh_token(form)
        else:
            if created:
                messages.success(request, _received_words(ticket))
            return redirect("ticket_detail", pk=ticket.pk)
    style_form(form)
    caller = (
        _caller(request.user, form.data.get("unit_id"), form.data.get("resident_id"))
        if form.is_bound
        else None
    )
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "tickets/ticket_create.html",
        {"form": form, "caller": caller, "title": _("受理报事")},
        status=status,
    )


def _receive_once(request, form, data: dict):
    """Receive the request of an intake form once per page shown (its one-time token): sent twice,
    the second answers with the first request and says so. ``(ticket, created)``."""
    token = form.cleaned_data.get("form_token")
    if not token:  # a form from before tokens, or a client that dropped it
        return services.ticket_create(actor=request.user, data=data), True
    ticket, created = services.ticket_create_once(actor=request.user, key=token, data=data)
    if not created:
        messages.info(request, _("此表单已提交过，%(number)s 已受理，未重复创建") % {"number": ticket.number})
    return ticket, created


def _received_words(ticket) -> str:
    """What the desk reads back to the caller: the number, and the time the company promises."""
    promise = clocks.promise_for(ticket)
    if promise is None:
        return _("已受理 %(number)s") % {"number": ticket.number}
    return _("已受理 %(number)s，承诺 %(time)s 前%(what)s") % {
        "number": ticket.number,
        "time": timezone.localtime(promise.due_at).strftime("%m-%d %H:%M"),
        "what": promise.label,
    }


def _caller(user, unit_id, resident_id) -> dict | None:
    unit = resident = None
    if unit_id and str(unit_id).isdigit():
        unit = Unit.objects.visible_to(user).select_related("building", "project").filter(pk=unit_id).first()
    if resident_id and str(resident_id).isdigit():
        resident = Resident.objects.visible_to(user).filter(pk=resident_id).first()
    if unit is None and resident is None:
        return None
    return {"unit": unit, "resident": resident}


@staff_page
def caller_search(request):
    """htmx: residents and units matching a phone number, a name or a unit number, with where
    they live now — the desk picks one and the form gets its unit and resident."""
    text = (request.GET.get("q") or "").strip()[:40]
    matches: list[dict] = []
    if len(text) >= 2:
        current = (
            Occupancy.objects.visible_to(request.user).current().select_related("unit__building", "project")
        )
        residents = (
            Resident.objects.visible_to(request.user)
            .filter(estate_selectors.resident_search(text))
            .prefetch_related(Prefetch("occupancies", queryset=current, to_attr="current"))
            .order_by("name", "id")[:AUTOCOMPLETE_LIMIT]
        )
        seen = set()
        for resident in residents:
            for occ in resident.current or [None]:
                key = (occ.unit_id if occ else None, resident.pk)
                if key not in seen:
                    seen.add(key)
                    matches.append({"unit": occ.unit if occ else None, "resident": resident})
        units = (
            Unit.objects.visible_to(request.user)
            .filter(estate_selectors.unit_search(text))
            .select_related("building", "project")
            .prefetch_related(
                Prefetch("occupancies", queryset=current.select_related("resident"), to_attr="current")
            )
            .order_by(*unit_order())[:AUTOCOMPLETE_LIMIT]
        )
        for unit in units:
            for occ in unit.current or [None]:
                key = (unit.pk, occ.resident_id if occ else None)
                if key not in seen:
                    seen.add(key)
                    matches.append({"unit": unit, "resident": occ.resident if occ else None})
    return render(
        request, "tickets/_caller_results.html", {"matches": matches[: AUTOCOMPLETE_LIMIT * 2], "q": text}
    )


@staff_page
def building_options(request):
    """htmx: the building list of the request filter, for the project just chosen."""
    buildings = tf.building_choices(request.user, request.GET.get("project"))
    return render(request, "tickets/_building_options.html", {"buildings": buildings})


@staff_page
def caller_pick(request):
    """htmx: the chosen caller, as hidden fields of the form and a line the desk can read back."""
    caller = _caller(request.user, request.GET.get("unit"), request.GET.get("resident"))
    if caller is None:
        raise Http404
    return render(request, "tickets/_caller_picked.html", {"caller": caller, "refresh_assignees": True})


@staff_page
def assignee_options(request):
    """htmx: the intake form's "dispatch to" list for the request as filled in so far — its
    department's people first, on duty and least loaded first, each with those facts."""
    form = tf.DeskTicketForm(request.GET, user=request.user)
    return render(request, "tickets/_field.html", {"field": style_form(form)["dispatch_to"]})


def _ticket_for_page(request, pk):
    return visible_or_404(
        selectors.tickets_for(request.user).select_related(
            "reporter_resident", "follow_up_by", "paid_service"
        ),
        pk,
        request.user,
    )


def _page_context(request, ticket, *, bound=None) -> dict:
    """What the request page shows: facts, timeline, photos, lines, and one form per allowed action."""
    scope = scope_for(request.user)
    allowed = workflow.allowed_actions(ticket, scope)
    events = list(TicketEvent.objects.visible_to(request.user).filter(ticket=ticket).order_by("time", "id"))
    for event in events:
        who = (event.data or {}).get("assignee")
        event.assignee_text = " → ".join(p for p in who if p) if isinstance(who, list) else (who or "")
    photos = list(ticket.photos.visible_to(request.user).order_by("created_at", "id"))
    forms, buttons = [], []
    for action in allowed:
        if scope.is_resident and action not in PORTAL_ACTIONS:
            continue
        words = RESIDENT_ACTIONS.get(action) if scope.is_resident else None
        if action in BUTTON_ACTIONS:
            buttons.append(
                {
                    "action": action,
                    "label": words.label if words else Action(action).label,
                    "confirm": (words and words.confirm) or CONFIRM_FIRST.get(action, ""),
                }
            )
            continue
        if bound is not None and bound.action == action:
            form = bound
        else:
            # A link that opens this action's form may choose its answers (the follow-up list's
            # 满意 / 不满意): they are kept, never sent until the person confirms.
            linked = request.GET if request.GET.get("action") == action else None
            form = tf.action_form(action, ticket=ticket, user=request.user, initial=linked)
            if scope.is_resident:
                form.for_resident()
        form.confirm = (words and words.confirm) or CONFIRM_FIRST.get(action, "")
        forms.append(style_form(form))
    stages = [
        (_("受理"), ticket.received_at),
        (_("派工"), ticket.dispatched_at),
        (_("接单"), ticket.accepted_at),
        (_("到场"), ticket.arrived_at),
        (_("完工"), ticket.completed_at),
        (_("首次答复"), ticket.first_feedback_at),
        (_("回访"), ticket.followed_up_at),
        (_("关闭"), ticket.closed_at),
        (_("取消"), ticket.cancelled_at),
    ]
    relations = workflow.relations(ticket, scope)
    deadlines = clocks.deadlines_for(ticket)
    can_reveal_phone = contact.may_reveal_phone(ticket, scope)
    can_upload = ticket.is_open and bool(relations & (workflow.WORKERS | {workflow.REPORTER}))
    photo_form = style_form(
        tf.PhotoForm(initial={"stage": PhotoStage.REPORT if scope.is_resident else PhotoStage.OTHER})
    )
    return {
        "ticket": ticket,
        "events": events,
        "photos": photos,
        "charges": list(ticket.charges.visible_to(request.user)),
        "materials": list(ticket.materials.visible_to(request.user)) if not scope.is_resident else [],
        "action_forms": forms,
        "action_buttons": buttons,
        "open_action": bound.action if bound is not None else request.GET.get("action", ""),
        "stages": [(label, when) for label, when in stages if when],
        "can_upload": can_upload,
        "photo_form": photo_form,
        "plain_words": services.PLAIN_WORDS,
        "is_portal": scope.is_resident,
        "can_reveal_phone": can_reveal_phone,
        # Each stage's stored deadline (sla), for staff; the next one promised, for everyone.
        "deadlines": [] if scope.is_resident else deadlines,
        "promise": clocks.promise_from(deadlines) if ticket.is_open else None,
    }


@staff_page
def ticket_detail(request, pk):
    ticket = _ticket_for_page(request, pk)
    return render(request, "tickets/ticket_detail.html", _page_context(request, ticket))


@require_POST
@staff_page
def ticket_reveal_phone(request, pk):
    """htmx: the caller's full number as a tap-to-call link, in place of the masked one; the
    look is journaled by the service."""
    ticket = _ticket_for_page(request, pk)
    phone = services.ticket_reveal_phone(actor=request.user, ticket=ticket)
    return render(request, "tickets/_contact_phone_revealed.html", {"ticket": ticket, "phone": phone})


@staff_page
def ticket_print(request, pk):
    """The work order (派工单) as the technician takes it on paper: the request, where and whom to
    ring, the deadlines, materials used (blank lines to fill in on site) and the signatures."""
    ticket = _ticket_for_page(request, pk)
    materials = list(ticket.materials.visible_to(request.user))
    return render(
        request,
        "tickets/ticket_print.html",
        {
            "ticket": ticket,
            "materials": materials,
            "blank_rows": range(max(0, 5 - len(materials))),
            "deadlines": clocks.deadlines_for(ticket),
            "printed_at": timezone.now(),
            "title": _("派工单"),
        },
    )


def _act(request, pk, action: str, *, template: str, detail: str):
    """Perform one action from its form: success → back to the page; the service's refusal →
    the page again with the error on the field (422), the conflict (409) or 403."""
    ticket = _ticket_for_page(request, pk)
    if action not in workflow.ACTIONS:
        raise Http404
    form = tf.action_form(action, ticket=ticket, user=request.user, data=request.POST, files=request.FILES)
    words = RESIDENT_ACTIONS.get(action) if scope_for(request.user).is_resident else None
    if words:
        form.for_resident()
    status = 422
    if form.is_valid():
        try:
            with transaction.atomic():
                services.ticket_act(
                    actor=request.user,
                    ticket=ticket,
                    action=action,
                    data=form.service_data(),
                    # The version the page showed: a refusal after a change is a 409 "refresh".
                    expected_version=request.POST.get("expected_version") or None,
                )
                for stage, upload in form.photos():
                    services.ticket_add_photo(actor=request.user, ticket=ticket, upload=upload, stage=stage)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError({_field(form, key): errors for key, errors in exc.error_dict.items()})
            add_service_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            done = words.done if words else _("已%(action)s") % {"action": Action(action).label}
            messages.success(request, str(done))
            return redirect(_next_url(request, reverse(detail, args=[ticket.pk])))
    ticket = _ticket_for_page(request, pk)
    context = _page_context(request, ticket, bound=form if status == 422 else None)
    return render(request, template, context, status=status)


def _field(form, key: str) -> str:
    if key == "file":  # a photo the image checks refused
        return tf.PhotoStage.AFTER if "after" in form.fields else "photos"
    return tf.CompleteForm.field_for(key)


@require_POST
@staff_page
def ticket_act(request, pk, action):
    return _act(request, pk, action, template="tickets/ticket_detail.html", detail="ticket_detail")


def _add_photos(request, pk, *, detail: str, template: str):
    ticket = _ticket_for_page(request, pk)
    form = tf.PhotoForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        try:
            with transaction.atomic():
                for upload in form.cleaned_data["photos"]:
                    services.ticket_add_photo(
                        actor=request.user, ticket=ticket, upload=upload, stage=form.cleaned_data["stage"]
                    )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except Conflict as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            messages.success(request, _("照片已上传"))
            return redirect(detail, pk=ticket.pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return render(request, template, _page_context(request, ticket), status=status)


@require_POST
@staff_page
def ticket_photos(request, pk):
    return _add_photos(request, pk, detail="ticket_detail", template="tickets/ticket_detail.html")


@staff_page
def my_work(request):
    """The technician's open requests, soonest first: urgent first, then the oldest received."""
    staff_id = scope_for(request.user).staff_id or -1
    qs = (
        selectors.tickets_for(request.user)
        .open()
        .filter(assignee_id=staff_id)
        .annotate(
            urgency=Case(
                When(priority=Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("urgency", "received_at", "id")
    )
    tickets = list(qs[:200])
    scope = scope_for(request.user)
    for ticket in tickets:
        ticket.allowed = workflow.allowed_actions(ticket, scope)
    first_contact = selectors.tickets_for(request.user).open().filter(first_contact_id=staff_id).count()
    return render(
        request,
        "tickets/my_work.html",
        {"tickets": tickets, "first_contact_count": first_contact, "title": _("我的工单")},
    )


# The resident portal -------------------------------------------------------------------------------


@resident_page
def portal_home(request):
    tickets = selectors.tickets_for(request.user).order_by("-received_at", "-id")[:100]
    return render(request, "tickets/portal_home.html", {"tickets": tickets})


@resident_page
def portal_report(request):
    form = tf.PortalReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket, created = _receive_once(
                    request,
                    form,
                    {
                        "kind": Kind.HOME_REPAIR,
                        "unit_id": data["unit"].pk,
                        "category_id": data.get("category_id"),
                        "description": data["description"],
                        "priority": Priority.URGENT if data.get("urgent") else Priority.NORMAL,
                    },
                )
                for upload in (data.get("photos") or []) if created else []:
                    services.ticket_add_photo(
                        actor=request.user, ticket=ticket, upload=upload, stage=PhotoStage.REPORT
                    )
        except ValidationError as exc:
            add_service_errors(form, exc, {"unit_id": "unit", "file": "photos"})
        except Conflict as exc:
            form.add_error(None, exc.message)
            tf.fresh_token(form)
        else:
            if created:
                messages.success(
                    request, _("已提交，单号 %(number)s。我们会尽快安排。") % {"number": ticket.number}
                )
            return redirect("portal_ticket_detail", pk=ticket.pk)
    style_form(form)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "tickets/portal_report.html", {"form": form}, status=status)


@resident_page
def portal_ticket_detail(request, pk):
    ticket = _ticket_for_page(request, pk)
    return render(request, "tickets/portal_ticket.html", _page_context(request, ticket))


@require_POST
@resident_page
def portal_act(request, pk, action):
    if action not in PORTAL_ACTIONS:
        raise Http404
    return _act(request, pk, action, template="tickets/portal_ticket.html", detail="portal_ticket_detail")


@require_POST
@resident_page
def portal_photos(request, pk):
    return _add_photos(request, pk, detail="portal_ticket_detail", template="tickets/portal_ticket.html")


@resident_page
def portal_services(request):
    """The paid-services catalogue; booking one becomes a request for one of the resident's units."""
    services_list = list(PaidService.objects.visible_to(request.user).filter(is_active=True).order_by("name"))
    booked = None
    if request.method == "POST":
        chosen = next((s for s in services_list if str(s.pk) == request.POST.get("service")), None)
        if chosen is None:
            raise Http404
        form = tf.BookServiceForm(request.POST, user=request.user)
        if form.is_valid():
            note = form.cleaned_data.get("note") or ""
            try:
                ticket, created = _receive_once(
                    request,
                    form,
                    {
                        "kind": Kind.HOME_REPAIR,
                        "unit_id": form.cleaned_data["unit"].pk,
                        "paid_service_id": chosen.pk,
                        "description": _("预约有偿服务：%(name)s") % {"name": chosen.name}
                        + (f"。{note}" if note else ""),
                    },
                )
            except (ValidationError, Conflict) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [getattr(exc, "message", "")])))
            else:
                if created:
                    messages.success(
                        request,
                        _("已预约 %(name)s，单号 %(number)s")
                        % {"name": chosen.name, "number": ticket.number},
                    )
                return redirect("portal_ticket_detail", pk=ticket.pk)
        booked = chosen
    form = style_form(tf.BookServiceForm(user=request.user))
    return render(
        request,
        "tickets/portal_services.html",
        {
            "services": services_list,
            "form": form,
            "units": list(form.fields["unit"].queryset),
            "booked": booked,
        },
        status=422 if booked else 200,
    )
