"""Web pages of imports and exports: the upload form, the job's page, templates and exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.replica import replica_reads
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.dataio import exporting, services
from guanjia.dataio.api import download
from guanjia.dataio.forms import ImportForm
from guanjia.dataio.models import ImportJob, ImportStatus


def _allowed(user, perm) -> None:
    try:
        require(user, perm)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc


@login_required
def import_start(request):
    _allowed(request.user, Perm.IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_submit(
                actor=request.user,
                project_id=form.cleaned_data["project"].pk,
                upload=form.cleaned_data["file"],
                options=form.chosen_options(),
                dry_run=True,  # the page shows what would change; the person confirms
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = {"project_id": "project"}.get(field, field)
                for message in messages:
                    form.add_error(target if target in form.fields else None, message)
        else:
            return redirect("dataio:import_job", pk=job.pk)
    recent = (
        ImportJob.objects.visible_to(request.user)
        .filter(created_by=request.user)
        .select_related("project")[:10]
    )
    return render(request, "dataio/import_start.html", {"form": form, "recent": recent})


@login_required
def import_job(request, pk: int):
    _allowed(request.user, Perm.IMPORT)
    try:
        job = visible_or_404(ImportJob.objects.select_related("project"), pk, request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {"job": job, "Status": ImportStatus}
    if request.htmx:
        return render(request, "dataio/import_job_status.html", context)
    return render(request, "dataio/import_job.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    """The person confirms a dry run; a stale one (file or data changed since) is refused (409)."""
    _allowed(request.user, Perm.IMPORT)
    try:
        job = visible_or_404(ImportJob.objects.select_related("project"), pk, request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        job = services.import_confirm(actor=request.user, job=job)
    except Conflict as exc:
        context = {"job": job, "Status": ImportStatus, "conflict": exc.message}
        return render(request, "dataio/import_job.html", context, status=409)
    return redirect("dataio:import_job", pk=job.pk)


@login_required
@require_GET
def import_errors(request, pk: int):
    _allowed(request.user, Perm.IMPORT)
    try:
        job = visible_or_404(ImportJob.objects, pk, request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return download(*services.import_error_report(actor=request.user, job=job))


@login_required
@require_GET
def import_template(request, fmt: str):
    _allowed(request.user, Perm.IMPORT)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    return download(*services.import_template(fmt))


@login_required
@require_GET
@replica_reads
def export(request, resource: str, fmt: str):
    if resource not in exporting.EXPORTS:
        raise Http404
    try:
        return download(
            *exporting.export_file(actor=request.user, resource=resource, fmt=fmt, params=request.GET)
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationError as exc:
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        return render(
            request,
            "dataio/export_error.html",
            {"errors": [m for ms in exc.message_dict.values() for m in ms], "back_url": back},
            status=400,
        )
