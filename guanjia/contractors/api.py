"""REST resources of the contractors app: the register of firms (``/contractors``), contracts
(``/contracts``: create, change, activate, terminate, decide on renewal, renew, documents, timeline,
performance) and outsourced people (``/outsourced-workers``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import Field, File, FilterLookup, Form, Router
from ninja.files import UploadedFile

from guanjia.contractors import performance, services
from guanjia.contractors.choices import (
    ContractEventKind,
    ContractorCategory,
    ContractStatus,
    PerformancePeriod,
    RenewalDecision,
    ServiceLevelKind,
    ServiceLevelUnit,
)
from guanjia.contractors.models import Contract, Contractor, OutsourcedWorker
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.media import private_url
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404

router = Router(tags=["contractors"])


# The register of firms -----------------------------------------------------------------------------


class ContractorOut(Schema):
    id: int
    name: str
    category: ContractorCategory
    supplies_goods: bool
    provides_services: bool
    credit_code: str
    contact_name: str
    phone: str
    address: str
    note: str
    is_active: bool


class ContractorIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    category: ContractorCategory = ContractorCategory.OTHER
    supplies_goods: bool = False
    provides_services: bool = True
    credit_code: str = Field("", max_length=18)
    contact_name: str = Field("", max_length=40)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class ContractorPatch(Schema):
    name: str = Field(None, min_length=1, max_length=120)
    category: ContractorCategory = None
    supplies_goods: bool = None
    provides_services: bool = None
    credit_code: str = Field(None, max_length=18)
    contact_name: str = Field(None, max_length=40)
    phone: str = Field(None, max_length=20)
    address: str = Field(None, max_length=200)
    note: str = Field(None, max_length=2000)
    is_active: bool = Field(
        None, description="false deactivates (refused, 409, while a contract is in force)"
    )


class ContractorFilter(FilterSchema):
    category: ContractorCategory | None = None
    is_active: bool | None = None
    supplies_goods: bool | None = None
    provides_services: bool | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "contact_name__icontains"])] = Field(
        None, max_length=60
    )


register_crud(
    router,
    name="contractor",
    model=Contractor,
    out=ContractorOut,
    create_in=ContractorIn,
    update_in=ContractorPatch,
    filters=ContractorFilter,
    orderings=["name", "created_at"],
    view_perm=Perm.VIEW_CONTRACTS,
    create=services.contractor_create,
    update=services.contractor_update,
    delete=None,
)


@router.post(
    "/contractors/{int:pk}/deactivate",
    response={200: ContractorOut, **ERROR_RESPONSES},
    operation_id="contractor_deactivate",
    summary="Deactivate a contractor",
)
def contractor_deactivate(request, pk: int):
    """Stop working with a firm (kept in the register); 409 while a contract with it is in force."""
    require(request.user, Perm.VIEW_CONTRACTS)
    contractor = visible_or_404(Contractor.objects, pk, request.user)
    return services.contractor_deactivate(actor=request.user, contractor=contractor)


# Contracts -------------------------------------------------------------------------------------------


class ContractServiceLevel(Schema):
    kind: ServiceLevelKind
    target: Decimal = Field(..., ge=0, max_digits=8, decimal_places=2)
    unit: ServiceLevelUnit
    description: str = Field("", max_length=200)


class ContractDocumentOut(Schema):
    id: int
    title: str
    url: str
    uploaded_at: datetime.datetime = Field(..., alias="created_at")

    @staticmethod
    def resolve_url(obj) -> str:
        return private_url(obj.file)


class ContractOut(Schema):
    id: int
    contractor_id: int
    contractor_name: str = Field(..., alias="contractor.name")
    number: str
    title: str
    scope: str
    category: ContractorCategory
    project_ids: list[int]
    equipment_ids: list[int]
    starts_on: datetime.date
    ends_on: datetime.date
    amount: Decimal
    payment_terms: str
    owner_id: int
    status: ContractStatus
    decision: RenewalDecision | None
    decided_at: datetime.datetime | None
    terminated_on: datetime.date | None
    termination_reason: str
    renewed_from_id: int | None
    successor_id: int | None
    escalation_step: int
    service_levels: list[ContractServiceLevel]
    documents: list[ContractDocumentOut]

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return sorted(p.pk for p in obj.projects.all())

    @staticmethod
    def resolve_equipment_ids(obj) -> list[int]:
        return sorted(e.pk for e in obj.equipment.all())

    @staticmethod
    def resolve_decision(obj):
        return obj.decision or None

    @staticmethod
    def resolve_successor_id(obj) -> int | None:
        try:
            return obj.successor.pk  # select_related: no query per row
        except Contract.DoesNotExist:
            return None

    @staticmethod
    def resolve_service_levels(obj):
        return list(obj.service_levels.all())

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.all())


class ContractIn(Schema):
    contractor_id: RefId
    number: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=120)
    scope: str = Field("", max_length=2000)
    category: ContractorCategory | None = Field(None, description="default: the firm's category")
    project_ids: list[RefId] = Field(..., max_length=500)
    equipment_ids: list[RefId] = Field([], max_length=2000)
    starts_on: datetime.date
    ends_on: datetime.date = Field(..., description="on or after starts_on (else 422 naming ends_on)")
    amount: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    payment_terms: str = Field("", max_length=1000)
    owner_id: RefId = Field(..., description="the staff member who owns the contract and decides on renewal")
    service_levels: list[ContractServiceLevel] = Field([], max_length=20)


class ContractPatch(Schema):
    contractor_id: RefId = None
    number: str = Field(None, min_length=1, max_length=40)
    title: str = Field(None, min_length=1, max_length=120)
    scope: str = Field(None, max_length=2000)
    category: ContractorCategory = None
    project_ids: list[RefId] = Field(None, max_length=500)
    equipment_ids: list[RefId] = Field(None, max_length=2000)
    starts_on: datetime.date = None
    ends_on: datetime.date = None
    amount: Decimal = Field(None, ge=0, max_digits=12, decimal_places=2)
    payment_terms: str = Field(None, max_length=1000)
    owner_id: RefId = None
    service_levels: list[ContractServiceLevel] = Field(None, max_length=20)


class ContractFilter(FilterSchema):
    contractor_id: RefId | None = None
    status: ContractStatus | None = None
    category: ContractorCategory | None = None
    project_id: RefId | None = None
    expiring_within: int | None = Field(None, ge=0, le=3660, description="in force and ending within N days")
    search: Annotated[str | None, FilterLookup(["number__icontains", "title__icontains"])] = Field(
        None, max_length=60
    )

    def filter_project_id(self, value):
        return Q(projects=value) if value else Q()

    def filter_expiring_within(self, value):
        if value is None:
            return Q()
        today = timezone.localdate()
        return Q(
            status=ContractStatus.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=value),
        )


register_crud(
    router,
    name="contract",
    model=Contract,
    out=ContractOut,
    create_in=ContractIn,
    update_in=ContractPatch,
    filters=ContractFilter,
    orderings=["starts_on", "ends_on", "number", "amount"],
    view_perm=Perm.VIEW_CONTRACTS,
    create=services.contract_create,
    update=services.contract_update,
    delete=None,
    select_related=("contractor", "successor"),
    prefetch_related=("projects", "equipment", "service_levels", "documents"),
)


def _contract(request, pk):
    require(request.user, Perm.VIEW_CONTRACTS)
    return visible_or_404(Contract.objects, pk, request.user)


def _fresh(request, pk):
    return (
        Contract.objects.visible_to(request.user)
        .select_related("contractor", "successor")
        .prefetch_related("projects", "equipment", "service_levels", "documents")
        .get(pk=pk)
    )


class ContractTerminateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    on: datetime.date | None = Field(None, description="default: today")


class ContractDecideIn(Schema):
    decision: RenewalDecision
    note: str = Field("", max_length=200)


class ContractRenewIn(Schema):
    number: str | None = Field(None, min_length=1, max_length=40)
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


@router.post(
    "/contracts/{int:pk}/activate",
    response={200: ContractOut, **ERROR_RESPONSES},
    operation_id="contract_activate",
    summary="Put a draft contract in force",
)
def contract_activate(request, pk: int):
    services.contract_activate(actor=request.user, contract=_contract(request, pk))
    return _fresh(request, pk)


@router.post(
    "/contracts/{int:pk}/terminate",
    response={200: ContractOut, **ERROR_RESPONSES},
    operation_id="contract_terminate",
    summary="End a contract early",
)
def contract_terminate(request, pk: int, payload: ContractTerminateIn):
    services.contract_terminate(
        actor=request.user, contract=_contract(request, pk), reason=payload.reason, on=payload.on
    )
    return _fresh(request, pk)


@router.post(
    "/contracts/{int:pk}/decide",
    response={200: ContractOut, **ERROR_RESPONSES},
    operation_id="contract_decide",
    summary="Decide on renewal",
)
def contract_decide(request, pk: int, payload: ContractDecideIn):
    """The owner's answer to the expiry reminders: ``renew`` (a successor draft is made) or ``end``."""
    services.contract_decide(
        actor=request.user, contract=_contract(request, pk), decision=payload.decision, note=payload.note
    )
    return _fresh(request, pk)


