"""Event pages: the console's list (figures, .xlsx), plan form, an event's page (actions, sign-ups, the
waiting list, walk-ins, the organiser's summary), the door's phone page (scan or type a token), and the
resident portal's events (sign up, the household's QR, cancel, rate). Thin: selectors read, services
write."""

from __future__ import annotations

from functools import wraps

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.events import lists, selectors, services
from guanjia.events.choices import DOOR_STATES, CommunityEventStatus, SignupStatus
from guanjia.events.escalation import late_events
from guanjia.events.forms import (
    CancelForm,
    CheckInForm,
    EvaluateForm,
    EventForm,
    RatingForm,
    SignupForm,
    WalkInForm,
)
from guanjia.events.models import Event, EventRating, EventSignup
from guanjia.web.helpers import add_service_errors, console_view, list_page, style_form


def _refusal(request, exc) -> None:
    if isinstance(exc, ValidationError):
        for errors in exc.message_dict.values():
            messages.error(request, "；".join(errors))
    else:
        messages.error(request, exc.message)


# The console ------------------------------------------------------------------------------------


@console_view(Perm.VIEW_EVENTS)
def event_list(request):
    form, qs = lists.event_list(request.user, request.GET)
    style_form(form)
    create_url = reverse("events:create") if user_can(request.user, Perm.MANAGE_EVENTS) else ""
    staff_id = scope_for(request.user).staff_id
    late = late_events(Event.objects.visible_to(request.user)).filter(organiser_id=staff_id or 0).count()
    return list_page(
        request,
        queryset=qs,
        fragment="events/_rows.html",
        template="events/list.html",
        context={
            "filter_form": form,
            "title": _("社区活动"),
            "resource": "events",
            "create_url": create_url,
            "late_count": late,
        },
    )


def _times(event) -> dict:
    tz = timezone.get_current_timezone()
    return {
        f: getattr(event, f).astimezone(tz)
        for f in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at")
    }


def _form_page(request, form, *, title, cancel_url, save):
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                event = save(form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("活动已保存"))
                return redirect("events:detail", pk=event.pk)
        status = 422
    style_form(form)
    return render(
        request, "events/form.html", {"form": form, "title": title, "cancel_url": cancel_url}, status=status
    )


@console_view(Perm.MANAGE_EVENTS)
def event_create(request):
    scope = scope_for(request.user)
    initial = {"organiser_id": str(scope.staff_id or ""), "max_per_household": 2, "budget": 0}
    if not scope.is_hq and len(scope.project_ids) == 1:
        initial["project_id"] = str(next(iter(scope.project_ids)))
    form = EventForm(request.POST or None, user=request.user, initial=initial)
    return _form_page(
        request,
        form,
        title=_("策划活动"),
        cancel_url=reverse("events:list"),
        save=lambda data: services.event_create(actor=request.user, data=data),
    )


@console_view(Perm.MANAGE_EVENTS)
def event_edit(request, pk):
    event = visible_or_404(Event.objects.all(), pk, request.user)
    published = event.status != CommunityEventStatus.DRAFT
    initial = {
        "title": event.title,
        "kind": event.kind,
        "services": event.services,
        "project_id": str(event.project_id),
        "other_project_ids": [
            str(p)
            for p in event.places.exclude(project_id=event.project_id).values_list("project_id", flat=True)
        ],
        "place": event.place,
        "capacity": event.capacity,
        "max_per_household": event.max_per_household,
        "budget": event.budget,
        "organiser_id": str(event.organiser_id),
        "description": event.description,
        **_times(event),
    }
    form = EventForm(request.POST or None, user=request.user, initial=initial, published=published)
    return _form_page(
        request,
        form,
        title=_("修改活动"),
        cancel_url=reverse("events:detail", args=[event.pk]),
        save=lambda data: services.event_update(actor=request.user, event=event, data=data),
    )


@console_view(Perm.VIEW_EVENTS)
def event_detail(request, pk):
    event = visible_or_404(Event.objects.select_related("project", "organiser"), pk, request.user)
    perms = scope_for(request.user).permissions
    manage = Perm.MANAGE_EVENTS in perms
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "title": event.title,
            "places": list(event.places.select_related("project", "notice")),
            "figures": selectors.figures(event),
            "signups": selectors.signups(event),
            "ratings": list(EventRating.objects.filter(event=event).select_related("unit__building")[:50]),
            "late": late_events(Event.objects.filter(pk=event.pk)).exists(),
            "may_edit": manage
            and event.status
            in (CommunityEventStatus.DRAFT, CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED),
            "may_publish": manage and event.status == CommunityEventStatus.DRAFT,
            "may_close": manage and event.status == CommunityEventStatus.PUBLISHED,
            "may_held": manage
            and event.status in (CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED),
            "may_evaluate": manage and event.status == CommunityEventStatus.HELD,
            "may_cancel": manage
            and event.status
            in (CommunityEventStatus.DRAFT, CommunityEventStatus.PUBLISHED, CommunityEventStatus.CLOSED),
            "may_door": Perm.CHECK_IN_EVENTS in perms and event.status in DOOR_STATES,
            "cancel_form": style_form(CancelForm()),
            "evaluate_form": style_form(EvaluateForm()),
            "walk_in_form": style_form(WalkInForm()),
        },
    )


_ACTIONS = {
    "publish": lambda request, event: services.event_publish(actor=request.user, event=event),
    "close": lambda request, event: services.event_close(actor=request.user, event=event),
    "held": lambda request, event: services.event_held(actor=request.user, event=event),
    "cancel": lambda request, event: services.event_cancel(
        actor=request.user, event=event, reason=request.POST.get("reason", "")
    ),
    "evaluate": lambda request, event: services.event_evaluate(
        actor=request.user,
        event=event,
        summary=request.POST.get("summary", ""),
        actual_cost=request.POST.get("actual_cost", ""),
    ),
    "walk-in": lambda request, event: services.walk_in_add(
        actor=request.user, event=event, people=request.POST.get("people"), name=request.POST.get("name", "")
    ),
}


