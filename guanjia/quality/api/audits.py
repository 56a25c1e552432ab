"""Audit resources: audits, their results as the auditor goes, photos, submission."""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.http import HttpResponse
from ninja import Field, File, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, etag
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.quality import services
from guanjia.quality.api.common import QualityPhotoOut, require_view, router
from guanjia.quality.choices import AuditKind, AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditResult


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


def visible_audits(request):
    require_view(request)
    return Audit.objects.visible_to(request.user).select_related("template", "auditor")


@router.get("/audits", response={200: list[AuditOut], **ERROR_RESPONSES}, operation_id="audit_list")
@paginate(Pagination)
def audit_list(request, filters: AuditFilter = Query(...)):
    """Audits the user may see (mystery audits only once submitted, for the estate's staff)."""
    qs = filters.filter(visible_audits(request))
    if filters.auditor:
        staff_id = scope_for(request.user).staff_id if filters.auditor == "me" else int(filters.auditor)
        qs = qs.filter(auditor_id=staff_id or -1)
    return qs.order_by("-created_at", "-id")


@router.get("/audits/{int:pk}", response={200: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_get")
def audit_get(request, pk: int, response: HttpResponse):
    audit = visible_or_404(visible_audits(request), pk, request.user)
    response["ETag"] = etag(audit)
    return audit


@router.post("/audits", response={201: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_create")
def audit_create(request, payload: AuditIn):
    """An audit outside the plan, of every item of the checklist."""
    audit = services.audit_create(actor=request.user, data=payload.model_dump())
    return 201, visible_audits(request).get(pk=audit.pk)


@router.post(
    "/audits/{int:pk}/submit", response={200: AuditDetailOut, **ERROR_RESPONSES}, operation_id="audit_submit"
)
def audit_submit(request, pk: int, payload: SubmitIn):
    """Lock the results, score, and raise a non-conformance per failed item. 409 if already submitted."""
    audit = visible_or_404(visible_audits(request), pk, request.user)
    services.audit_submit(actor=request.user, audit=audit, summary=payload.summary)
    return visible_audits(request).get(pk=pk)


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
    photos: list[QualityPhotoOut]

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
    audit = visible_or_404(visible_audits(request), pk, request.user)
    return list(_results(request, audit))


@router.patch(
    "/audits/{int:pk}/results/{int:result_pk}",
    response={200: ResultOut, **ERROR_RESPONSES},
    operation_id="audit_result_update",
)
def audit_result_update(request, pk: int, result_pk: int, payload: ResultIn):
    """Save one item's result (the auditor, while the audit is not submitted; 409 after)."""
    audit = visible_or_404(visible_audits(request), pk, request.user)
    result = visible_or_404(_results(request, audit), result_pk, request.user)
    data = payload.model_dump(exclude_unset=True)
    if data.get("outcome") is None:
        data.pop("outcome", None)
    services.audit_record(actor=request.user, result=result, data=data)
    return _results(request, audit).get(pk=result_pk)


@router.post(
    "/audits/{int:pk}/results/{int:result_pk}/photos",
    response={201: QualityPhotoOut, **ERROR_RESPONSES},
    operation_id="audit_result_add_photo",
)
def audit_result_photo(request, pk: int, result_pk: int, file: UploadedFile = File(...)):
    """JPEG, PNG or WebP; location data (EXIF) removed, thumbnail made."""
    audit = visible_or_404(visible_audits(request), pk, request.user)
    result = visible_or_404(_results(request, audit), result_pk, request.user)
    return 201, services.result_add_photo(actor=request.user, result=result, upload=file)