@router.post(
    "/contracts/{int:pk}/renew",
    response={201: ContractOut, **ERROR_RESPONSES},
    operation_id="contract_renew",
    summary="Renew a contract",
)
def contract_renew(request, pk: int, payload: ContractRenewIn):
    """A successor draft for the next period, linked to this contract (once; else 409)."""
    successor = services.contract_renew(
        actor=request.user, contract=_contract(request, pk), data=payload.model_dump(exclude_none=True)
    )
    return 201, _fresh(request, successor.pk)


@router.post(
    "/contracts/{int:pk}/documents",
    response={201: ContractDocumentOut, **ERROR_RESPONSES},
    operation_id="contract_document_add",
    summary="Attach a PDF to a contract",
)
def contract_document_add(request, pk: int, file: UploadedFile = File(...), title: str = Form("")):
    return 201, services.contract_add_document(
        actor=request.user, contract=_contract(request, pk), upload=file, title=title
    )


class ContractEventOut(Schema):
    kind: ContractEventKind
    happened_at: datetime.datetime
    actor_id: int | None
    note: str


@router.get(
    "/contracts/{int:pk}/timeline",
    response={200: list[ContractEventOut], **ERROR_RESPONSES},
    operation_id="contract_timeline",
    summary="A contract's timeline",
)
def contract_timeline(request, pk: int):
    """Drafted, activated, reminded, escalated, decided, renewed, ended — oldest first."""
    return list(_contract(request, pk).events.order_by("happened_at", "id"))


