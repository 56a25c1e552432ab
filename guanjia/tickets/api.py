"""REST resources for service requests: receive, act, follow the timeline, photos, catalogues."""

import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Q
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import PrivateAttr

from guanjia.core.api import ERROR_RESPONSES, CursorPagination, FilterSchema, Pagination, RefId, Schema
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.tickets import selectors, services, workflow
from guanjia.tickets.choices import Action, Channel, Kind, PhotoStage, Priority, Status
from guanjia.tickets.models import PaidService, Ticket, TicketCategory, TicketEvent

router = Router(tags=["tickets"])

ActionName = Literal[tuple(sorted(workflow.ACTIONS))]  # type: ignore[valid-type]


class PersonRef(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    number: str
    project_id: int
    kind: Kind
    category_id: int | None
    category_name: str | None
    channel: Channel
    priority: Priority
    status: Status
    unit_id: int | None
    building_id: int | None
    place: str
    location: str
    description: str
    contact_name: str
    first_contact: PersonRef
    assignee: PersonRef | None
    received_at: datetime.datetime
    dispatched_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    arrived_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    first_feedback_at: datetime.datetime | None
    followed_up_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    escalation_level: int
    rework_count: int
    overdue: bool = Field(False, description="有未完成的阶段已超过时限")

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "is_overdue", False))

    @staticmethod
    def resolve_category_name(obj) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_place(obj) -> str:
        if obj.unit_id:
            return str(obj.unit)
        parts = [obj.building.name if obj.building_id else "", obj.location]
        return " ".join(p for p in parts if p)


class PhotoOut(Schema):
    id: int
    stage: PhotoStage
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


class ChargeOut(Schema):
    id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    confirmed_at: datetime.datetime | None


class MaterialOut(Schema):
    id: int
    name: str
    quantity: Decimal
    unit: str
    cost: Decimal


class TicketDetailOut(TicketOut):
    contact_phone_masked: str
    resolution: str
    first_feedback: str
    root_cause: str
    hold_reason: str
    cancel_reason: str
    follow_up_satisfied: bool | None
    follow_up_score: int | None
    rating: int | None
    rating_comment: str
    charges_confirmed_at: datetime.datetime | None
    allowed_actions: list[str]
    photos: list[PhotoOut]
    charges: list[ChargeOut]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_contact_phone_masked(obj) -> str:
        from guanjia.core.phones import mask_phone

        return mask_phone(obj.contact_phone)

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())

    @staticmethod
    def resolve_charges(obj):
        return list(obj.charges.all())

    @staticmethod
    def resolve_materials(obj):
        return list(obj.materials.all())


class TicketIn(Schema):
    kind: Kind = Kind.HOME_REPAIR
    project_id: RefId | None = None
    unit_id: RefId | None = None
    building_id: RefId | None = None
    location: str = Field("", max_length=100)
    resident_id: RefId | None = None
    category_id: RefId | None = None
    paid_service_id: RefId | None = None
    channel: Channel | None = None
    priority: Priority = Priority.NORMAL
    description: str = Field(..., min_length=1, max_length=2000)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=20)


class MaterialIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    quantity: Decimal = Field(Decimal("1"), gt=0, max_digits=10, decimal_places=2)
    unit: str = Field("", max_length=10)
    cost: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)


class ChargeIn(Schema):
    description: str = Field(..., min_length=1, max_length=100)
    quantity: Decimal = Field(Decimal("1"), gt=0, max_digits=10, decimal_places=2)
    unit_price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)


class ActionIn(Schema):
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=200)
    assignee_id: RefId | None = None
    first_contact_id: RefId | None = None
    resolution: str = Field("", max_length=2000)
    feedback: str = Field("", max_length=2000)
    satisfied: bool | None = None
    score: int | None = Field(None, ge=1, le=5)
    comment: str = Field("", max_length=500)
    root_cause: str = Field("", max_length=2000)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50)
    charges: list[ChargeIn] = Field(default_factory=list, max_length=50)


