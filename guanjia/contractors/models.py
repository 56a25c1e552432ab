"""Outside firms the company works with (供应商与外包单位): suppliers of materials and contractors of
services (lifts, fire systems, cleaning, greening, security). One register per company: the stores
order from it, contracts are made with it, the equipment ledger names its maintainer from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from guanjia.contractors.choices import (
    ContractEventKind,
    ContractorCategory,
    ContractStatus,
    EscalationStep,
    RenewalDecision,
    ServiceLevelKind,
    ServiceLevelUnit,
)
from guanjia.core.models import CompanyOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet


class Contractor(CompanyOwned, SoftDeletable):
    """An outside firm: a supplier of goods, a contractor of services, or both."""

    name = models.CharField(_("单位名称"), max_length=120)
    category = models.CharField(
        _("主营类别"), max_length=16, choices=ContractorCategory.choices, default=ContractorCategory.OTHER
    )
    supplies_goods = models.BooleanField(_("供应物资"), default=False)
    provides_services = models.BooleanField(_("提供外包服务"), default=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("合作中"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("供应商/外包单位")
        verbose_name_plural = _("供应商/外包单位")
        ordering = ["company_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(deleted_at__isnull=True),
                name="contractor_name_unique",
                violation_error_message=_("已有同名单位"),
            ),
        ]
        indexes = [models.Index(fields=["company", "is_active", "name"], name="contractor_active_idx")]

    def __str__(self) -> str:
        return self.name


DEFAULT_REMINDER_DAYS = [60, 30, 7]


def default_reminder_days() -> list[int]:
    return list(DEFAULT_REMINDER_DAYS)


class ContractSettings(CompanyOwned):
    """A company's choice of how many days before a contract's end its owner is reminded."""

    reminder_days = models.JSONField(_("到期提醒提前天数"), default=default_reminder_days)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同提醒设置")
        verbose_name_plural = _("合同提醒设置")
        constraints = [models.UniqueConstraint(fields=["company"], name="contract_settings_once")]


class ContractQuerySet(ScopedQuerySet):
    """Staff of an estate see the contracts covering one of their estates (and what hangs off them);
    HQ roles see every contract of the company."""

    contract_ref = "pk"

    def for_projects(self, project_ids):
        covered = Contract.projects.through.objects.filter(
            contract_id=OuterRef(self.contract_ref), project_id__in=list(project_ids)
        )
        return self.filter(Exists(covered))


class ContractPartQuerySet(ContractQuerySet):
    contract_ref = "contract_id"


class Contract(CompanyOwned):
    """A contract with an outside firm (外包/维保合同): what it covers (estates, equipment), for how
    long, for how much, the service levels promised, who owns it inside the company, and its state.
    A renewal is a new contract (``renewed_from``) so each period keeps its own terms and evidence."""

    contractor = models.ForeignKey(
        Contractor, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("外包单位")
    )
    number = models.CharField(_("合同编号"), max_length=40)
    title = models.CharField(_("合同名称"), max_length=120)
    scope = models.TextField(_("服务范围"), blank=True, max_length=2000)
    category = models.CharField(_("类别"), max_length=16, choices=ContractorCategory.choices)
    projects = models.ManyToManyField(
        "estates.Project", related_name="+", blank=True, verbose_name=_("覆盖项目")
    )
    equipment = models.ManyToManyField(
        "facilities.Equipment", related_name="+", blank=True, verbose_name=_("覆盖设备")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    amount = models.DecimalField(_("合同金额(元)"), max_digits=12, decimal_places=2)
    payment_terms = models.TextField(_("付款方式"), blank=True, max_length=1000)
    owner = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("合同负责人")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    renewed_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
        verbose_name=_("续签自"),
    )
    decision = models.CharField(_("续签决定"), max_length=8, choices=RenewalDecision.choices, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.CharField(_("终止原因"), max_length=300, blank=True)
    # The last step of the undecided-renewal ladder taken (0 = none); the steps are ContractEscalation rows.
    escalation_step = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        ordering = ["company_id", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                name="contract_number_unique",
                violation_error_message=_("合同编号已存在"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="contract_period_order",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "ends_on"], name="contract_status_end_idx"),
            models.Index(fields=["contractor", "status"], name="contract_contractor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ServiceLevel(CompanyOwned):
    """One promise of a contract, measurable: "on site within 30 minutes", "monthly maintenance done
    by the 25th", "stairs cleaned 8 times a month"."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    kind = models.CharField(_("类型"), max_length=20, choices=ServiceLevelKind.choices)
    target = models.DecimalField(_("指标值"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=16, choices=ServiceLevelUnit.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务标准")
        verbose_name_plural = _("服务标准")
        ordering = ["contract_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gte=0), name="service_level_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} {self.get_unit_display()}"


class ContractDocument(CompanyOwned):
    """A scanned contract, an annex, an insurance certificate: a private PDF in the storage."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("标题"), max_length=100)
    file = models.CharField(_("文件"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同附件")
        verbose_name_plural = _("合同附件")
        ordering = ["contract_id", "id"]

    def __str__(self) -> str:
        return self.title


class ContractEvent(CompanyOwned):
    """A line of a contract's timeline: who did what when (drafted, activated, reminded, escalated,
    decided, renewed, ended)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=ContractEventKind.choices)
    happened_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同动态")
        verbose_name_plural = _("合同动态")
        ordering = ["contract_id", "happened_at", "id"]
        indexes = [models.Index(fields=["contract", "happened_at"], name="contract_event_idx")]


class ContractReminder(CompanyOwned):
    """One expiry reminder sent to the owner ``days_before`` the end; unique, so a job run twice or
    late reminds once."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    sent_at = models.DateTimeField(_("发送时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同到期提醒")
        verbose_name_plural = _("合同到期提醒")
        ordering = ["contract_id", "-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "days_before"], name="contract_reminder_once")
        ]


class ContractEscalation(CompanyOwned):
    """One step of the ladder climbed by a contract whose owner has not decided as its end nears."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=EscalationStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("合同到期未决升级")
        verbose_name_plural = _("合同到期未决升级")
        ordering = ["contract_id", "step"]
        constraints = [models.UniqueConstraint(fields=["contract", "step"], name="contract_escalation_once")]


class OutsourcedWorker(CompanyOwned):
    """A staff record of a person employed by an outside firm (a cleaning team member, a lift
    engineer) who does requests and planned work; the company ``supervisor`` checks their work."""

    staff_member = models.OneToOneField(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="outsourced", verbose_name=_("人员")
    )
    contractor = models.ForeignKey(
        Contractor, on_delete=models.PROTECT, related_name="workers", verbose_name=_("所属单位")
    )
    supervisor = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("公司监管人"),
        help_text=_("验收其工作的公司主管"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("外包人员")
        verbose_name_plural = _("外包人员")
        ordering = ["contractor_id", "id"]
        indexes = [models.Index(fields=["contractor"], name="outsourced_contractor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("staff_member")),
                name="outsourced_supervisor_not_self",
                violation_error_message=_("监管人不能是本人"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member_id}@{self.contractor_id}"
