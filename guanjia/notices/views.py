"""The console's notice pages (list, form, detail with read statistics, unread list, calendar, cards)
and the resident portal's (notices, one notice, the service team). Thin: selectors read, services write."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.notices import selectors, services
from guanjia.notices.choices import NoticeKind, NoticeStatus
from guanjia.notices.forms import NoticeForm, PublishForm, ServiceCardForm, building_choices
from guanjia.notices.models import Notice, ServiceCard
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import add_service_errors, console_view, style_form

PER_PAGE = 25


class NoticeFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["kind"].choices = [("", gettext_lazy("全部")), *NoticeKind.choices]
        self.fields["status"].choices = [("", gettext_lazy("全部")), *NoticeStatus.choices]


@console_view(Perm.VIEW_NOTICES)
def notice_list(request):
    form = NoticeFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    notices = selectors.notice_list(
        request.user,
        project_id=getattr(filters.get("project"), "pk", None),
        kind=filters.get("kind") or "",
        status=filters.get("status") or "",
    )
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    style_form(form)
    context = {"title": _("公告"), "filter_form": form, "page": page, "rows": page.object_list}
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, "notices/_notice_table.html", context)
    return render(request, "notices/notice_list.html", context, status=422 if form.errors else 200)


def _form_page(request, form, *, title: str, cancel_url: str, save):
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = save(form.service_data(), form.cleaned_data["attachments"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("公告已保存"))
                return redirect("notices:detail", pk=notice.pk)
        status = 422
    style_form(form)
    return render(
        request,
        "notices/notice_form.html",
        {"form": form, "title": title, "cancel_url": cancel_url},
        status=status,
    )


@console_view(Perm.DRAFT_NOTICES)
def notice_create(request):
    initial = {}
    scope = scope_for(request.user)
    if not scope.is_hq and len(scope.project_ids) == 1:
        initial["project_id"] = str(next(iter(scope.project_ids)))
    form = NoticeForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    return _form_page(
        request,
        form,
        title=_("起草公告"),
        cancel_url=reverse("notices:list"),
        save=lambda data, files: services.notice_create(actor=request.user, data=data, files=files),
    )


@console_view(Perm.DRAFT_NOTICES)
def notice_edit(request, pk):
    notice = visible_or_404(Notice.objects.all(), pk, request.user)
    tz = timezone.get_current_timezone()
    initial = {
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "project_id": str(notice.project_id or ""),
        "building_id": str(notice.building_id or ""),
        "publish_at": notice.publish_at.astimezone(tz) if notice.publish_at else None,
        "expires_at": notice.expires_at.astimezone(tz) if notice.expires_at else None,
        "pinned": notice.pinned,
    }
    form = NoticeForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    return _form_page(
        request,
        form,
        title=_("修改公告"),
        cancel_url=reverse("notices:detail", args=[notice.pk]),
        save=lambda data, files: services.notice_update(
            actor=request.user, notice=notice, data=data, files=files
        ),
    )


@console_view(Perm.DRAFT_NOTICES)
def notice_buildings(request):
    """The building choices of the project picked on the form (htmx)."""
    choices = building_choices(request.user, request.GET.get("project_id"))
    return render(
        request,
        "notices/_building_options.html",
        {"choices": choices, "picked": request.GET.get("building_id", "")},
    )


@console_view(Perm.VIEW_NOTICES)
def notice_detail(request, pk):
    notice = visible_or_404(
        Notice.objects.select_related("project", "building", "author", "published_by"), pk, request.user
    )
    stats = selectors.read_stats(notice) if notice.status != NoticeStatus.DRAFT else None
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "title": notice.title,
            "stats": stats,
            "attachments": list(notice.attachments.all()),
            "publish_form": style_form(PublishForm()),
        },
    )


_ACTIONS = {
    "publish": lambda actor, notice, request: services.notice_publish(
        actor=actor, notice=notice, publish_at=_publish_at(request)
    ),
    "unschedule": lambda actor, notice, request: services.notice_unschedule(actor=actor, notice=notice),
    "withdraw": lambda actor, notice, request: services.notice_withdraw(actor=actor, notice=notice),
    "pin": lambda actor, notice, request: services.notice_pin(actor=actor, notice=notice, pinned=True),
    "unpin": lambda actor, notice, request: services.notice_pin(actor=actor, notice=notice, pinned=False),
}


def _publish_at(request):
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"publish_at": form.errors.get("publish_at", [_("时间格式不正确")])})
    return form.cleaned_data["publish_at"]


@require_POST
@console_view(Perm.VIEW_NOTICES)
def notice_act(request, pk, action):
    notice = visible_or_404(Notice.objects.all(), pk, request.user)
    if action not in _ACTIONS:
        raise Http404
    try:
        _ACTIONS[action](request.user, notice, request)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, "；".join(errors))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已完成"))
    return redirect("notices:detail", pk=notice.pk)


@console_view(Perm.VIEW_NOTICES)
def notice_unread(request, pk):
    """The households that have not read a notice, with the people to call; a butler sees their own
    buildings unless another building is picked."""
    notice = visible_or_404(Notice.objects.select_related("project", "building"), pk, request.user)
    buildings = list(selectors.unread_buildings(notice))
    chosen = request.GET.get("building") or ""
    building_ids = [b.pk for b in buildings if str(b.pk) == chosen]
    if chosen and not building_ids:
        raise Http404
    mine = selectors.butler_building_ids(request.user)
    if not building_ids and chosen != "all":
        building_ids = mine
    units = selectors.unread_units(notice, building_ids=building_ids)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    query = f"notice={notice.pk}" + (f"&building={chosen}" if chosen and chosen != "all" else "")
    return render(
        request,
        "notices/unread.html",
        {
            "notice": notice,
            "title": _("未读住户：%(title)s") % {"title": notice.title},
            "buildings": buildings,
            "chosen": chosen,
            "mine": bool(mine) and not chosen,
            "page": page,
            "rows": page.object_list,
            "resource": "notice_unread",
            "query": query,
        },
    )


@console_view(Perm.VIEW_NOTICES)
def notice_calendar(request):
    projects = list(Project.objects.visible_to(request.user).order_by("name"))
    if not projects:
        raise Http404
    chosen = request.GET.get("project")
    project = next((p for p in projects if str(p.pk) == chosen), None) if chosen else projects[0]
    if project is None:
        raise Http404
    try:
        calendar = selectors.publication_calendar(request.user, project, request.GET.get("month"))
    except ValueError:
        messages.error(request, _("月份格式应为 YYYY-MM"))
        calendar = selectors.publication_calendar(request.user, project)
    return render(
        request,
        "notices/calendar.html",
        {"title": _("公告发布日历"), "projects": projects, "project": project, "cal": calendar},
    )


# Service cards ---------------------------------------------------------------------------------


@console_view(Perm.VIEW_NOTICES)
def card_list(request):
    cards = (
        ServiceCard.objects.visible_to(request.user).select_related("staff").order_by("order", "staff__name")
    )
    scope = scope_for(request.user)
    return render(
        request,
        "notices/card_list.html",
        {"title": _("管家名片"), "cards": cards, "own_staff_id": scope.staff_id},
    )


@console_view(Perm.VIEW_NOTICES)
def card_edit(request, staff_pk):
    staff = visible_or_404(StaffMember.objects.all(), staff_pk, request.user)
    card = ServiceCard.objects.filter(staff=staff).first()
    initial = {"title": "", "phone": staff.phone, "hours": "", "shown": True, "order": 100}
    if card is not None:
        initial = {f: getattr(card, f) for f in ("title", "phone", "hours", "intro", "shown", "order")}
    form = ServiceCardForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photo"}
            try:
                services.card_save(
                    actor=request.user, staff=staff, data=data, photo=form.cleaned_data["photo"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("名片已保存"))
                return redirect("notices:cards")
        status = 422
    style_form(form)
    return render(
        request,
        "notices/notice_form.html",
        {
            "form": form,
            "title": _("管家名片：%(name)s") % {"name": staff.name},
            "cancel_url": reverse("notices:cards"),
        },
        status=status,
    )


# The resident portal ---------------------------------------------------------------------------


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def portal_list(request):
    notices = selectors.portal_notices(request.user)
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    return render(
        request, "notices/portal_list.html", {"title": _("社区公告"), "page": page, "rows": page.object_list}
    )


@resident_page
def portal_detail(request, pk):
    """One notice; opening it is the household's read receipt (once per household)."""
    notice = visible_or_404(Notice.objects.select_related("project", "building"), pk, request.user)
    services.notice_read(actor=request.user, notice=notice)
    return render(
        request,
        "notices/portal_detail.html",
        {"notice": notice, "title": notice.title, "attachments": list(notice.attachments.all())},
    )


@resident_page
def portal_team(request):
    return render(
        request, "notices/portal_team.html", {"title": _("服务团队"), **selectors.service_team(request.user)}
    )
