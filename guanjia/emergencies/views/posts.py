"""Command post pages: every project's post and what is missing, one post (commander, members,
supporting documents), downloading a document."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.emergencies import services
from guanjia.emergencies.choices import Position
from guanjia.emergencies.forms import CommanderForm, DocumentForm, MemberForm
from guanjia.emergencies.models import CommandPost, CommandPostMember, EmergencyPlan, SupportingDocument
from guanjia.estates.models import Project
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import console_view, save_via_service, style_form


@console_view(Perm.VIEW_EMERGENCIES)
def post_list(request):
    projects = list(Project.objects.visible_to(request.user).order_by("name"))
    # A constant number of queries however many projects: posts with commander, all members with
    # their staff, who serves which project, the plans.
    posts = {
        p.project_id: p
        for p in CommandPost.objects.visible_to(request.user)
        .select_related("commander")
        .prefetch_related(Prefetch("members", queryset=CommandPostMember.objects.select_related("staff")))
    }
    plans = list(EmergencyPlan.objects.visible_to(request.user).filter(is_active=True))
    serving = services.serving_by_project(posts)
    rows = []
    for project in projects:
        post = posts.get(project.pk)
        gaps = (
            services.post_gaps(post, plans, members=list(post.members.all()), serving=serving[project.pk])
            if post
            else None
        )
        rows.append({"project": project, "post": post, "gaps": gaps})
    return render(request, "emergencies/post_list.html", {"rows": rows, "title": _("应急指挥部")})


@console_view(Perm.VIEW_EMERGENCIES)
def post_detail(request, project_pk):
    project = visible_or_404(Project.objects.all(), project_pk, request.user)
    post = CommandPost.objects.filter(project=project).select_related("commander").first()
    can_change = user_can(request.user, Perm.CHANGE_EMERGENCIES)
    if post is None and can_change:
        post = services.post_ensure(actor=request.user, project=project)
    staff = list(StaffMember.objects.visible_to(request.user).filter(projects=project).order_by("name"))
    plans = list(EmergencyPlan.objects.visible_to(request.user).filter(is_active=True))
    commander_form = CommanderForm(
        initial={
            "commander_id": post.commander_id if post else None,
            "control_room_phone": post.control_room_phone if post else "",
        },
        managers=services.project_managers(project),
    )
    member_form = MemberForm(staff=staff)
    document_form = DocumentForm(plans=plans)
    form = request.POST.get("form")
    if request.method == "POST" and post is not None:
        if form == "commander":
            commander_form = CommanderForm(request.POST, managers=services.project_managers(project))
            if save_via_service(
                request, commander_form, lambda d: services.post_update(actor=request.user, post=post, data=d)
            ):
                messages.success(request, _("已保存"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "member":
            member_form = MemberForm(request.POST, staff=staff)
            if save_via_service(
                request, member_form, lambda d: services.member_add(actor=request.user, post=post, data=d)
            ):
                messages.success(request, _("已加入指挥部"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "remove":
            member = visible_or_404(post.members.all(), request.POST.get("member_id"), request.user)
            services.member_remove(actor=request.user, member=member)
            messages.success(request, _("已移出指挥部"))
            return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "document":
            document_form = DocumentForm(request.POST, request.FILES, plans=plans)
            if save_via_service(
                request,
                document_form,
                lambda d: services.document_add(
                    actor=request.user, project=project, data=d, upload=d["file"]
                ),
            ):
                messages.success(request, _("文件已上传"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "document_delete":
            doc = visible_or_404(
                SupportingDocument.objects.filter(project=project),
                request.POST.get("document_id"),
                request.user,
            )
            services.document_delete(actor=request.user, document=doc)
            messages.success(request, _("文件已删除"))
            return redirect("emergencies:post_detail", project_pk=project.pk)
    for f in (commander_form, member_form, document_form):
        style_form(f)
    members = list(post.members.select_related("staff")) if post else []
    by_position = []
    for position in Position.values:
        if position == Position.COMMANDER:
            continue
        rows = [m for m in members if m.position == position]
        if rows:
            by_position.append({"position": position, "label": Position(position).label, "members": rows})
    documents = list(
        SupportingDocument.objects.visible_to(request.user).filter(project=project).select_related("plan")
    )
    return render(
        request,
        "emergencies/post_detail.html",
        {
            "project": project,
            "post": post,
            "by_position": by_position,
            "gaps": services.post_gaps(post, plans) if post else [],
            "documents": documents,
            "commander_form": commander_form,
            "member_form": member_form,
            "document_form": document_form,
            "can_change": can_change,
            "title": _("%(project)s 应急指挥部") % {"project": project.name},
        },
    )


@console_view(Perm.VIEW_EMERGENCIES)
def document_download(request, pk):
    doc = visible_or_404(SupportingDocument.objects.all(), pk, request.user)
    try:
        handle = default_storage.open(doc.file, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件不存在")) from exc
    suffix = doc.file.rsplit(".", 1)[-1]
    return FileResponse(
        handle, content_type=doc.content_type, as_attachment=True, filename=f"{doc.title}.{suffix}"
    )
