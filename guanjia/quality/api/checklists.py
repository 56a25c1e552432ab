"""Checklist resources: versions with their items, import from rows, copy, revise, item edits, xlsx."""

from decimal import Decimal

from django.http import HttpResponse
from ninja import Field
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.services import visible_or_404
from guanjia.quality import services
from guanjia.quality.api.common import require_view, router
from guanjia.quality.choices import Frequency, Method
from guanjia.quality.exporting import template_xlsx
from guanjia.quality.models import ChecklistItem, ChecklistTemplate


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
    require_view(request)
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
    require_view(request)
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
    require_view(request)
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    return HttpResponse(
        template_xlsx(template),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
