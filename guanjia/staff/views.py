"""The web console's pages for staff (their evaluation: ``evaluation.views``). Every fetch is
scoped, every write a ``services`` call."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.forms import ListFilterForm
from guanjia.estates.models import Project
from guanjia.notifications.channels import channel_address
from guanjia.staff import services
from guanjia.staff.forms import SERVICE_FIELD_MAP, StaffForm
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import console_view, detail_context, form_page, list_page


@console_view(Perm.VIEW_STAFF)
def staff_list(request):
    filters = ListFilterForm(
        request.GET, user=request.user, fields=("q", "project"), search_help=_("姓名、工号或手机号")
    )
    values = filters.values()
    qs = StaffMember.objects.visible_to(request.user).prefetch_related(
        "roles", Prefetch("projects", queryset=Project.objects.visible_to(request.user))
    )
    if project := values.get("project"):
        serves = StaffMember.projects.through.objects.filter(staffmember_id=OuterRef("pk"), project=project)
        qs = qs.filter(Exists(serves))
    if q := values.get("q"):
        qs = qs.filter(Q(name__icontains=q) | Q(employee_no__iexact=q) | Q(phone=q))
    return list_page(
        request,
        queryset=qs,
        fragment="staff/_staff_table.html",
        context={
            "filter_form": filters,
            "title": _("员工"),
            "resource": "staff",
            "create_url": reverse("staff_create") if user_can(request.user, Perm.CHANGE_STAFF) else "",
        },
    )


@console_view(Perm.VIEW_STAFF)
def staff_detail(request, pk):
    member = visible_or_404(
        StaffMember.objects.prefetch_related(
            "roles", "skills", Prefetch("projects", queryset=Project.objects.visible_to(request.user))
        ),
        pk,
        request.user,
    )
    context = detail_context(member, request.user)
    if user_can(request.user, Perm.ADMIN):
        context["wecom_userid"] = channel_address(member.user, "wecom") or "—"
    return render(request, "staff/staff_detail.html", context)


@console_view(Perm.CHANGE_STAFF)
def staff_create(request):
    form = StaffForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        save=lambda data: services.staff_create(actor=request.user, data=form.service_data()),
        field_map=SERVICE_FIELD_MAP,
        saved_message=_("员工已创建"),
        detail="staff_detail",
        title=_("新建员工"),
        cancel_url=reverse("staff_list"),
    )


@console_view(Perm.CHANGE_STAFF)
def staff_edit(request, pk):
    member = visible_or_404(StaffMember.objects.prefetch_related("roles", "projects"), pk, request.user)
    form = StaffForm(request.POST or None, user=request.user, member=member)
    return form_page(
        request,
        form,
        save=lambda data: services.staff_update(actor=request.user, staff=member, data=form.service_data()),
        field_map=SERVICE_FIELD_MAP,
        saved_message=_("已保存"),
        detail="staff_detail",
        title=_("编辑员工：%(name)s") % {"name": member.name},
        cancel_url=reverse("staff_detail", args=[member.pk]),
    )
