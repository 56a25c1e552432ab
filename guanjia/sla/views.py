"""The deadline settings pages (administrators): policies, calendars and their holidays."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.sla import administration, calendar_year
from guanjia.sla.forms import CalendarDayForm, CalendarForm, CalendarYearForm, PolicyForm
from guanjia.sla.models import Calendar, CalendarDay, SlaPolicy
from guanjia.web.helpers import console_view, render_form, save_via_service, style_form


@console_view(Perm.ADMIN)
def settings_page(request):
    policies = SlaPolicy.objects.visible_to(request.user).select_related("project", "category", "calendar")
    calendars = Calendar.objects.visible_to(request.user).order_by("name")
    return render(
        request,
        "sla/settings.html",
        {"policies": policies, "calendars": calendars, "title": _("时限与升级设置")},
    )


@console_view(Perm.ADMIN)
def policy_edit(request, pk=None):
    policy = visible_or_404(SlaPolicy.objects, pk, request.user) if pk else SlaPolicy()
    form = PolicyForm(request.POST or None, instance=policy, user=request.user)
    if request.method == "POST":
        saved = save_via_service(
            request, form, lambda data: administration.policy_save(actor=request.user, policy=form.instance)
        )
        if saved is not None:
            messages.success(request, _("已保存时限策略 %(name)s") % {"name": saved.name})
            return redirect("sla_settings")
    title = _("编辑时限策略") if pk else _("新建时限策略")
    return render_form(request, form, title=title, cancel_url=reverse("sla_settings"))


@console_view(Perm.ADMIN)
def calendar_edit(request, pk=None):
    calendar = visible_or_404(Calendar.objects, pk, request.user) if pk else Calendar()
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: administration.calendar_save(actor=request.user, calendar=form.instance),
        )
        if saved is not None:
            messages.success(request, _("已保存日历 %(name)s") % {"name": saved.name})
            return redirect("sla_calendar_edit", pk=saved.pk)
    return _calendar_page(request, calendar, form, CalendarDayForm())


def _calendar_page(request, calendar, form, day_form, status=None, year_form=None):
    year_form = year_form or CalendarYearForm(initial={"year": timezone.localdate().year + 1})
    style_form(form)
    style_form(day_form)
    style_form(year_form)
    if status is None:
        bound = [f for f in (form, day_form, year_form) if f.is_bound]
        status = 422 if any(f.errors for f in bound) else 200
    days = CalendarDay.objects.visible_to(request.user).filter(calendar=calendar) if calendar.pk else []
    return render(
        request,
        "sla/calendar.html",
        {
            "calendar": calendar,
            "form": form,
            "day_form": day_form,
            "year_form": year_form,
            "days": days,
            "title": calendar.name or _("新建日历"),
        },
        status=status,
    )


@require_POST
@console_view(Perm.ADMIN)
def calendar_day_add(request, pk):
    calendar = visible_or_404(Calendar.objects, pk, request.user)
    day_form = CalendarDayForm(request.POST)
    saved = save_via_service(
        request,
        day_form,
        lambda data: administration.calendar_day_add(
            actor=request.user,
            calendar=calendar,
            date=data["date"],
            is_working=data["is_working"],
            note=data.get("note") or "",
        ),
    )
    if saved is not None:
        messages.success(request, _("已添加 %(date)s") % {"date": saved.date})
        return redirect("sla_calendar_edit", pk=calendar.pk)
    return _calendar_page(request, calendar, CalendarForm(instance=calendar), day_form)


@require_POST
@console_view(Perm.ADMIN)
def calendar_day_delete(request, pk, day_pk):
    calendar = visible_or_404(Calendar.objects, pk, request.user)
    day = visible_or_404(CalendarDay.objects.filter(calendar=calendar), day_pk, request.user)
    administration.calendar_day_delete(actor=request.user, day=day)
    messages.success(request, _("已删除 %(date)s") % {"date": day.date})
    return redirect("sla_calendar_edit", pk=calendar.pk)


@require_POST
@console_view(Perm.ADMIN)
def calendar_year_enter(request, pk):
    calendar = visible_or_404(Calendar.objects, pk, request.user)
    year_form = CalendarYearForm(request.POST)
    entered = save_via_service(
        request,
        year_form,
        lambda data: calendar_year.calendar_year_enter(
            actor=request.user, calendar=calendar, year=data["year"], text=data["days"]
        ),
    )
    if entered is not None:
        messages.success(
            request,
            _("已录入 %(year)d 年：放假 %(off)d 天，调休上班 %(work)d 天")
            % {
                "year": entered.year,
                "off": entered.days_off,
                "work": entered.days_working,
            },
        )
        return redirect("sla_calendar_edit", pk=calendar.pk)
    return _calendar_page(
        request, calendar, CalendarForm(instance=calendar), CalendarDayForm(), year_form=year_form
    )