@require_POST
@console_view(Perm.VIEW_EVENTS)
def event_act(request, pk, action):
    event = visible_or_404(Event.objects.all(), pk, request.user)
    if action not in _ACTIONS:
        raise Http404
    try:
        _ACTIONS[action](request, event)
    except (ValidationError, Conflict, NotAllowed) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已完成"))
    return redirect("events:detail", pk=event.pk)


@require_POST
@console_view(Perm.MANAGE_EVENTS)
def signup_cancel(request, pk):
    signup = visible_or_404(EventSignup.objects.all(), pk, request.user)
    try:
        services.signup_cancel(actor=request.user, signup=signup)
    except (ValidationError, Conflict, NotAllowed) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("报名已取消"))
    return redirect("events:detail", pk=signup.event_id)


# At the door (phone) ------------------------------------------------------------------------------


@console_view(Perm.CHECK_IN_EVENTS)
def check_in(request, token=""):
    """The door's phone page: a scanned QR opens it with the token; the token can also be typed.
    Opening shows whose sign-up it is; the button (POST) marks it attended, once."""
    form = CheckInForm(request.POST or None, initial={"token": token})
    result, status = None, 200
    code = services.clean_token(request.POST.get("token") if request.method == "POST" else token)
    if code:
        if request.method == "POST":
            try:
                signup, fresh = services.signup_check_in(actor=request.user, token=code)
            except (ValidationError, Conflict) as exc:
                _refusal(request, exc)
                status = 422 if isinstance(exc, ValidationError) else 409
            else:
                result = {"signup": signup, "fresh": fresh, "done": True}
                return render(
                    request,
                    "events/check_in.html",
                    {"title": _("活动签到"), "form": style_form(CheckInForm()), "result": result},
                )
        else:
            signup = (
                EventSignup.objects.visible_to(request.user)
                .select_related("event", "unit__building")
                .filter(token=code)
                .first()
            )
            if signup is None:
                raise Http404
            result = {"signup": signup, "fresh": False, "done": signup.checked_in_at is not None}
    style_form(form)
    return render(
        request,
        "events/check_in.html",
        {"title": _("活动签到"), "form": form, "result": result, "token": code},
        status=status,
    )


# The resident portal ------------------------------------------------------------------------------


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def portal_list(request):
    return render(
        request,
        "events/portal_list.html",
        {"title": _("社区活动"), "rows": selectors.portal_events(request.user)[:50]},
    )


@resident_page
def portal_detail(request, pk):
    event = visible_or_404(Event.objects.select_related("project"), pk, request.user)
    units = list(selectors.signup_units(request.user, event))
    mine = selectors.my_signups(request.user, event)
    for signup in mine:
        signup.position = services.waiting_position(signup)
        if signup.status == SignupStatus.CONFIRMED:
            signup.qr = _qr_absolute(request, signup)
    signed_units = {s.unit_id for s in mine}
    free_units = [u for u in units if u.pk not in signed_units]
    form = SignupForm(request.POST or None, units=free_units, most=event.max_per_household)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                signup = services.signup_create(
                    actor=request.user,
                    event=event,
                    people=form.cleaned_data["people"],
                    unit_id=form.cleaned_data["unit_id"],
                    waitlist=request.POST.get("waitlist") == "1",
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"signup_opens_at": None, "signup_closes_at": None})
            except (Conflict, NotAllowed) as exc:
                form.add_error(None, exc.message)
            else:
                if signup.status == SignupStatus.WAITING:
                    messages.info(request, _("名额已满，已加入候补，有名额时会通知您"))
                else:
                    messages.success(request, _("报名成功，活动当天请出示签到二维码"))
                return redirect("events:portal_detail", pk=event.pk)
        status = 422
    figures = selectors.figures(event)
    attended = [s for s in mine if s.checked_in_at]
    rated = EventRating.objects.filter(event=event, unit_id__in=[s.unit_id for s in attended]).first()
    style_form(form)
    return render(
        request,
        "events/portal_detail.html",
        {
            "event": event,
            "title": event.title,
            "figures": figures,
            "mine": mine,
            "form": form,
            "can_sign": bool(free_units) and event.status == CommunityEventStatus.PUBLISHED,
            "full": figures["free"] <= 0 or figures["waiting"] > 0,
            "may_rate": bool(attended)
            and rated is None
            and event.status in (CommunityEventStatus.HELD, CommunityEventStatus.EVALUATED),
            "rated": rated,
            "rating_form": RatingForm(),
        },
        status=status,
    )


def _qr_absolute(request, signup) -> str:
    url = request.build_absolute_uri(reverse("events:check_in_token", args=[signup.token]))
    return segno.make(url, error="m").svg_inline(scale=4)


@require_POST
@resident_page
def portal_cancel(request, pk):
    signup = visible_or_404(EventSignup.objects.all(), pk, request.user)
    try:
        services.signup_cancel(actor=request.user, signup=signup)
    except (ValidationError, Conflict, NotAllowed) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已取消报名"))
    return redirect("events:portal_detail", pk=signup.event_id)


@require_POST
@resident_page
def portal_rate(request, pk):
    event = visible_or_404(Event.objects.all(), pk, request.user)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择 1 到 5 星"))
    else:
        try:
            services.event_rate(
                actor=request.user,
                event=event,
                stars=form.cleaned_data["stars"],
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, Conflict, NotAllowed) as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("感谢您的评价"))
    return redirect("events:portal_detail", pk=event.pk)
