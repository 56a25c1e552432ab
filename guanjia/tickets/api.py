"""REST resources for service requests: receive, act, follow the timeline, photos, catalogues."""

import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import PrivateAttr

from guanjia.core.api import (
    ERROR_RESPONSES,
    CursorPagination,
    FilterSchema,
    Pagination,
    RefId,
    RowSchema,
    Schema,
)
from guanjia.core.media import private_url
from guanjia.core.phones import mask_phone
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404, visible_row_or_404
from guanjia.core.statements import PreparedRead
from guanjia.tickets import clocks, selectors, services, workflow
from guanjia.tickets.choices import Action, Channel, Kind, PhotoStage, Priority, Status
from guanjia.tickets.models import (
    PaidService,
    Ticket,
    TicketCategory,
    TicketCharge,
    TicketEvent,
    TicketMaterial,
    TicketPhoto,
    version_of,
)

router = Router(tags=["tickets"])

ActionName = Literal[tuple(sorted(workflow.ACTIONS))]  # type: ignore[valid-type]


class PersonRef(RowSchema):
    id: int
    name: str


# Filled from ``selectors.ticket_rows`` → ``shape_rows`` (plain dicts, no model instances).
class TicketOut(RowSchema):
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


class PhotoOut(RowSchema):
    id: int
    stage: PhotoStage
    url: str
    thumbnail_url: str


class ChargeOut(RowSchema):
    id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    confirmed_at: datetime.datetime | None


class MaterialOut(RowSchema):
    id: int
    name: str
    quantity: Decimal
    unit: str
    cost: Decimal


# Filled by ``_detail``.
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
    subject_staff_id: int | None  # a complaint: the staff member it is against
    allowed_actions: list[str]
    version: str = Field(description="此刻的版本；执行动作时作为 expected_version 传回")
    photos: list[PhotoOut]
    charges: list[ChargeOut]
    materials: list[MaterialOut]


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
    subject_staff_id: RefId | None = None  # a complaint: the staff member it is against
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="幂等键：同一人以同一键重复提交同样内容，返回首次受理的工单（200）；内容不同则 409",
    )


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
    materials: list[MaterialIn] = Field(
        default_factory=list,
        max_length=50,
        description="Materials used that did not come from a store: what a store issued to the "
        "request is on it already (``materials`` of the request) and must not be listed again.",
    )
    charges: list[ChargeIn] = Field(default_factory=list, max_length=50)
    expected_version: str = Field(
        "",
        max_length=24,
        description="客户端看到的工单版本（详情的 version）；工单已变化而动作被拒时返回 409 而非 403",
    )


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
    # The moment "overdue" is judged at: the list's own, so that its rows and its filter agree.
    _now: datetime.datetime | None = PrivateAttr(None)

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
        if value is None:
            return Q()
        late = clocks.overdue_q(self._now or timezone.now())
        return late if value else ~late

    def filter_due_within_minutes(self, value):
        return clocks.due_within_q(timezone.now(), value) if value else Q()

    # Resolved in the view, where the user is known.
    def filter_assignee(self, value):
        return Q()

    def filter_first_contact(self, value):
        return Q()


def _photo_row(photo: dict) -> dict:
    """A photo's values (id, stage, image, thumbnail) as ``PhotoOut``."""

    return {
        "id": photo["id"],
        "stage": photo["stage"],
        "url": private_url(photo["image"]),
        "thumbnail_url": private_url(photo["thumbnail"]),
    }


def _detail_rows(now):
    return selectors.ticket_rows(
        Ticket.objects.annotate(**selectors.has_lines_annotations()),
        columns=(*selectors.DETAIL_COLUMNS, "updated_at", "has_photos", "has_charges", "has_materials"),
        now=now,
    )


def _detail(request, pk: int) -> dict:
    """A request as ``TicketDetailOut``: its row, its lines and photos, and what the user may do."""
    from types import SimpleNamespace

    row = visible_row_or_404(Ticket, "ticket-detail", _detail_rows, pk, request.user, now=timezone.now())
    row = selectors.shape_rows([row])[0]
    row["contact_phone_masked"] = mask_phone(row.pop("contact_phone"))
    row["version"] = version_of(row.pop("updated_at"))
    row["allowed_actions"] = workflow.allowed_actions(SimpleNamespace(**row), scope_for(request.user))
    photos = (
        TicketPhoto.objects.filter(ticket_id=pk)
        .order_by("created_at", "id")
        .values("id", "stage", "image", "thumbnail")
        if row["has_photos"]
        else ()
    )
    row["photos"] = [_photo_row(photo) for photo in photos]
    row["charges"] = (
        list(
            TicketCharge.objects.filter(ticket_id=pk)
            .order_by("id")
            .values("id", "description", "quantity", "unit_price", "amount", "confirmed_at")
        )
        if row["has_charges"]
        else []
    )
    row["materials"] = (
        list(
            TicketMaterial.objects.filter(ticket_id=pk)
            .order_by("id")
            .values("id", "name", "quantity", "unit", "cost")
        )
        if row["has_materials"]
        else []
    )
    return row


@router.get("/tickets", response={200: list[TicketOut], **ERROR_RESPONSES}, operation_id="ticket_list")
@paginate(CursorPagination, time_field="received_at", shape=selectors.shape_rows)
def list_tickets(request, filters: TicketFilter = Query(...)):
    """Requests the user may see, newest first. ``assignee=me`` is "my work"; ``first_contact=me``
    is "requests I am first contact for". Paginate with ``cursor`` = the previous ``next_cursor``."""
    return _list_read(request.user, filters)


