"""Tenancy, the base classes every domain model builds on, and the change journal."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.context import Source
from guanjia.core.scoping import ScopedQuerySet


class JournaledModel(models.Model):
    """A model whose every create, change and delete is written to ``ObjectChange``.

    The values as loaded from the database are kept on the instance so that the journal can say
    what each changed field was before, without a second query.
    """

    # Fields not worth journaling (timestamps that change on every save).
    journal_exclude: tuple[str, ...] = ("updated_at",)

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._journal_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def journal_values(self) -> dict:
        """The journaled fields' current values, keyed by attribute name (``building_id``)."""
        return {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if f.attname not in self.journal_exclude and f.name not in self.journal_exclude
        }


class Company(JournaledModel):
    """A property-management company: the tenant. Nothing crosses from one company to another."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    short_code = models.CharField(_("简码"), max_length=8, unique=True, help_text=_("用于单号前缀，如 JY"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "id"
    scope_project_field = None

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


class CompanyOwned(JournaledModel):
    """A record that belongs to exactly one company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, verbose_name=_("公司"), related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_company_field = "company_id"
    scope_project_field: str | None = None

    class Meta:
        abstract = True


class ProjectOwned(CompanyOwned):
    """A record that belongs to one project (estate) of one company.

    ``company`` is stored alongside ``project`` so that every scoping filter is one indexed
    equality on the row itself, never a join.
    """

    project = models.ForeignKey(
        "estates.Project", on_delete=models.PROTECT, verbose_name=_("项目"), related_name="+"
    )

    scope_project_field = "project_id"

    class Meta:
        abstract = True


class Photo(ProjectOwned):
    """A photo attached to a record: the cleaned image and its thumbnail, each a name in Django's
    storage (written by ``core.images``: type checked by content, EXIF and GPS stripped), and who
    uploaded it. Requests, audits and maintenance tasks each keep theirs on a model built on this."""

    image = models.CharField(_("图片"), max_length=200)
    thumbnail = models.CharField(_("缩略图"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )

    class Meta:
        abstract = True


class SoftDeletable(models.Model):
    """Rows whose history matters are never removed; they are marked deleted and hidden."""

    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ObjectChange(models.Model):
    """One create, change or delete of a domain record: who, when, through what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        RESTORE = "restore", _("恢复")
        REVEAL = "reveal", _("查看完整信息")

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("途径"), max_length=10, choices=Source.choices)
    request_id = models.CharField(max_length=32, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    # {"field": [before, after]} — before is null on create, after is null on delete.
    changes = models.JSONField(_("变更"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-time"], name="objectchange_object_idx"),
            models.Index(fields=["company", "-time"], name="objectchange_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ParkedJob(models.Model):
    """A background job that could not be put on the queue (Redis unreachable), kept here until
    the queue answers again (``core.queue``): nothing a request caused is lost while Redis is down."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    name = models.CharField(_("任务"), max_length=200)
    priority = models.IntegerField(default=0)
    # The task exactly as Huey serializes it into the queue.
    data = models.BinaryField()

    class Meta:
        verbose_name = _("待入队任务")
        verbose_name_plural = _("待入队任务")

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d %H:%M})"
