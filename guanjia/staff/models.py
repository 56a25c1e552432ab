"""The company's people: who they are, where they serve, what they can do, when they are on duty."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned, SoftDeletable
from guanjia.core.roles import Role
from guanjia.core.scoping import ScopedQuerySet
from guanjia.staff.choices import Department, Weekday


class Skill(CompanyOwned):
    """A trade a technician is qualified for (水电, 电梯, 门窗, 消防 …), configurable per company."""

    name = models.CharField(_("技能"), max_length=30)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="skill_unique_per_company")]

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        serves = StaffMember.projects.through.objects.filter(
            staffmember_id=OuterRef("pk"), project_id__in=project_ids
        )
        return self.filter(Exists(serves))

    def with_role(self, role: str):
        return self.filter(Exists(StaffRole.objects.filter(staff_id=OuterRef("pk"), role=role)))


class StaffMember(CompanyOwned, SoftDeletable):
    """An employee of the company with a login, serving one or more projects."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_member",
        verbose_name=_("账号"),
    )
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    employee_no = models.CharField(_("工号"), max_length=20, blank=True)
    department = models.CharField(_("部门"), max_length=12, choices=Department.choices)
    position = models.CharField(_("岗位"), max_length=40, blank=True)
    projects = models.ManyToManyField(
        "estates.Project", related_name="staff", blank=True, verbose_name=_("服务项目")
    )
    skills = models.ManyToManyField(Skill, related_name="staff", blank=True, verbose_name=_("技能"))
    butler_buildings = models.ManyToManyField(
        "estates.Building", related_name="butlers", blank=True, verbose_name=_("管家负责楼栋")
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "employee_no"],
                condition=Q(deleted_at__isnull=True) & ~Q(employee_no=""),
                name="staff_employee_no_unique",
            )
        ]
        indexes = [models.Index(fields=["company", "department"], name="staff_company_dept_idx")]

    def __str__(self) -> str:
        return self.name


class StaffRole(CompanyOwned):
    """One role held by a staff member; permissions follow from ``core.roles``."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]
        indexes = [models.Index(fields=["company", "role"], name="staffrole_company_role_idx")]

    def __str__(self) -> str:
        return self.get_role_display()


class DutyShift(ProjectOwned):
    """A weekly duty slot: who is on duty at a project on a weekday between two times.

    A shift whose end is before its start runs past midnight (night shift 20:00–08:00).
    """

    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("员工")
    )
    weekday = models.SmallIntegerField(_("星期"), choices=Weekday.choices)
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班")
        verbose_name_plural = _("值班表")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "project", "weekday", "starts_at"], name="duty_shift_unique"
            ),
            models.CheckConstraint(condition=~Q(starts_at=models.F("ends_at")), name="duty_shift_not_empty"),
        ]
        indexes = [models.Index(fields=["project", "weekday"], name="duty_project_weekday_idx")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def covers(self, moment: datetime.datetime) -> bool:
        """Is a local (Asia/Shanghai) moment inside this shift?"""
        t, day = moment.time(), moment.weekday()
        if self.starts_at < self.ends_at:
            return day == self.weekday and self.starts_at <= t < self.ends_at
        # Overnight: the evening part on its weekday, the morning part on the next day.
        return (day == self.weekday and t >= self.starts_at) or (
            day == (self.weekday + 1) % 7 and t < self.ends_at
        )
