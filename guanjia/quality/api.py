"""REST resources of quality: checklists, audits and their results, non-conformances, corrective actions."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from ninja import Field, File, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import (
    ERROR_RESPONSES,
    FilterSchema,
    Pagination,
    RefId,
    Schema,
    check_if_match,
    etag,
    register_crud,
)
from guanjia.core.roles import Perm, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.quality import services
from guanjia.quality.choices import (
    AuditKind,
    AuditStatus,
    CaAction,
    CaStatus,
    Frequency,
    Method,
    NcStatus,
    Outcome,
)
from guanjia.quality.models import (
    Audit,
    AuditPlan,
    AuditResult,
    ChecklistItem,
    ChecklistTemplate,
    CorrectiveAction,
    NonConformance,
)

router = Router(tags=["quality"])


def _view(request):
    require(request.user, Perm.VIEW_QUALITY)


# Checklists ---------------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    key: str
    section: str
    standard: str
    methods: list[str]
    frequency: Frequency
    sample: str
    check: str
    criterion: str
    weight: Decimal
    physical: bool

    @staticmethod
    def resolve_section(obj) -> str:
        return obj.section.title

    @staticmethod
    def resolve_check(obj) -> str:
        return obj.check_method


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    version: int
    source: str
    is_active: bool


class TemplateDetailOut(TemplateOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return obj.items.select_related("section").order_by("section__position", "position")


class RowIn(Schema):
    section: str = Field(..., min_length=1, max_length=60)
    standard: str = Field(..., min_length=1, max_length=2000)
    methods: list[Method] = Field(..., min_length=1)
    frequency: Frequency
    sample: str = Field("", max_length=40)
    check: str = Field(..., min_length=1, max_length=2000)
    criterion: str = Field(..., min_length=1, max_length=2000)
    weight: Decimal = Field(Decimal("1"), ge=0, le=999, decimal_places=2)
    physical: bool = False


class TemplateIn(Schema):
    code: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,40}$")
    name: str = Field(..., min_length=1, max_length=100)
    rows: list[RowIn] = Field(..., min_length=1, max_length=1000)


class CopyIn(Schema):
    code: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,40}$")
    name: str = Field(..., min_length=1, max_length=100)


class ItemPatchIn(Schema):
    standard: str | None = Field(None, min_length=1, max_length=2000)
    methods: list[Method] | None = Field(None, min_length=1)
    frequency: Frequency | None = None
    sample: str | None = Field(None, max_length=40)
    check: str | None = Field(None, min_length=1, max_length=2000)
    criterion: str | None = Field(None, min_length=1, max_length=2000)
    weight: Decimal | None = Field(None, ge=0, le=999, decimal_places=2)
    physical: bool | None = None


@router.get(
    "/audit-templates",
    response={200: list[TemplateOut], **ERROR_RESPONSES},
    operation_id="audit_template_list",
)
@paginate(Pagination)
def template_list(request, active: bool | None = None):
    """Checklists of the company, every version."""
    _view(request)
    qs = ChecklistTemplate.objects.visible_to(request.user)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


@router.get(
    "/audit-templates/{int:pk}",
    response={200: TemplateDetailOut, **ERROR_RESPONSES},
    operation_id="audit_template_get",
)
def template_get(request, pk: int):
    _view(request)
    return visible_or_404(ChecklistTemplate.objects, pk, request.user)


@router.post(
    "/audit-templates",
    response={201: TemplateDetailOut, **ERROR_RESPONSES},
    operation_id="audit_template_create",
)
def template_create(request, payload: TemplateIn):
    """A new checklist (version 1) from rows with the seed table's columns."""
    rows = [r.model_dump() for r in payload.rows]
    return 201, services.template_create(actor=request.user, code=payload.code, name=payload.name, rows=rows)


@router.post(
    "/audit-templates/{int:pk}/copy",
    response={201: TemplateDetailOut, **ERROR_RESPONSES},
    operation_id="audit_template_copy",
)
def template_copy(request, pk: int, payload: CopyIn):
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    return 201, services.template_copy(
        actor=request.user, template=template, code=payload.code, name=payload.name
    )


@router.post(
    "/audit-templates/{int:pk}/revise",
    response={201: TemplateDetailOut, **ERROR_RESPONSES},
    operation_id="audit_template_revise",
)
def template_revise(request, pk: int):
    """A new version of the checklist (audits keep the version they used)."""
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    return 201, services.template_revise(actor=request.user, template=template)


