"""Command posts: a project's post and the people in its positions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.emergencies.choices import Position


class CommandPost(ProjectOwned):
    """A project's emergency command post (突发事件处理指挥部), seated in the control room."""

    commander = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("总指挥（项目总经理）"),
    )
    control_room_phone = models.CharField(_("中控室电话"), max_length=30, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急指挥部")
        verbose_name_plural = _("应急指挥部")
        constraints = [models.UniqueConstraint(fields=["project"], name="emergency_post_one_per_project")]

    def __str__(self) -> str:
        return str(_("应急指挥部 #%(id)s") % {"id": self.pk})


class CommandPostMember(ProjectOwned):
    """A person in a position of the command post: a group's leader, a member or a stand-in."""

    post = models.ForeignKey(CommandPost, on_delete=models.CASCADE, related_name="members")
    position = models.CharField(_("岗位/小组"), max_length=20, choices=Position.choices)
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    is_leader = models.BooleanField(_("组长"), default=False)
    is_standin = models.BooleanField(_("替补"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("指挥部成员")
        verbose_name_plural = _("指挥部成员")
        ordering = ["position", "is_standin", "-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position", "staff"], name="emergency_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.staff_id}"
