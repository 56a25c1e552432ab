"""Auto-dispatch rules: which team of a project takes which kind of repair."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.cache import SharedCacheQuerySet
from guanjia.core.models import ProjectOwned, SoftDeletable
from guanjia.staff.choices import Department


class DispatchRule(ProjectOwned, SoftDeletable):
    """A project's rule 类别（可限楼栋）→ 部门: requests of this category (or any of its
    sub-categories), optionally only in this building, go to the project's staff of this
    department, preferring those with the skill. The most specific active rule wins."""

    category = models.ForeignKey(
        "tickets.TicketCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("报事类别")
    )
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
        help_text=_("留空：项目内所有楼栋"),
    )
    department = models.CharField(_("派往部门"), max_length=12, choices=Department.choices)
    skill = models.ForeignKey(
        "staff.Skill",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("技能"),
        help_text=_("留空：与类别的一级名称同名的技能（如「水电」）"),
    )
    priority = models.SmallIntegerField(
        _("优先顺序"), default=0, help_text=_("同样具体的规则中，数字小的优先")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SharedCacheQuerySet.as_manager()
    shared_cache = ("dispatch-rules", "project_id")  # services.project_rules

    class Meta:
        verbose_name = _("派工规则")
        verbose_name_plural = _("派工规则")
        ordering = ["priority", "id"]
        indexes = [
            models.Index(
                fields=["project", "category"],
                condition=Q(is_active=True, deleted_at__isnull=True),
                name="dispatch_rule_active_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.get_department_display()}"


class PendingDispatch(models.Model):
    """Auto-dispatch's outbox: a new repair that a rule covers, written in the request's own
    transaction and deleted by the worker that dispatches it (``services.dispatch_waiting``).

    Deciding who goes and recording the dispatch is half a create's work; the desk's answer does
    not wait for it. A row is never lost with its job: the minute sweep runs any left behind.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    queued_at = models.DateTimeField(_("排队时间"), db_index=True)

    class Meta:
        verbose_name = _("待自动派工")
        verbose_name_plural = _("待自动派工")

    def __str__(self) -> str:
        return str(self.ticket_id)
