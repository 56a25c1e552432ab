"""REST endpoints of imports and exports.

- ``POST /imports`` (multipart: ``project_id``, ``file``, ``dry_run``) → 201 with the job, or 422
  with the per-row report; a dry run comes back ``previewed`` with ``preview`` (N new, N changed,
  N moved out, the changes) and is written by ``POST /imports/{id}/confirm`` (409 when stale); ``GET /imports/{id}`` for progress; ``GET /imports/template.xlsx|csv``.
- ``GET /exports/{resource}?format=xlsx|csv&<the list's filters>`` for projects, buildings, units,
  residents, occupancies and staff.
"""

import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from guanjia.core.api import ERROR_RESPONSES, ErrorOut, Schema, error_body
from guanjia.core.replica import replica_reads
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.dataio import exporting, services
from guanjia.dataio.models import ImportJob, ImportStatus

router = Router(tags=["imports and exports"])


class RowErrorOut(Schema):
    row: int = Field(..., description="行号，与表格中一致（表头为第1行）；0 表示整个文件")
    field: str
    message: str
    text: str


class ImportChangeOut(Schema):
    row: int
    kind: str
    what: str
    field: str
    before: str
    after: str


class ImportPreviewOut(Schema):
    new: int = Field(..., description="将新建的记录数")
    changed: int = Field(..., description="将修改的记录数")
    moved_out: int = Field(..., description="将迁出的入住关系数")
    change_count: int = Field(..., description="修改项总数（精确）")
    changes: list[ImportChangeOut] = Field(..., description="前 300 项修改")


class ImportJobOut(Schema):
    id: int
    project_id: int
    status: ImportStatus
    status_label: str
    original_name: str
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    errors: list[RowErrorOut] = Field(
        ..., description="前 1000 处错误；全部错误见 error_count 与 /imports/{id}/errors.xlsx"
    )
    error_count: int = Field(..., description="错误总数（精确）")
    step: str = Field(..., description="当前步骤：reading、matching、writing、done")
    step_label: str
    percent: int = Field(..., description="总体进度（0–100，覆盖所有步骤）")
    seconds_left: int | None = Field(None, description="预计剩余秒数")
    notices: list[str] = Field(..., description="不影响导入的提示，如被忽略的列")
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    options: list[str] = Field(default_factory=list, description="导入后执行的选项")
    moved_out_count: int = Field(0, description="迁出（按结束日期结束的入住关系）数")
    dry_run: bool = Field(False, description="预览：只比对不写入，等待 POST /imports/{id}/confirm")
    preview: ImportPreviewOut | None = Field(None, description="预览的结果（status 为 previewed 时）")

    @staticmethod
    def resolve_preview(obj):
        return obj.preview or None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_step_label(obj) -> str:
        return str(obj.get_step_display())


class ImportErrorOut(ErrorOut):
    job_id: int | None = None
    rows: list[RowErrorOut] = Field(default_factory=list)


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/imports",
    response={201: ImportJobOut, **ERROR_RESPONSES, 422: ImportErrorOut},
    operation_id="import_create",
    summary="Import buildings, units and residents from an .xlsx or .csv file",
)
def import_create(
    request,
    project_id: int = Form(...),
    file: UploadedFile = File(...),
    options: str = Form("", max_length=200, description="逗号分隔的导入选项，如 invite_residents"),
    dry_run: bool = Form(False, description="只预览将新建、修改、迁出什么，确认后才写入"),
):
    """All rows import or none do. Files above IMPORT_BACKGROUND_ROWS rows run in the background:
    the job comes back ``pending``; poll ``GET /imports/{id}``. ``options``: what to do once the rows
    are in (``invite_residents``: send the file's residents the portal invitation)."""
    chosen = [name.strip() for name in options.split(",") if name.strip()]
    job = services.import_submit(
        actor=request.user, project_id=project_id, upload=file, options=chosen, dry_run=dry_run
    )
    if job.status == ImportStatus.FAILED:
        texts = [e["text"] for e in job.errors]
        body = error_body(texts[0] if texts else str(job.get_status_display()), {"file": texts})
        return 422, {**body, "job_id": job.pk, "rows": job.errors}
    return 201, job


@router.get(
    "/imports/template.{fmt}",
    response={200: None, **ERROR_RESPONSES},
    operation_id="import_template",
    summary="The import sheet: headers and one example row",
)
def import_template(request, fmt: Literal["xlsx", "csv"]):
    require(request.user, Perm.IMPORT)
    return download(*services.import_template(fmt))


@router.get(
    "/imports/{int:pk}",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    operation_id="import_get",
    summary="An import job: status, progress, counts and the per-row report",
)
def import_get(request, pk: int):
    require(request.user, Perm.IMPORT)
    return visible_or_404(ImportJob.objects, pk, request.user)


@router.post(
    "/imports/{int:pk}/confirm",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    operation_id="import_confirm",
    summary="Confirm a dry run: import what it previewed",
)
def import_confirm(request, pk: int):
    """409 when the job is not a preview waiting for confirmation, or its file or the project's
    data changed since the preview (upload and preview again). Large files continue in the
    background (status ``pending``)."""
    require(request.user, Perm.IMPORT)
    job = visible_or_404(ImportJob.objects, pk, request.user)
    return 200, services.import_confirm(actor=request.user, job=job)


@router.get(
    "/imports/{int:pk}/errors.xlsx",
    response={200: None, **ERROR_RESPONSES},
    operation_id="import_errors",
    summary="A failed import's file with an error column: every error of every row",
)
def import_errors(request, pk: int):
    require(request.user, Perm.IMPORT)
    job = visible_or_404(ImportJob.objects, pk, request.user)
    return download(*services.import_error_report(actor=request.user, job=job))


def _register_export(spec: exporting.ExportSpec) -> None:
    @router.get(
        f"/exports/{spec.name}",
        response={200: None, **ERROR_RESPONSES},
        operation_id=f"export_{spec.name}",
        summary=f"Export {spec.name} as .xlsx or .csv, with the list's filters",
    )
    @decorate_view(replica_reads)
    def export_view(
        request,
        filters: spec.filters = Query(...),  # type: ignore[name-defined]
        format: Literal["xlsx", "csv"] = "xlsx",
    ):
        return download(
            *exporting.export_file(actor=request.user, resource=spec.name, fmt=format, filters=filters)
        )


for _spec in exporting.EXPORTS.values():
    _register_export(_spec)