@router.patch(
    "/audit-templates/{int:pk}/items/{int:item_pk}",
    response={200: ItemOut, **ERROR_RESPONSES},
    operation_id="audit_template_item_update",
)
def template_item_update(request, pk: int, item_pk: int, payload: ItemPatchIn):
    """Edit one row of a version no audit has used yet (409 once used: revise first)."""
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    item = visible_or_404(ChecklistItem.objects.filter(template=template), item_pk, request.user)
    return services.template_item_update(
        actor=request.user, item=item, data=payload.model_dump(exclude_unset=True)
    )


@router.get(
    "/audit-templates/{int:pk}/xlsx",
    operation_id="audit_template_export",
    response={200: None, **ERROR_RESPONSES},
)
def template_export(request, pk: int):
    """The checklist as .xlsx with the seed table's columns (import takes the same file)."""
    from guanjia.quality.exporting import template_xlsx

    _view(request)
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    return HttpResponse(
        template_xlsx(template),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# Audit plans ----------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    project_id: int
    template_id: int
    template_name: str = Field(..., alias="template.name")
    template_version: int = Field(..., alias="template.version")
    kind: AuditKind
    auditor_id: int
    auditor_name: str = Field(..., alias="auditor.name")
    frequencies: list[Frequency] = Field(description="空 = 核查表的全部频率")
    is_active: bool


class PlanIn(Schema):
    project_id: RefId
    template_id: RefId
    kind: AuditKind = AuditKind.OPEN
    auditor_id: RefId = Field(description="总部品质部人员、管理员，或被授权此项目的第三方核查员")
    frequencies: list[Frequency] = Field(
        default_factory=list, max_length=3, description="空 = 核查表的全部频率"
    )


class PlanPatch(Schema):
    template_id: RefId = None
    kind: AuditKind = None
    auditor_id: RefId = None
    frequencies: list[Frequency] = Field(None, max_length=3)
    is_active: bool = None


class PlanFilter(FilterSchema):
    project_id: RefId | None = None
    kind: AuditKind | None = None
    is_active: bool | None = None


# Which projects are audited against which checklist, how and by whom; the periodic planner makes
# each period's audits from the active plans. Deleting removes the audits not started yet and
# deactivates a plan that has audits under way or done.
register_crud(
    router,
    name="audit_plan",
    plural="audit-plans",
    model=AuditPlan,
    out=PlanOut,
    create_in=PlanIn,
    update_in=PlanPatch,
    filters=PlanFilter,
    orderings=["id", "created_at"],
    view_perm=Perm.VIEW_QUALITY,
    create=services.plan_create,
    update=lambda *, actor, audit_plan, data: services.plan_update(actor=actor, plan=audit_plan, data=data),
    delete=lambda *, actor, audit_plan: services.plan_delete(actor=actor, plan=audit_plan),
    select_related=("template", "auditor"),
)


# Audits ---------------------------------------------------------------------------------------------


class AuditOut(Schema):
    id: int
    number: str
    project_id: int
    template_id: int
    template_version: int
    kind: AuditKind
    frequency: str
    period_start: datetime.date | None
    due_date: datetime.date | None
    auditor_id: int
    auditor_name: str
    status: AuditStatus
    started_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    score: Decimal | None
    summary: str

    @staticmethod
    def resolve_template_version(obj) -> int:
        return obj.template.version

    @staticmethod
    def resolve_auditor_name(obj) -> str:
        return obj.auditor.name


class SectionScoreOut(Schema):
    title: str
    score: Decimal | None
    passed: int
    failed: int
    na: int


class AuditDetailOut(AuditOut):
    sections: list[SectionScoreOut]

    @staticmethod
    def resolve_sections(obj):
        return services.section_scores(obj)


class AuditFilter(FilterSchema):
    project_id: RefId | None = None
    status: AuditStatus | None = None
    kind: AuditKind | None = None
    auditor: str | None = Field(None, pattern=r"^(me|\d{1,18})$", description="me 或员工 id")

    def filter_auditor(self, value):
        return Q()


class AuditIn(Schema):
    project_id: RefId
    template_id: RefId
    kind: AuditKind = AuditKind.OPEN
    auditor_id: RefId | None = None


class SubmitIn(Schema):
    summary: str = Field("", max_length=2000)


def _audits(request):
    _view(request)
    return Audit.objects.visible_to(request.user).select_related("template", "auditor")


@router.get("/audits", response={200: list[AuditOut], **ERROR_RESPONSES}, operation_id="audit_list")
@paginate(Pagination)
def audit_list(request, filters: AuditFilter = Query(...)):
    """Audits the user may see (mystery audits only once submitted, for the estate's staff)."""
    qs = filters.filter(_audits(request))
    if filters.auditor:
        staff_id = scope_for(request.user).staff_id if filters.auditor == "me" else int(filters.auditor)
        qs = qs.filter(auditor_id=staff_id or -1)
    return qs.order_by("-created_at", "-id")


@router.get("/audits/{int:pk}", response={200: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_get")
def audit_get(request, pk: int, response: HttpResponse):
    audit = visible_or_404(_audits(request), pk, request.user)
    response["ETag"] = etag(audit)
    return audit


@router.post("/audits", response={201: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_create")
def audit_create(request, payload: AuditIn):
    """An audit outside the plan, of every item of the checklist."""
    audit = services.audit_create(actor=request.user, data=payload.model_dump())
    return 201, _audits(request).get(pk=audit.pk)


@router.post(
    "/audits/{int:pk}/submit", response={200: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_submit"
)
def audit_submit(request, pk: int, payload: SubmitIn):
    """Lock the results, score, and raise a non-conformance per failed item. 409 if already submitted."""
    audit = visible_or_404(_audits(request), pk, request.user)
    services.audit_submit(actor=request.user, audit=audit, summary=payload.summary)
    return _audits(request).get(pk=pk)


class PhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str

    @staticmethod
    def resolve_url(obj) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(obj.image)

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(obj.thumbnail)


class ResultOut(Schema):
    id: int
    item_id: int
    key: str
    section: str
    standard: str
    check: str
    criterion: str
    outcome: str
    sample_taken: str
    note: str
    recorded_at: datetime.datetime | None
    photos: list[PhotoOut]

    @staticmethod
    def resolve_key(obj) -> str:
        return obj.item.key

    @staticmethod
    def resolve_section(obj) -> str:
        return obj.item.section.title

    @staticmethod
    def resolve_standard(obj) -> str:
        return obj.item.standard

    @staticmethod
    def resolve_check(obj) -> str:
        return obj.item.check_method

    @staticmethod
    def resolve_criterion(obj) -> str:
        return obj.item.criterion

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())


class ResultIn(Schema):
    outcome: Outcome | None = None
    sample_taken: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=2000)


def _results(request, audit):
    return (
        AuditResult.objects.visible_to(request.user)
        .filter(audit=audit)
        .select_related("item__section")
        .prefetch_related("photos")
    )


@router.get(
    "/audits/{int:pk}/results",
    response={200: list[ResultOut], **ERROR_RESPONSES},
    operation_id="audit_results",
)
def audit_results(request, pk: int):
    """Every item's result, in checklist order."""
    audit = visible_or_404(_audits(request), pk, request.user)
    return list(_results(request, audit))


@router.patch(
    "/audits/{int:pk}/results/{int:result_pk}",
    response={200: ResultOut, **ERROR_RESPONSES},
    operation_id="audit_result_update",
)
def audit_result_update(request, pk: int, result_pk: int, payload: ResultIn):
    """Save one item's result (the auditor, while the audit is not submitted; 409 after)."""
    audit = visible_or_404(_audits(request), pk, request.user)
    result = visible_or_404(_results(request, audit), result_pk, request.user)
    data = payload.model_dump(exclude_unset=True)
    if data.get("outcome") is None:
        data.pop("outcome", None)
    services.audit_record(actor=request.user, result=result, data=data)
    return _results(request, audit).get(pk=result_pk)


@router.post(
    "/audits/{int:pk}/results/{int:result_pk}/photos",
    response={201: PhotoOut, **ERROR_RESPONSES},
    operation_id="audit_result_add_photo",
)
def audit_result_photo(request, pk: int, result_pk: int, file: UploadedFile = File(...)):
    """JPEG, PNG or WebP; location data (EXIF) removed, thumbnail made."""
    audit = visible_or_404(_audits(request), pk, request.user)
    result = visible_or_404(_results(request, audit), result_pk, request.user)
    return 201, services.result_add_photo(actor=request.user, result=result, upload=file)


# Non-conformances and corrective actions ---------------------------------------------------------------


class ActionOut(Schema):
    id: int
    nonconformance_id: int
    owner_id: int
    owner_name: str
    instruction: str
    deadline: datetime.datetime
    status: CaStatus
    round: int
    done_note: str
    done_at: datetime.datetime | None
    reject_reason: str
    closed_at: datetime.datetime | None
    overdue: bool
    escalation_step: int
    allowed_actions: list[str]

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from django.utils import timezone

        return obj.status in (CaStatus.ASSIGNED, CaStatus.REJECTED) and obj.deadline < timezone.now()

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return services.ca_allowed_actions(obj, context["request"].user)


class NcOut(Schema):
    id: int
    number: str
    project_id: int
    audit_id: int
    item_key: str
    standard: str
    evidence: str
    status: NcStatus
    raised_at: datetime.datetime
    closed_at: datetime.datetime | None
    recurring: bool
    recurrence_of_id: int | None
    root_cause: str
    preventive_action: str
    ticket_id: int | None
    action: ActionOut | None

    @staticmethod
    def resolve_standard(obj) -> str:
        return obj.item.standard

    @staticmethod
    def resolve_action(obj):
        return getattr(obj, "action", None)


class NcFilter(FilterSchema):
    project_id: RefId | None = None
    audit_id: RefId | None = None
    status: NcStatus | None = None
    recurring: bool | None = None


def _ncs(request):
    _view(request)
    return NonConformance.objects.visible_to(request.user).select_related(
        "item", "action__owner", "action__nonconformance__audit"
    )


@router.get(
    "/nonconformances", response={200: list[NcOut], **ERROR_RESPONSES}, operation_id="nonconformance_list"
)
@paginate(Pagination)
def nc_list(request, filters: NcFilter = Query(...)):
    return filters.filter(_ncs(request))


@router.get(
    "/nonconformances/{int:pk}", response={200: NcOut, **ERROR_RESPONSES}, operation_id="nonconformance_get"
)
def nc_get(request, pk: int):
    return visible_or_404(_ncs(request), pk, request.user)


class AssignIn(Schema):
    owner_id: RefId
    deadline: datetime.datetime
    instruction: str = Field("", max_length=2000)


class PreventIn(Schema):
    root_cause: str = Field(..., max_length=2000)
    preventive_action: str = Field(..., max_length=2000)


class TicketIn(Schema):
    location: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


@router.post(
    "/nonconformances/{int:pk}/assign",
    response={201: ActionOut, **ERROR_RESPONSES},
    operation_id="nonconformance_assign",
)
def nc_assign(request, pk: int, payload: AssignIn):
    """The project manager (or HQ quality) assigns the corrective action: owner and deadline."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    action = services.nc_assign(actor=request.user, nc=nc, data=payload.model_dump())
    return 201, _actions(request).get(pk=action.pk)


@router.post(
    "/nonconformances/{int:pk}/prevent",
    response={200: NcOut, **ERROR_RESPONSES},
    operation_id="nonconformance_prevent",
)
def nc_prevent(request, pk: int, payload: PreventIn):
    """Root cause and preventive action (预防措施) of a recurring non-conformance."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    services.nc_prevent(actor=request.user, nc=nc, data=payload.model_dump())
    return _ncs(request).get(pk=pk)


@router.post(
    "/nonconformances/{int:pk}/ticket",
    response={201: NcOut, **ERROR_RESPONSES},
    operation_id="nonconformance_raise_ticket",
)
def nc_ticket(request, pk: int, payload: TicketIn):
    """Raise a public-area repair request (channel: audit) for a physical defect, linked both ways."""
    nc = visible_or_404(_ncs(request), pk, request.user)
    services.nc_raise_ticket(actor=request.user, nc=nc, data=payload.model_dump())
    return 201, _ncs(request).get(pk=pk)


class ActIn(Schema):
    done_note: str = Field("", max_length=2000)
    root_cause: str = Field("", max_length=2000)
    preventive_action: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000)
    deadline: datetime.datetime | None = None


def _actions(request):
    _view(request)
    return CorrectiveAction.objects.visible_to(request.user).select_related("owner", "nonconformance__audit")


@router.get(
    "/corrective-actions",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    operation_id="corrective_action_list",
)
@paginate(Pagination)
def ca_list(request, status: CaStatus | None = None, mine: bool | None = None, overdue: bool | None = None):
    from django.utils import timezone

    qs = _actions(request)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(owner_id=scope_for(request.user).staff_id or -1)
    if overdue:
        qs = qs.filter(status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], deadline__lt=timezone.now())
    return qs


@router.get(
    "/corrective-actions/{int:pk}",
    response={200: ActionOut, **ERROR_RESPONSES},
    operation_id="corrective_action_get",
)
def ca_get(request, pk: int, response: HttpResponse):
    action = visible_or_404(_actions(request), pk, request.user)
    response["ETag"] = etag(action)
    return action


@router.post(
    "/corrective-actions/{int:pk}/photos",
    response={201: PhotoOut, **ERROR_RESPONSES},
    operation_id="corrective_action_add_photo",
)
def ca_photo(request, pk: int, file: UploadedFile = File(...)):
    action = visible_or_404(_actions(request), pk, request.user)
    return 201, services.ca_add_photo(actor=request.user, action=action, upload=file)


@router.post(
    "/corrective-actions/{int:pk}/{action}",
    response={200: ActionOut, **ERROR_RESPONSES},
    operation_id="corrective_action_act",
)
def ca_act(request, pk: int, action: CaAction, payload: ActIn):
    """``submit`` (the owner: what was done), ``accept`` / ``reject`` (the auditor or HQ quality,
    never the owner; reject needs ``reason``). 409 when the state does not allow it."""
    with transaction.atomic():
        obj = visible_or_404(_actions(request), pk, request.user)
        check_if_match(request, obj)
        services.ca_act(actor=request.user, action=obj, name=action, data=payload.model_dump())
    return _actions(request).get(pk=pk)


# The audit report and the figures ------------------------------------------------------------------


@router.get(
    "/audits/{int:pk}/report",
    operation_id="audit_report_pdf",
    response={200: None, **ERROR_RESPONSES},
)
def audit_report(request, pk: int):
    """The audit report as PDF: scores per section, every item, the failed items' photos
    (thumbnails), the non-conformances and their corrective actions."""
    from guanjia.quality.pdf import audit_report_pdf, report_context

    audit = visible_or_404(_audits(request).select_related("project"), pk, request.user)
    response = HttpResponse(
        audit_report_pdf(report_context(request.user, audit)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{audit.number}.pdf"'
    return response


class RankingRow(Schema):
    rank: int
    project_id: int
    project_name: str
    audits: int
    average_score: Decimal | None


class FailedItemRow(Schema):
    template_code: str
    key: str
    standard: str
    failures: int


class SectionScoreRow(Schema):
    section: str
    score: Decimal | None


class QualityFiguresOut(Schema):
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    ranking: list[RankingRow]
    sections: list[SectionScoreRow]
    failed_most: list[FailedItemRow]
    corrective_actions_closed: int
    corrective_actions_on_time: int
    corrective_actions_on_time_pct: Decimal | None
    corrective_actions_open_overdue: int
    nonconformances: int
    nonconformances_recurring: int
    recurrence_pct: Decimal | None


class QualityFiguresQuery(Schema):
    from_: datetime.date | None = Field(None, alias="from", description="First day (Asia/Shanghai)")
    to: datetime.date | None = Field(None, description="Last day, inclusive (Asia/Shanghai)")


@router.get(
    "/quality-figures",
    response={200: QualityFiguresOut, **ERROR_RESPONSES},
    operation_id="quality_figures",
    by_alias=True,
)
def quality_figures(request, q: QualityFiguresQuery = Query(...)):
    """Quality figures over [``from``, ``to``] (default: the last 365 days): projects ranked by
    average audit score, section scores, the items failed most, corrective actions on time,
    recurrence. A bad or reversed range is 422 naming ``from``/``to``."""
    from guanjia.quality import selectors

    _view(request)
    data = selectors.figures(request.user, selectors.figure_range(q.from_, q.to))
    return {
        "from": data["start"],
        "to": data["end"],
        "ranking": [
            {
                "rank": r["rank"],
                "project_id": r["project_id"],
                "project_name": r["project__name"],
                "audits": r["n"],
                "average_score": Decimal(r["avg"]).quantize(Decimal("0.1")) if r["avg"] is not None else None,
            }
            for r in data["ranking"]
        ],
        "sections": [{"section": s["item__section__title"], "score": s["score"]} for s in data["sections"]],
        "failed_most": [
            {
                "template_code": f["item__template__code"],
                "key": f["item__key"],
                "standard": f["item__standard"],
                "failures": f["n"],
            }
            for f in data["failed_most"]
        ],
        "corrective_actions_closed": data["ca_closed"],
        "corrective_actions_on_time": data["ca_on_time"],
        "corrective_actions_on_time_pct": data["ca_on_time_pct"],
        "corrective_actions_open_overdue": data["ca_open_overdue"],
        "nonconformances": data["nc_total"],
        "nonconformances_recurring": data["nc_recurring"],
        "recurrence_pct": data["recurrence_pct"],
    }