class EventOut(Schema):
    id: int
    time: datetime.datetime
    actor_name: str
    action: Action
    from_status: str
    to_status: str
    note: str
    data: dict


class TicketFilter(FilterSchema):
    project_id: RefId | None = None
    building_id: RefId | None = None
    unit_id: RefId | None = None
    status: list[Status] | None = Field(None, description="可多选")
    kind: list[Kind] | None = None
    category_id: RefId | None = Field(None, description="含下级类别")
    priority: Priority | None = None
    assignee: str | None = Field(None, pattern=r"^(me|\d{1,18})$", description="me 或员工 id")
    first_contact: str | None = Field(None, pattern=r"^(me|\d{1,18})$", description="me 或员工 id")
    open: bool | None = Field(None, description="只看未结束的")
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    search: str | None = Field(None, max_length=100, description="单号、来电号码或描述")
    overdue: bool | None = Field(None, description="true: 只看已超时的；false: 只看未超时的")
    due_within_minutes: int | None = Field(None, ge=1, le=10080, description="只看此分钟数内到期的")
    # Set by ``filtered_tickets`` from the user's scope: narrows the late-deadline look-up.
    _company_id: int | None = PrivateAttr(None)

    def filter_building_id(self, value):
        return (Q(building_id=value) | Q(unit__building_id=value)) if value else Q()

    def filter_status(self, value):
        return Q(status__in=value) if value else Q()

    def filter_kind(self, value):
        return Q(kind__in=value) if value else Q()

    def filter_category_id(self, value):
        return selectors.category_q(value) if value else Q()

    def filter_open(self, value):
        if value is None:
            return Q()
        return (
            ~Q(status__in=[Status.CLOSED, Status.CANCELLED])
            if value
            else Q(status__in=[Status.CLOSED, Status.CANCELLED])
        )

    def filter_created_from(self, value):
        return selectors.created_range_q(value, None)

    def filter_created_to(self, value):
        return selectors.created_range_q(None, value)

    def filter_search(self, value):
        return selectors.search_q(value)

    def filter_overdue(self, value):
        from django.utils import timezone

        from guanjia.sla.services import overdue_q

        if value is None:
            return Q()
        late = overdue_q(timezone.now(), project_id=self.project_id, company_id=self._company_id)
        return late if value else ~late

    def filter_due_within_minutes(self, value):
        from django.utils import timezone

        from guanjia.sla.services import due_within_q

        return due_within_q(timezone.now(), value) if value else Q()

    # Resolved in the view, where the user is known.
    def filter_assignee(self, value):
        return Q()

    def filter_first_contact(self, value):
        return Q()


ATTACHED = ("photos", "charges", "materials")


def _detail(request, pk: int, *, attached=ATTACHED) -> Ticket:
    """One request as the user may see it; ``attached``: which of its attached lists to read along
    (the create handler marks the others empty: a request just received has none)."""
    ticket = visible_or_404(
        selectors.tickets_for(request.user).prefetch_related(*attached),
        pk,
        request.user,
    )
    ticket.allowed_actions = workflow.allowed_actions(ticket, scope_for(request.user))
    return ticket


@router.get("/tickets", response={200: list[TicketOut], **ERROR_RESPONSES}, operation_id="ticket_list")
@paginate(CursorPagination, time_field="received_at")
def list_tickets(request, filters: TicketFilter = Query(...)):
    """Requests the user may see, newest first. ``assignee=me`` is "my work"; ``first_contact=me``
    is "requests I am first contact for". Paginate with ``cursor`` = the previous ``next_cursor``."""
    # Only the columns a list row shows: a third of the SQL to build and of the rows to read.
    return filtered_tickets(request.user, filters).only(*LIST_COLUMNS)


LIST_COLUMNS = [
    *(
        name
        for name in TicketOut.model_fields
        if name not in {"category_name", "place", "overdue", "first_contact", "assignee"}
    ),
    "company_id",
    "first_contact__id",
    "first_contact__name",
    "assignee__id",
    "assignee__name",
    "category__name",
    "unit__number",
    "unit__building__name",
    "building__name",
    "project__id",
]


