"""Owners' votes (业主表决): a question put to the owners of a project, its electorate frozen when
it opens (``VoteElector``: each unit with its area and the head it counts for; ``VoteVoter``: who
may cast the unit's ballot), and one ``Ballot`` per unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.committee.choices import SPECIAL_MATTERS_HELP, BallotChannel, BallotChoice, VoteStatus
from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet


def _voter_of(scope):
    return VoteVoter.objects.filter(resident_id=scope.resident_id)


class VoteQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        # The votes a resident was frozen into the electorate of (as an owner or an owner's delegate).
        return self.exclude(status=VoteStatus.DRAFT).filter(
            id__in=_voter_of(scope).values("elector__vote_id")
        )


class Vote(ProjectOwned):
    """A question put to the owners of a project (业主共同决定事项): drafted, opened for ballots
    between ``starts_at`` and ``ends_at``, closed with a result counted by head and by area under
    the Civil Code art. 278 (``committee.counting``)."""

    title = models.CharField(_("表决事项"), max_length=120)
    question = models.TextField(_("表决内容"), max_length=5000)
    special_matter = models.BooleanField(
        _("特别事项（须四分之三同意）"), default=False, help_text=SPECIAL_MATTERS_HELP
    )
    status = models.CharField(_("状态"), max_length=10, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("截止时间"))
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The count as it stood when the vote closed (``counting.Tally.as_dict``): what the page explains.
    result = models.JSONField(_("表决结果"), null=True, blank=True)
    passed = models.BooleanField(_("是否通过"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="vote_ends_after_start",
                violation_error_message=_("截止时间必须晚于开始时间"),
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="vote_status_end_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def accepting(self) -> bool:
        now = timezone.now()
        return self.status == VoteStatus.OPEN and self.starts_at <= now < self.ends_at


class ElectorQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(id__in=_voter_of(scope).values("elector_id"))


class VoteElector(ProjectOwned):
    """A unit of a vote's frozen electorate: its exclusive area (专有部分面积) and the head (业主)
    it counts for when the vote opened. Units owned by the same person share a head; units with no
    owner on record count together as one head (the developer's unsold units)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    unit_label = models.CharField(_("房号"), max_length=60)
    area = models.DecimalField(_("专有部分面积(㎡)"), max_digits=9, decimal_places=2)
    head = models.CharField(_("计人数归属"), max_length=20)
    owners = models.CharField(_("业主"), max_length=200, blank=True)

    objects = ElectorQuerySet.as_manager()
    journal_exclude = ("updated_at",)

    class Meta:
        verbose_name = _("表决房屋（冻结）")
        verbose_name_plural = _("表决房屋（冻结）")
        ordering = ["vote_id", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "unit"], name="vote_elector_once_per_unit")]

    def __str__(self) -> str:
        return self.unit_label


class VoteVoter(models.Model):
    """Who may cast a frozen unit's ballot: its owners, and family members an owner gave the vote
    (``Occupancy.may_vote``) — never a tenant. Part of the frozen electorate (written once, in bulk,
    when the vote opens; the elector rows are journaled)."""

    elector = models.ForeignKey(VoteElector, on_delete=models.CASCADE, related_name="voters")
    resident = models.ForeignKey("estates.Resident", on_delete=models.PROTECT, related_name="+")
    is_owner = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("有表决权人")
        verbose_name_plural = _("有表决权人")
        constraints = [models.UniqueConstraint(fields=["elector", "resident"], name="vote_voter_once")]
        indexes = [models.Index(fields=["resident", "elector"], name="vote_voter_resident_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.elector_id}"


class BallotQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        # A household sees its own unit's ballot.
        return self.filter(elector_id__in=_voter_of(scope).values("elector_id"))


class Ballot(ProjectOwned):
    """The one ballot of a unit in a vote: cast on the portal by someone who may, or recorded at
    the desk from a signed paper ballot (with its scan). Never changed, never cast twice."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    elector = models.OneToOneField(VoteElector, on_delete=models.PROTECT, related_name="ballot")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    choice = models.CharField(_("意见"), max_length=10, choices=BallotChoice.choices)
    channel = models.CharField(_("方式"), max_length=10, choices=BallotChannel.choices)
    cast_by = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("投票人")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    scan = models.CharField(_("表决票扫描件"), max_length=200, blank=True)
    cast_at = models.DateTimeField(_("投票时间"))

    objects = BallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["vote_id", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "unit"],
                name="ballot_once_per_unit",
                violation_error_message=_("该房屋已投票，不能重复投票或更改"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}@{self.unit_id}"