# Filters whose values are ids go into the list's statement as values (``core.statements``); the
# others — statuses, kinds, flags, dates — shape its text and so are part of its key.
_ID_FILTERS = ("project_id", "building_id", "unit_id", "category_id")
_PEOPLE_FILTERS = ("assignee", "first_contact")


def _list_read(user, filters: TicketFilter):
    """The user's requests under ``filters`` as ``ticket_rows``: a statement built once per scope
    and filter shape, which the paginator narrows to a page. A search's words and a "due within"
    window (a moment computed from now) shape the SQL itself: those lists are built each time."""
    if filters.search or filters.due_within_minutes:
        return selectors.ticket_rows(filtered_tickets(user, filters, base=Ticket.objects.visible_to(user)))
    values = {name: value for name in _ID_FILTERS if (value := getattr(filters, name)) is not None}
    for name in _PEOPLE_FILTERS:
        if (person := selectors.person_id(user, getattr(filters, name))) is not None:
            values[name] = person
    shape = tuple(
        (name, tuple(value) if isinstance(value, list) else value)
        for name, value in sorted(filters.model_dump(exclude=set(values)).items())
    )

    def build(now, **ids):
        narrowed = filters.model_copy(
            update={name: str(value) if name in _PEOPLE_FILTERS else value for name, value in ids.items()}
        )
        narrowed._now = now
        return selectors.ticket_rows(
            filtered_tickets(user, narrowed, base=Ticket.objects.visible_to(user)), now=now
        )

    return PreparedRead(
        Ticket, "ticket-list", (scope_for(user), shape), build, {**values, "now": timezone.now()}
    )


def filtered_tickets(user, filters: TicketFilter, *, base=None):
    """The one meaning of the ticket filters, for the API list and the console list alike.

    ``base``: the user's requests to filter (default ``tickets_for``: model instances with what the
    console shows)."""
    qs = filters.filter(selectors.tickets_for(user) if base is None else base)
    if (assignee := selectors.person_id(user, filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee)
    if (first_contact := selectors.person_id(user, filters.first_contact)) is not None:
        qs = qs.filter(first_contact_id=first_contact)
    return qs


@router.post(
    "/tickets",
    response={200: TicketDetailOut, 201: TicketDetailOut, **ERROR_RESPONSES},
    operation_id="ticket_create",
)
def create_ticket(request, payload: TicketIn):
    """Receive a request (201). Staff become its first-contact owner; a resident's report goes to the
    building butler of the unit. With an ``idempotency_key`` it is received exactly once: the same key
    again with the same content → 200 with the request first received; with other content → 409.
    A repair that a dispatch rule covers is answered "received" and auto-dispatched by the
    background worker right after (its timeline shows the dispatch and why, within seconds)."""
    data = payload.model_dump()
    key = data.pop("idempotency_key")
    if key is None:
        return 201, _detail(request, services.ticket_create(actor=request.user, data=data).pk)
    ticket, created = services.ticket_create_once(actor=request.user, key=key, data=data)
    return (201 if created else 200), _detail(request, ticket.pk)


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
    photo = services.ticket_add_photo(actor=request.user, ticket=ticket, upload=file, stage=stage)
    return 201, _photo_row(
        {"id": photo.pk, "stage": photo.stage, "image": str(photo.image), "thumbnail": str(photo.thumbnail)}
    )


@router.get(
    "/tickets/{int:pk}/events",
    response={200: list[EventOut], **ERROR_RESPONSES},
    operation_id="ticket_events",
)
def ticket_events(request, pk: int):
    """The timeline, oldest first. Residents see it without internal entries."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    return list(TicketEvent.objects.visible_to(request.user).filter(ticket=ticket).order_by("time", "id"))


class TicketPhoneOut(Schema):
    phone: str


# Before the actions' route, which would otherwise take "reveal-phone" for an action's name.
@router.post(
    "/tickets/{int:pk}/reveal-phone",
    response={200: TicketPhoneOut, **ERROR_RESPONSES},
    operation_id="ticket_reveal_phone",
    summary="Show a request's full contact number to call it back (recorded)",
)
def reveal_phone(request, pk: int):
    """The contact number in full, for staff who may call the resident (the permission to see
    residents' numbers, or the request's assignee or first contact). Every call is journaled."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    return {"phone": services.ticket_reveal_phone(actor=request.user, ticket=ticket)}


@router.post(
    "/tickets/{int:pk}/{action}",
    response={200: TicketDetailOut, **ERROR_RESPONSES},
    operation_id="ticket_act",
)
def act(request, pk: int, action: ActionName, payload: ActionIn):
    """Perform one action (see ``allowed_actions``). 409 when the request's state does not allow it
    (the message names what is allowed now), 403 when it is not yours to do, 422 when a field is missing.
    Send the ``version`` you were shown as ``expected_version``: if the request changed since
    (reassigned a moment earlier …), a refused action is 409 naming the new state, not 403."""
    ticket = visible_or_404(Ticket.objects, pk, request.user)
    data = payload.model_dump()
    expected_version = data.pop("expected_version") or None
    data["materials"] = [m.model_dump() for m in payload.materials]
    data["charges"] = [c.model_dump() for c in payload.charges]
    services.ticket_act(
        actor=request.user, ticket=ticket, action=action, data=data, expected_version=expected_version
    )
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
