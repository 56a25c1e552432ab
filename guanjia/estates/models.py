"""The estates a company manages and the people who live in them.

Company → Project (estate) → Building → Unit ← Occupancy → Resident.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.cache import SharedCacheQuerySet
from guanjia.core.models import CompanyOwned, ProjectOwned, SoftDeletable
from guanjia.core.naturalsort import MAX_LENGTH, natural_key
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.choices import ContactPreference, ProjectKind, Relation, UnitStatus


def _active_occupancies(resident_id):
    return Occupancy.objects.filter(resident_id=resident_id).current()


class ProjectQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        return self.filter(id__in=project_ids)

    def for_resident(self, scope):
        return self.filter(id__in=_active_occupancies(scope.resident_id).values("project_id"))


class Project(CompanyOwned):
    """An estate (项目): a residential 小区, an office tower or a commercial property."""

    name = models.CharField(_("项目名称"), max_length=100)
    code = models.CharField(_("项目编码"), max_length=8, help_text=_("单号前缀，如 JY"))
    kind = models.CharField(
        _("类型"), max_length=12, choices=ProjectKind.choices, default=ProjectKind.RESIDENTIAL
    )
    city = models.CharField(_("城市"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    service_phone = models.CharField(_("服务电话"), max_length=20, blank=True)

    objects = ProjectQuerySet.as_manager()
    scope_project_field = "id"

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="project_code_unique_per_company"),
            models.UniqueConstraint(fields=["company", "name"], name="project_name_unique_per_company"),
        ]

    def __str__(self) -> str:
        return self.name


class NaturallySorted(models.Model):
    """A record listed in the natural order of its name (1栋, 2栋, 10栋): ``sort_key`` is
    ``natural_key`` of the field named by ``sort_key_of``, kept by every write — ``save`` and the
    querysets' ``bulk_create`` / ``bulk_update`` — so no list ever sorts "10栋" before "2栋"."""

    sort_key = models.CharField(_("排序键"), max_length=MAX_LENGTH, blank=True, editable=False)

    sort_key_of = "name"
    journal_exclude = ("updated_at", "sort_key")  # derived from the name: journaling would only repeat it

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_sort_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.sort_key_of in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)

    def fill_sort_key(self) -> None:
        self.sort_key = natural_key(getattr(self, self.sort_key_of) or "")


class NaturallySortedQuerySet(ScopedQuerySet):
    """Bulk writes keep the natural sort key too (imports and the demo create in bulk)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_sort_key()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if self.model.sort_key_of in fields:
            for obj in objs:
                obj.fill_sort_key()
            fields = [*fields, "sort_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class BuildingQuerySet(NaturallySortedQuerySet):
    def for_resident(self, scope):
        units = Unit.objects.filter(id__in=_active_occupancies(scope.resident_id).values("unit_id"))
        return self.filter(id__in=units.values("building_id"))


class Building(NaturallySorted, ProjectOwned):
    """A building (楼栋) of a project, listed in natural order of its name (1栋, 2栋, 10栋)."""

    name = models.CharField(_("楼栋名称"), max_length=40)
    floors_above = models.SmallIntegerField(_("地上层数"), default=1, validators=[MinValueValidator(0)])
    floors_below = models.SmallIntegerField(_("地下层数"), default=0, validators=[MinValueValidator(0)])
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["project_id", "sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="building_name_unique_per_project"),
        ]
        indexes = [models.Index(fields=["project", "sort_key"], name="building_natural_order_idx")]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(NaturallySortedQuerySet):
    def for_resident(self, scope):
        return self.filter(id__in=_active_occupancies(scope.resident_id).values("unit_id"))


# How units are listed everywhere: by project, building (natural order of its name), floor, then number in
# natural order (101, 201, 1001). ``unit_order("unit__")`` orders the rows of a unit's records.
UNIT_ORDER = ("project_id", "building__sort_key", "building_id", "floor", "sort_key", "id")


def unit_order(prefix: str = "") -> tuple[str, ...]:
    return tuple(prefix + field for field in UNIT_ORDER)


class Unit(NaturallySorted, ProjectOwned, SoftDeletable):
    """A unit (房屋): a flat, an office or a shop, in one building; listed by ``UNIT_ORDER``."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋")
    )
    floor = models.SmallIntegerField(_("楼层"))
    number = models.CharField(_("房号"), max_length=20)
    area = models.DecimalField(
        _("建筑面积(㎡)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    status = models.CharField(_("状态"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.VACANT)

    objects = UnitQuerySet.as_manager()
    sort_key_of = "number"

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = list(UNIT_ORDER)
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"],
                condition=Q(deleted_at__isnull=True),
                name="unit_number_unique_per_building",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="unit_project_status_idx"),
            models.Index(fields=["company", "number"], name="unit_company_number_idx"),
            # "103" / "1栋-103" asked from a request or an occupancy: the number alone leads.
            models.Index(fields=["number"], name="unit_number_idx"),
            models.Index(fields=["building", "floor", "sort_key"], name="unit_natural_order_idx"),
        ]

    def __str__(self) -> str:
        # Only use the building when it is already loaded: __str__ must never cost a query.
        if "building" in self._state.fields_cache:
            return f"{self.building.name}-{self.number}"
        return self.number


class ResidentQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        lives_there = Occupancy.objects.filter(resident_id=OuterRef("pk"), project_id__in=project_ids)
        return self.filter(Q(project_id__in=project_ids) | Exists(lives_there))

    def for_resident(self, scope):
        return self.filter(id=scope.resident_id)


class Resident(ProjectOwned, SoftDeletable):
    """A person who owns, rents or lives in a unit (业主 / 住户). ``project`` is where they were registered."""

    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("手机号"), max_length=20)
    # The last four digits, kept by the database itself (every write path, bulk ones too): callers
    # often give only these ("尾号 5678"), and the desk finds them through an index, not a scan.
    phone_tail = models.GeneratedField(
        expression=Right("phone", 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        verbose_name=_("手机尾号"),
    )
    email = models.EmailField(_("邮箱"), blank=True)
    contact_preference = models.CharField(
        _("联系方式偏好"), max_length=10, choices=ContactPreference.choices, default=ContactPreference.PHONE
    )
    preferred_call_times = models.CharField(
        _("方便接听时间"), max_length=100, blank=True, help_text=_("如：工作日 18:00-20:00")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
        verbose_name=_("业主端账号"),
    )

    objects = ResidentQuerySet.as_manager()
    # Derived from the phone by the database: journaling it would only repeat (and re-read) it.
    journal_exclude = ("updated_at", "phone_tail")

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "phone"],
                condition=Q(deleted_at__isnull=True),
                name="resident_phone_unique_per_company",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "project", "name"], name="resident_project_name_idx"),
            # "尾号 5678": the residents with those last four digits, by the tail first (a request
            # search asks across the user's scope, not one company column).
            models.Index(fields=["phone_tail", "company"], name="resident_phone_tail_idx"),
            # The list's order (name, id) for the residents not deleted: a page of a big list is
            # read in order from here, not sorted from every row (issue 23).
            models.Index(
                fields=["company", "name", "id"],
                condition=Q(deleted_at__isnull=True),
                name="resident_live_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# What a household member may do in the portal for a unit (``Occupancy.may_<what>``).
OCCUPANCY_RIGHTS = ("report", "pay", "vote")


class OccupancyQuerySet(SharedCacheQuerySet):
    def for_resident(self, scope):
        # A resident sees only the ties that hold today: a moved-out or past tenancy leaves the portal.
        return self.filter(resident_id=scope.resident_id).current()

    def current(self):
        """The ties that hold now: started, not past their last day, not ended early (move-out or
        revocation today ends one at once, ``ended_at``, though ``end_on`` — its last day — is today)."""
        today = timezone.localdate()
        return self.filter(start_on__lte=today, ended_at__isnull=True).filter(
            Q(end_on__isnull=True) | Q(end_on__gte=today)
        )

    def allowing(self, what: str):
        """Ties whose resident may ``what`` (one of ``OCCUPANCY_RIGHTS``) for the unit."""
        if what not in OCCUPANCY_RIGHTS:
            raise ValueError(f"unknown occupancy right {what!r}")
        return self.filter(**{f"may_{what}": True})


class Occupancy(ProjectOwned):
    """A resident's tie to a unit: owner, tenant or family member, from a date, until a date."""

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("住户")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("房屋")
    )
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices, default=Relation.OWNER)
    start_on = models.DateField(_("起始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("最后一天（含）"))
    # Set when the tie is ended before its time (move-out, an owner revoking a member): portal access
    # to the unit goes at that moment; ``end_on`` keeps the last day for the history and the figures.
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    # What the person may do for this unit in the portal. Owners may everything; family members and
    # tenants what the owner who invited them chose (``invited_by``).
    may_report = models.BooleanField(_("可报事报修"), default=True)
    may_pay = models.BooleanField(_("可缴费"), default=True)
    may_vote = models.BooleanField(_("可参与业主表决"), default=True)
    invited_by = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("邀请人"),
    )

    objects = OccupancyQuerySet.as_manager()
    shared_cache = ("occupied_spans", "company_id")  # selectors.households_on_days

    class Meta:
        verbose_name = _("入住关系")
        verbose_name_plural = _("入住关系")
        ordering = ["-start_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "unit", "relation"],
                condition=Q(end_on__isnull=True),
                name="occupancy_open_unique",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="occupancy_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "end_on"], name="occupancy_unit_end_idx"),
            # A page's residents' ties (``resident_id IN (…)`` within the company) and "does this
            # resident live in the project": a few probes, where the company index alone made
            # SQLite walk every tie of the company.
            models.Index(fields=["company", "resident", "project"], name="occupancy_resident_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.unit_id} ({self.get_relation_display()})"

    @property
    def is_current(self) -> bool:
        """Holds today (``OccupancyQuerySet.current`` for one row)."""
        today = timezone.localdate()
        return (
            self.ended_at is None and self.start_on <= today and (self.end_on is None or self.end_on >= today)
        )
