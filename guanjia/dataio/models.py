"""Bulk imports of estates data: one ``ImportJob`` per uploaded file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    # A dry run's plan is ready: nothing is written until a person confirms it.
    PREVIEWED = "previewed", _("待确认")
    RUNNING = "running", _("导入中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class ImportStep(models.TextChoices):
    QUEUED = "", _("排队中")
    READING = "reading", _("读取并检查文件")
    MATCHING = "matching", _("与现有数据比对")
    WRITING = "writing", _("写入数据")
    DONE = "done", _("完成")


class ImportJob(ProjectOwned):
    """One uploaded spreadsheet of buildings, units and residents for one project, and its outcome.

    The file is kept (default storage, under ``imports/``) so that a job can run in the background
    and so that what was imported can be looked at later. ``errors`` holds the per-row report:
    ``[{"row": 17, "field": "面积", "message": "…", "text": "第17行 面积: …"}]``.
    """

    file = models.FileField(_("文件"), upload_to="imports/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建记录数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新记录数"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变记录数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # How many errors the file has (``errors`` lists at most the first 1,000 of them).
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    step = models.CharField(_("步骤"), max_length=10, choices=ImportStep.choices, default="", blank=True)
    # What the user should know although nothing failed (columns that were ignored …).
    notices = models.JSONField(_("提示"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("导入人"),
    )
    # What to do once the rows are in, chosen at upload (``options.register_import_option``).
    options = models.JSONField(_("导入选项"), default=list, blank=True)
    moved_out_count = models.PositiveIntegerField(_("迁出数"), default=0)
    # A dry run: the job plans and reports (``preview``) and waits for ``services.import_confirm``.
    dry_run = models.BooleanField(_("先预览"), default=False)
    # {"new", "changed", "moved_out", "detail", "change_count", "changes": [first 300], "digest"}
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    # What the preview was made from: the file's SHA-256 and the newest journal entry before it.
    file_sha256 = models.CharField(max_length=64, blank=True)
    data_mark = models.BigIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    # Progress and the error report change often and are large; the status change is what matters.
    # The stored file name is journaled as original_name (a FieldFile is not JSON).
    journal_exclude = (
        "updated_at",
        "processed_rows",
        "errors",
        "file",
        "step",
        "notices",
        "preview",
        "data_mark",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.get_status_display()})"

    @property
    def error_total(self) -> int:
        """The exact number of errors (jobs from before the count was kept: the listed ones)."""
        return self.error_count or len(self.errors)

    @property
    def percent(self) -> int:
        """Progress over every step: reading 0–45 %, matching 45–50 %, writing 50–100 %."""
        if self.is_finished:
            return 100
        share = min(1.0, self.processed_rows / self.total_rows) if self.total_rows else 0.0
        start, width = {
            ImportStep.READING: (0, 45),
            ImportStep.MATCHING: (45, 5),
            ImportStep.WRITING: (50, 50),
        }.get(self.step, (0, 0))
        return int(start + width * share)

    @property
    def seconds_left(self) -> int | None:
        """A linear estimate from the time so far; None until there is something to go on."""
        from django.utils import timezone

        percent = self.percent
        if self.is_finished or not self.started_at or percent < 3:
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        return int(elapsed * (100 - percent) / percent)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.PREVIEWED)


class ImportWrite(models.Model):
    """One record an import has written so far, kept until the import has finished: the undo log.

    A large import writes in short transactions (so that the desk can keep working on SQLite,
    where a writer locks the whole database), each batch together with its rows here. If a later
    batch fails or the worker dies, ``writing.undo`` removes what the batches created and puts
    back what they changed (``before``), so the file is still imported as a whole or not at all.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="writes")
    model = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    # None: the import created the record; else the changed fields' values before the import.
    before = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入写入记录")
        verbose_name_plural = _("导入写入记录")
        indexes = [models.Index(fields=["job", "model"])]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"
