"""Every import goes through here: submit a file, run its job, hand out the templates."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.context import Source, change_context
from guanjia.core.errors import Conflict, DomainError
from guanjia.core.models import ObjectChange
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_reference
from guanjia.dataio import (
    importing,
    planning,
    reading,
    spool,
    tasks,  # the job that runs a large import (it calls back into run_import_job)
    writing,
)
from guanjia.dataio import options as import_options
from guanjia.dataio.models import ImportJob, ImportStatus, ImportStep
from guanjia.dataio.spreadsheets import CSV_TYPE, XLSX_TYPE, rows_to_csv, rows_to_xlsx
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def import_submit(*, actor, project_id, upload, options=(), dry_run: bool = False) -> ImportJob:
    """Store the file and import it: inline when small, on the worker when large.

    ``dry_run``: only plan and report what would change (status ``previewed``, ``job.preview``);
    nothing is written until ``import_confirm``.

    Raises ``NotAllowed`` without the import permission and ``ValidationError`` (on
    ``project_id`` or ``file``) for a project the user cannot see or a file that cannot be read.
    An inline import with bad rows returns the job with status ``failed`` and its ``errors``.
    """
    require(actor, Perm.IMPORT)
    project = visible_reference(Project, project_id, actor, field="project_id")
    options = list(dict.fromkeys(options or ()))
    unknown = [name for name in options if import_options.option_named(name) is None]
    if unknown:
        raise ValidationError({"options": _("未知的导入选项：%(names)s") % {"names": ", ".join(unknown)}})
    if upload is None:
        raise ValidationError({"file": _("请选择要导入的文件")})
    suffix = Path(upload.name or "").suffix.lower()
    try:
        reading.kind_of(upload.name)
    except reading.FileRefused as exc:
        raise exc.as_validation_error() from exc
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    upload.seek(0)
    try:
        reading.check_upload(upload, upload.name)  # the zip directory only: unpacks nothing
        # A small file is counted here (bounded: small and checked); a large one on the worker.
        total = 0
        if upload.size <= settings.IMPORT_INLINE_BYTES:
            total = importing.data_row_count(reading.iter_table(upload, upload.name))
            if total == 0:
                raise ValidationError({"file": _("文件中没有数据行（第1行是表头）")})
    except reading.FileRefused as exc:
        raise exc.as_validation_error() from exc
    upload.seek(0)
    digest = _sha256(upload)
    upload.seek(0)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}{suffix}", upload)
    job = ImportJob.objects.create(
        company_id=project.company_id,
        project=project,
        file=stored,
        original_name=Path(upload.name).name[:200],
        total_rows=total,
        created_by=actor,
        options=options,
        dry_run=dry_run,
        file_sha256=digest,
    )
    if total == 0 or total > settings.IMPORT_BACKGROUND_ROWS:
        transaction.on_commit(lambda: tasks.run_import_job_task(job.pk))
        return job
    return run_import_job(job_id=job.pk)


def run_import_job(*, job_id: int) -> ImportJob:
    """Run one import job to the end. Running it again after it succeeded does nothing; running it
    again after a worker died mid-way first takes back what that run wrote.

    Steps (``ImportJob.step``, shown with the progress): reading and checking the file, matching
    it against the project, writing in short transactions (``writing.BatchedWriter``).
    """
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.PREVIEWED):
        return job
    actor = job.created_by
    if job.status == ImportStatus.RUNNING:
        writing.undo(job)  # what a run that died left behind
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), processed_rows=0, step=ImportStep.READING
    )
    with change_context(source=Source.IMPORT, actor=actor):
        try:
            # The person may have lost the permission or the project since they uploaded.
            require(actor, Perm.IMPORT)
            project = visible_reference(Project, job.project_id, actor, field="project_id")

            def progress(done: int) -> None:
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

            with spool.Spool() as store:
                return _import_spooled(job, project, actor, store, progress)
        except ValidationError as exc:
            messages = [
                str(m) for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms
            ]
            return _fail(job, [importing.row_error(0, "", m) | {"text": m} for m in messages])
        except DomainError as exc:
            return _fail(job, [importing.row_error(0, "", exc.message) | {"text": exc.message}])
        except IntegrityError:
            # Someone else created the same building, unit or resident meanwhile; nothing was saved.
            message = _("导入期间数据被同时修改，未导入任何数据，请重新导入")
            return _fail(job, [importing.row_error(0, "", message) | {"text": message}])
        except Exception:
            logger.exception("import job %s failed", job.pk)
            message = _("导入时发生内部错误，未导入任何数据，请联系管理员")
            return _fail(job, [importing.row_error(0, "", message) | {"text": message}])


def _import_spooled(job: ImportJob, project, actor, store, progress) -> ImportJob:
    """Read and check the file into ``store`` (a stream), plan it a chunk at a time, then (unless
    a dry run) write the plan chunk by chunk: what is in memory is bounded by a chunk, not by the
    file (``spool``, ``planning``)."""
    ignored: list[str] = []
    errors: list[dict] = []
    with job.file.open("rb") as fileobj:
        table = importing.read_table(fileobj, job.file.name)
        store.add_rows(importing.check_rows(table, errors=errors, progress=progress, ignored=ignored))
    total_rows = store.count
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=total_rows, notices=_notices(ignored), step=ImportStep.MATCHING, processed_rows=0
    )
    if errors:
        return _fail(job, errors)

    def written(done: int, planned: int) -> None:
        # Records written, shown as the share of the file's rows.
        share = min(total_rows, total_rows * done // max(planned, 1))
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=share, step=ImportStep.WRITING)

    mark = _data_mark() if job.dry_run else 0
    plan = planning.plan_file(
        project=project, spool=store, actor=actor, keep=not job.dry_run, progress=progress
    )
    if plan.outcome.errors:
        return _fail(job, plan.outcome.errors)
    if job.dry_run:
        return _previewed(job, plan, mark)
    if job.confirmed_at and plan.digest != job.preview.get("digest"):
        return _fail(
            job, [_whole_file_error(_("预览之后项目数据已有变动，未导入任何数据，请重新上传并预览"))]
        )
    writer = writing.BatchedWriter(job, progress=written)
    try:
        outcome = writing.write_plan(plan, writer=writer)
    except Exception:
        writing.undo(job)
        raise
    writing.forget(job)
    job = ImportJob.objects.get(pk=job.pk)
    job.status = ImportStatus.SUCCEEDED
    job.step = ImportStep.DONE
    job.processed_rows = job.total_rows
    job.created_count = outcome.created
    job.updated_count = outcome.updated
    job.unchanged_count = outcome.unchanged
    job.moved_out_count = outcome.moved_out
    job.errors = []
    job.error_count = 0
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        # What the person chose to happen once the rows are in (dataio.options: the
        # residents app invites the file's residents); each schedules its work on commit.
        phones = store.phones() if job.options else set()
        for name in job.options or ():
            if option := import_options.option_named(name):
                option.after(job=job, actor=actor, phones=phones)
    return job


def _whole_file_error(message: str) -> dict:
    return importing.row_error(0, "", message) | {"text": message}


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


# What a preview was planned against: a change to any of these after it makes it stale.
_ESTATES_MODELS = (Building, Unit, Resident, Occupancy)


def _data_mark() -> int:
    """The newest journal entry now (by id: one index read)."""
    return ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _data_changed_since(job: ImportJob) -> bool:
    """Was any building, unit, resident or tie of the company journaled after the preview was
    planned? Reads only the entries written since (an id range)."""
    types = ContentType.objects.get_for_models(*_ESTATES_MODELS).values()
    return ObjectChange.objects.filter(
        id__gt=job.data_mark, company_id=job.company_id, content_type__in=list(types)
    ).exists()


def _previewed(job: ImportJob, plan, mark: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job.pk)
    job.status = ImportStatus.PREVIEWED
    job.step = ImportStep.DONE
    job.preview = plan.preview()
    job.data_mark = mark
    counts = plan.counts()
    job.created_count, job.updated_count = counts["new"], counts["changed"]
    job.moved_out_count = counts["moved_out"]
    job.unchanged_count = plan.outcome.unchanged
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now()
    job.save()
    return job


def import_confirm(*, actor, job: ImportJob) -> ImportJob:
    """A person confirms a dry run: it is imported as previewed. A job that is not waiting for
    confirmation, whose stored file differs from the previewed one, or whose project's data
    changed since the preview is a ``Conflict`` (409): upload and preview again."""
    require(actor, Perm.IMPORT)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportStatus.PREVIEWED:
            raise Conflict(_("该导入不在待确认状态"))
        with job.file.open("rb") as stored:
            if _sha256(stored) != job.file_sha256:
                raise Conflict(_("文件在预览之后被更改，请重新上传并预览"))
        if _data_changed_since(job):
            raise Conflict(_("预览之后项目数据已有变动，请重新上传并预览"))
        job.status = ImportStatus.PENDING
        job.dry_run = False
        job.confirmed_at = timezone.now()
        job.step = ImportStep.QUEUED
        job.finished_at = None
        job.save()
    if job.total_rows > settings.IMPORT_BACKGROUND_ROWS or job.file.size > settings.IMPORT_INLINE_BYTES:
        transaction.on_commit(lambda: tasks.run_import_job_task(job.pk))
        return job
    return run_import_job(job_id=job.pk)


def _notices(ignored: list[str]) -> list[str]:
    if not ignored:
        return []
    return [_("以下列不属于导入模板，已忽略：%(columns)s") % {"columns": "、".join(ignored)}]


def _fail(job: ImportJob, errors: list[dict]) -> ImportJob:
    job = ImportJob.objects.get(pk=job.pk)
    job.status = ImportStatus.FAILED
    job.errors = importing.cap_errors(errors)
    job.error_count = len(errors)
    if len(errors) > importing.MAX_REPORTED_ERRORS and job.file:
        # Every error, for the report: the job's row keeps the first 1,000.
        default_storage.save(
            _all_errors_name(job), ContentFile(json.dumps(errors, ensure_ascii=False).encode())
        )
    job.step = ImportStep.DONE
    job.created_count = job.updated_count = job.unchanged_count = 0
    job.finished_at = timezone.now()
    job.save()
    return job


def _all_errors_name(job: ImportJob) -> str:
    return f"{job.file.name}.errors.json"


def import_error_report(*, actor, job: ImportJob) -> tuple[bytes, str, str]:
    """The failed job's file as the person uploaded it, with one more column: each row's errors.

    Every row is there (fix the marked ones and upload the same file again); the errors of the whole
    file (a missing column, a refused file) are in a first row of their own. Read streamed and
    bounded like the import itself."""
    require(actor, Perm.IMPORT)
    errors = job.errors
    if job.error_count > importing.MAX_REPORTED_ERRORS and default_storage.exists(_all_errors_name(job)):
        with default_storage.open(_all_errors_name(job), "rb") as stored:
            errors = json.load(stored)
    by_row: dict[int, list[str]] = {}
    for error in errors:
        if error.get("row"):
            label = f"{error['field']}: " if error.get("field") else ""
            by_row.setdefault(error["row"], []).append(label + error["message"])
    general = [e["text"] for e in errors if not e.get("row")]

    def rows():
        if general:
            yield ["", *general]
        try:
            with job.file.open("rb") as fileobj:
                width = 0
                for line, row in enumerate(importing.read_table(fileobj, job.file.name), start=1):
                    width = max(width, len(row))
                    row = [*row, *[None] * (width - len(row))]
                    yield [*row, _("错误") if line == 1 else "；".join(by_row.get(line, []))]
        except (ValidationError, OSError):
            return  # the file itself was refused: its message is the first row

    name = Path(job.original_name or "import").stem
    return rows_to_xlsx(rows(), title=_("错误报告")), XLSX_TYPE, f"{name}-errors.xlsx"


def import_template(fmt: str) -> tuple[bytes, str, str]:
    """The empty import sheet with its headers and one example row: (content, type, filename)."""
    if fmt == "csv":
        return (
            rows_to_csv([importing.TEMPLATE_HEADERS, importing.TEMPLATE_EXAMPLE]),
            CSV_TYPE,
            "guanjia-import-template.csv",
        )
    if fmt == "xlsx":
        return (
            rows_to_xlsx([importing.TEMPLATE_HEADERS, importing.TEMPLATE_EXAMPLE], title=_("导入模板")),
            XLSX_TYPE,
            "guanjia-import-template.xlsx",
        )
    raise ValidationError({"format": _("只支持 xlsx 或 csv")})
