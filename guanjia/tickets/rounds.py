"""Follow-up calls and rounds of rework, one row each, kept when the request moves on.

A request's own fields describe only its current round: an unsatisfied call (回访不满意) or a
resident's reopen sends it back to work and clears the round's completion, and the next call
overwrites the score. The figures must still see the failed call and the rework, in the period they
happened and against whoever's work it was (docs/figures.md), so each is written here by
``tickets.followups.on_ticket_event`` in the same transaction as the action, and never changed.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet


class RoundQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.none()  # the estate's own figures, not the resident's business


class FollowUpCall(ProjectOwned):
    """One answered follow-up call (回访): when it was made, by whom, satisfied or not, the score.

    ``round`` is the round of work it judged (the request's rework count then); ``handler`` whose
    work that round was — the assignee, else whoever completed it (the desk resolving it itself).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="follow_up_calls")
    round = models.SmallIntegerField(_("轮次"), default=0)
    made_at = models.DateTimeField(_("回访时间"))
    made_by = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("回访人"),
    )
    handler = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    satisfied = models.BooleanField(_("回访满意"))
    score = models.SmallIntegerField(_("回访评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["made_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="follow_up_call_score_1_5"),
        ]
        indexes = [
            models.Index(fields=["company", "made_at"], name="follow_up_call_made_idx"),
            models.Index(fields=["handler", "made_at"], name="follow_up_call_handler_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round} {'+' if self.satisfied else '-'}{self.score}"


class ReworkReason(models.TextChoices):
    FOLLOW_UP = "follow_up", _("回访不满意")
    REOPEN = "reopen", _("业主要求返工")


class TicketRework(ProjectOwned):
    """A round of work sent back (返工): after an unsatisfied call or the resident's reopen.

    ``round`` is the new round (the request's rework count after it); ``handler`` whose work failed.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="reworks")
    round = models.SmallIntegerField(_("轮次"))
    started_at = models.DateTimeField(_("返工时间"))
    reason = models.CharField(_("返工原因"), max_length=12, choices=ReworkReason.choices)
    handler = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("返工记录")
        verbose_name_plural = _("返工记录")
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "round"], name="ticket_rework_round_once")]
        indexes = [
            models.Index(fields=["company", "started_at"], name="ticket_rework_started_idx"),
            models.Index(fields=["handler", "started_at"], name="ticket_rework_handler_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round} {self.reason}"