def filtered_tickets(user, filters: TicketFilter):
    """The one meaning of the ticket filters, for the API list and the console list alike."""
    filters._company_id = scope_for(user).company_id
    qs = filters.filter(selectors.tickets_for(user))
    if (assignee := selectors.person_id(user, filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee)
    if (first_contact := selectors.person_id(user, filters.first_contact)) is not None:
        qs = qs.filter(first_contact_id=first_contact)
    return qs


@router.post("/tickets", response={201: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_create")
def create_ticket(request, payload: TicketIn):
    """Receive a request. Staff become its first-contact owner; a resident's report goes to the
    building butler of the unit."""
    ticket = services.ticket_create(actor=request.user, data=payload.model_dump())
    # Just received: no photos or materials yet; a charge only for a paid service.
    attached = ("charges",) if ticket.paid_service_id else ()
    detail = _detail(request, ticket.pk, attached=attached)
    empty = detail.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in set(ATTACHED) - set(attached):
        empty[name] = getattr(detail, name).none()
    return 201, detail


@router.get(
    "/tickets/{int:pk}", response={200: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_get"
)
def get_ticket(request, pk: int):
    """One request with the actions the user may take on it now (``allowed_actions``)."""
    return _detail(request, pk)


@router.post(
    "/tickets/{int:pk}/photos", response={201: PhotoOut, **ERROR_RESPONSES}, operation_id="ticket_add_photo"
)
def add_photo(request, pk: int, file: UploadedFile = File(...), stage: PhotoStage = Form(PhotoStage.REPORT)):
    """JPEG, PNG or WebP up to 10 MB; location data (EXIF) is removed, a thumbnail is made."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    return 201, services.ticket_add_photo(actor=request.user, ticket=ticket, upload=file, stage=stage)


@router.get(
    "/tickets/{int:pk}/events",
    response={200: list[EventOut], **ERROR_RESPONSES},
    operation_id="ticket_events",
)
def ticket_events(request, pk: int):
    """The timeline, oldest first. Residents see it without internal entries."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    return list(TicketEvent.objects.visible_to(request.user).filter(ticket=ticket).order_by("time", "id"))


@router.post(
    "/tickets/{int:pk}/{action}",
    response={200: TicketDetailOut, **ERROR_RESPONSES},
    operation_id="ticket_act",
)
def act(request, pk: int, action: ActionName, payload: ActionIn):
    """Perform one action (see ``allowed_actions``). 409 when the request's state does not allow it
    (the message names what is allowed now), 403 when it is not yours to do, 422 when a field is missing."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    data = payload.model_dump()
    data["materials"] = [m.model_dump() for m in payload.materials]
    data["charges"] = [c.model_dump() for c in payload.charges]
    services.ticket_act(actor=request.user, ticket=ticket, action=action, data=data)
    return _detail(request, pk)


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    is_active: bool


@router.get(
    "/ticket-categories",
    response={200: list[CategoryOut], **ERROR_RESPONSES},
    operation_id="ticket_categories",
)
@paginate(Pagination)
def categories(request):
    """The company's category tree (flat; ``parent_id`` links children to their parent)."""
    return (
        TicketCategory.objects.visible_to(request.user)
        .filter(is_active=True)
        .order_by("parent_id", "sort_order", "name")
    )


class PaidServiceOut(Schema):
    id: int
    name: str
    price: Decimal
    unit: str
    description: str


@router.get(
    "/paid-services", response={200: list[PaidServiceOut], **ERROR_RESPONSES}, operation_id="paid_services"
)
@paginate(Pagination)
def paid_services(request):
    """The paid-services catalogue (有偿服务); book one by creating a request with ``paid_service_id``."""
    return PaidService.objects.visible_to(request.user).filter(is_active=True)