class ContractPeriodOut(Schema):
    label: str
    start: datetime.date
    end: datetime.date = Field(..., description="exclusive")
    deadlines_judged: int
    deadlines_on_time: int
    deadline_rate: Decimal | None = Field(None, description="per cent")
    tasks_due: int
    tasks_on_time: int
    tasks_open: int
    task_rate: Decimal | None = Field(None, description="per cent")
    audits: int
    audit_mean: Decimal | None
    audit_min: Decimal | None
    audit_failed_lines: int


@router.get(
    "/contracts/{int:pk}/performance",
    response={200: list[ContractPeriodOut], **ERROR_RESPONSES},
    operation_id="contract_performance",
    summary="A contractor's performance under a contract",
)
def contract_performance(request, pk: int, period: PerformancePeriod = PerformancePeriod.MONTH):
    """Per month or quarter of the contract's life (newest first, at most 12): on-time rates of the
    requests and planned work of the contract, and the quality audits of its estates (docs/figures.md)."""
    return performance.contract_performance(_contract(request, pk), request.user, period=period)


# The company's reminder days ------------------------------------------------------------------------


class ContractSettingsOut(Schema):
    reminder_days: list[int] = Field(..., description="days before a contract's end, largest first")


class ContractSettingsIn(Schema):
    reminder_days: list[int] = Field(
        ..., min_length=1, max_length=5, description="1 to 5 distinct days, each 1–365 before the end"
    )


@router.get(
    "/contract-settings",
    response={200: ContractSettingsOut, **ERROR_RESPONSES},
    operation_id="contract_settings_get",
    summary="The company's contract reminder days",
)
def contract_settings_get(request):
    require(request.user, Perm.VIEW_CONTRACTS)
    return {"reminder_days": services.reminder_days(scope_for(request.user).company_id)}


@router.put(
    "/contract-settings",
    response={200: ContractSettingsOut, **ERROR_RESPONSES},
    operation_id="contract_settings_set",
    summary="Set the company's contract reminder days (HQ only)",
)
def contract_settings_set(request, payload: ContractSettingsIn):
    row = services.reminder_days_set(actor=request.user, days=payload.reminder_days)
    return {"reminder_days": row.reminder_days}


# Outsourced people ------------------------------------------------------------------------------------


class OutsourcedWorkerOut(Schema):
    id: int
    staff_member_id: int
    staff_member_name: str = Field(..., alias="staff_member.name")
    contractor_id: int
    supervisor_id: int | None
    note: str


class OutsourcedWorkerIn(Schema):
    staff_member_id: RefId
    contractor_id: RefId
    supervisor_id: RefId | None = Field(None, description="the company supervisor who checks their work")
    note: str = Field("", max_length=200)


class OutsourcedWorkerFilter(FilterSchema):
    contractor_id: RefId | None = None
    supervisor_id: RefId | None = None


register_crud(
    router,
    name="outsourced_worker",
    plural="outsourced-workers",
    model=OutsourcedWorker,
    out=OutsourcedWorkerOut,
    create_in=OutsourcedWorkerIn,
    update_in=None,
    filters=OutsourcedWorkerFilter,
    orderings=["created_at"],
    view_perm=Perm.VIEW_CONTRACTS,
    create=services.worker_link,
    update=None,
    delete=lambda *, actor, outsourced_worker: services.worker_unlink(actor=actor, worker=outsourced_worker),
    select_related=("staff_member",),
)
