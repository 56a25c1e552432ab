"""REST API of events (``/api/v1/events/…``, ``/api/v1/event-signups/…``), through the same selectors
and services as the console and the portal."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.events import lists, selectors, services
from guanjia.events.choices import CommunityEventKind, CommunityEventStatus, ServiceDayService, SignupStatus
from guanjia.events.models import Event, EventSignup

router = Router(tags=["events"])


class CommunityEventOut(Schema):
    id: int
    project_id: int
    project_ids: list[int]
    title: str
    kind: CommunityEventKind
    services: list[str]
    description: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    max_per_household: int
    signup_opens_at: datetime.datetime
    signup_closes_at: datetime.datetime
    budget: Decimal
    actual_cost: Decimal | None
    organiser_id: int
    status: CommunityEventStatus
    published_at: datetime.datetime | None
    summary: str
    cancel_reason: str
    notice_ids: list[int]

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return [p.project_id for p in obj.places.all()]

    @staticmethod
    def resolve_notice_ids(obj) -> list[int]:
        return [p.notice_id for p in obj.places.all() if p.notice_id]


class EventIn(Schema):
    title: str = Field(..., min_length=1, max_length=80)
    kind: CommunityEventKind = CommunityEventKind.COMMUNITY
    services: list[ServiceDayService] = []
    description: str = Field("", max_length=2000)
    place: str = Field(..., min_length=1, max_length=100)
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int = Field(..., ge=1, le=100000)
    max_per_household: int = Field(2, ge=1, le=20)
    signup_opens_at: datetime.datetime
    signup_closes_at: datetime.datetime
    budget: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    organiser_id: RefId | None = None
    project_id: RefId
    other_project_ids: list[RefId] = []


class EventPatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=80)
    services: list[ServiceDayService] | None = None
    description: str | None = Field(None, max_length=2000)
    place: str | None = Field(None, min_length=1, max_length=100)
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=100000)
    max_per_household: int | None = Field(None, ge=1, le=20)
    signup_opens_at: datetime.datetime | None = None
    signup_closes_at: datetime.datetime | None = None
    budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    organiser_id: RefId | None = None


class CommunityEventFilterIn(lists.CommunityEventFilter):
    pass


class EventEvaluateIn(Schema):
    summary: str = Field(..., min_length=1, max_length=2000)
    actual_cost: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)


class EventCancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class EventSignupIn(Schema):
    people: int = Field(..., ge=1, le=20)
    unit_id: RefId | None = None
    waitlist: bool = False


class EventSignupOut(Schema):
    id: int
    event_id: int
    unit_id: int | None
    unit: str
    name: str
    people: int
    status: SignupStatus
    position: int | None
    queued_at: datetime.datetime
    checked_in_at: datetime.datetime | None
    walk_in: bool
    token: str | None = None


class EventCheckInIn(Schema):
    token: str = Field(..., min_length=1, max_length=40)


class EventCheckInOut(Schema):
    already: bool
    signup: EventSignupOut


class EventWalkInIn(Schema):
    people: int = Field(..., ge=1, le=20)
    unit_id: RefId | None = None
    name: str = Field("", max_length=60)


class EventRatingIn(Schema):
    stars: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=300)


class EventRatingOut(Schema):
    id: int
    event_id: int
    unit_id: int
    stars: int
    comment: str
    created_at: datetime.datetime


class EventFiguresOut(Schema):
    capacity: int
    signed_households: int
    signed_people: int
    free: int
    waiting: int
    attended: int
    walk_ins: int
    rating: float | None
    ratings: int
    budget: Decimal
    actual_cost: Decimal | None
    cost_per_attendee: Decimal | None


def _events(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_EVENTS)
    return Event.objects.visible_to(request.user).prefetch_related("places")


def _one(request, pk) -> Event:
    return visible_or_404(_events(request), pk, request.user)


def _signup_row(row: EventSignup, *, token: bool) -> dict:
    """A sign-up as the API shows it; the token (the household's ticket) only to the household itself
    and to whoever just created or checked it in."""
    return {
        "id": row.pk,
        "event_id": row.event_id,
        "unit_id": row.unit_id,
        "unit": f"{row.unit.building.name}-{row.unit.number}" if row.unit_id else "",
        "name": row.name,
        "people": row.people,
        "status": row.status,
        "position": services.waiting_position(row),
        "queued_at": row.queued_at,
        "checked_in_at": row.checked_in_at,
        "walk_in": row.walk_in,
        "token": row.token if token else None,
    }


def _signup_out(request, signup: EventSignup) -> dict:
    row = EventSignup.objects.select_related("unit__building").get(pk=signup.pk)
    return _signup_row(row, token=True)


@router.get(
    "/events",
    response={200: list[CommunityEventOut], **ERROR_RESPONSES},
    operation_id="event_list",
    summary="Community events in scope (residents: those open to their estates, once published)",
)
@paginate(Pagination)
def event_list(request, filters: CommunityEventFilterIn = Query(...)):
    events = _events(request)
    if filters.project_id:
        events = events.filter(places__project_id=filters.project_id)
        filters.project_id = None
    return filters.filter(events).order_by("-starts_at", "-id")


@router.post(
    "/events",
    response={201: CommunityEventOut, **ERROR_RESPONSES},
    operation_id="event_create",
    summary="Plan an event (a draft) for a project and, optionally, other projects",
)
def event_create(request, payload: EventIn):
    event = services.event_create(actor=request.user, data=payload.dict())
    return 201, _one(request, event.pk)


@router.get(
    "/events/{int:pk}",
    response={200: CommunityEventOut, **ERROR_RESPONSES},
    operation_id="event_get",
    summary="One event",
)
def event_get(request, pk: int):
    return _one(request, pk)


@router.patch(
    "/events/{int:pk}",
    response={200: CommunityEventOut, **ERROR_RESPONSES},
    operation_id="event_update",
    summary="Change a draft, or a published event's details (its notices are published anew)",
)
def event_update(request, pk: int, payload: EventPatchIn):
    event = _one(request, pk)
    services.event_update(actor=request.user, event=event, data=payload.dict(exclude_unset=True))
    return _one(request, pk)


def _act(name: str, summary: str, call):
    @router.post(
        f"/events/{{int:pk}}/{name}",
        response={200: CommunityEventOut, **ERROR_RESPONSES},
        operation_id=f"event_{name}",
        summary=summary,
    )
    def action(request, pk: int):
        call(request.user, _one(request, pk))
        return _one(request, pk)

    action.__name__ = f"event_{name}"
    return action


_act(
    "publish",
    "Publish: its notice goes out in every project; sign-up opens",
    lambda u, e: services.event_publish(actor=u, event=e),
)
_act("close", "Close the sign-up", lambda u, e: services.event_close(actor=u, event=e))
_act("held", "Mark the event held (after its start)", lambda u, e: services.event_held(actor=u, event=e))


@router.post(
    "/events/{int:pk}/evaluate",
    response={200: CommunityEventOut, **ERROR_RESPONSES},
    operation_id="event_evaluate",
    summary="The organiser's summary and the actual cost (against the budget)",
)
def event_evaluate(request, pk: int, payload: EventEvaluateIn):
    services.event_evaluate(
        actor=request.user, event=_one(request, pk), summary=payload.summary, actual_cost=payload.actual_cost
    )
    return _one(request, pk)


@router.post(
    "/events/{int:pk}/cancel",
    response={200: CommunityEventOut, **ERROR_RESPONSES},
    operation_id="event_cancel",
    summary="Cancel: notices withdrawn, every household signed up or waiting is told",
)
def event_cancel(request, pk: int, payload: EventCancelIn):
    services.event_cancel(actor=request.user, event=_one(request, pk), reason=payload.reason)
    return _one(request, pk)


@router.get(
    "/events/{int:pk}/figures",
    response={200: EventFiguresOut, **ERROR_RESPONSES},
    operation_id="event_figures",
    summary="Signed up, waiting, attended, rating, cost per attendee",
)
def event_figures(request, pk: int):
    require(request.user, Perm.VIEW_EVENTS)
    return selectors.figures(_one(request, pk))


@router.get(
    "/events/{int:pk}/signups",
    response={200: list[EventSignupOut], **ERROR_RESPONSES},
    operation_id="event_signups",
    summary="Sign-ups (staff: all, confirmed then the waiting list in order; a resident: their own)",
)
def event_signups(request, pk: int):
    event = _one(request, pk)
    rows = EventSignup.objects.visible_to(request.user).filter(event=event).select_related("unit__building")
    resident = scope_for(request.user).is_resident  # the household's own tickets
    return [_signup_row(r, token=resident) for r in rows.order_by("queued_at", "id")]


@router.post(
    "/events/{int:pk}/signups",
    response={201: EventSignupOut, **ERROR_RESPONSES},
    operation_id="event_signup",
    summary="A household signs up (residents); full: 409 unless waitlist, then the waiting list",
)
def event_signup(request, pk: int, payload: EventSignupIn):
    signup = services.signup_create(
        actor=request.user,
        event=_one(request, pk),
        people=payload.people,
        unit_id=payload.unit_id,
        waitlist=payload.waitlist,
    )
    return 201, _signup_out(request, signup)


@router.post(
    "/event-signups/{int:pk}/cancel",
    response={200: EventSignupOut, **ERROR_RESPONSES},
    operation_id="event_signup_cancel",
    summary="Cancel a sign-up; the first waiting households that fit are promoted and told",
)
def event_signup_cancel(request, pk: int):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_EVENTS)
    signup = visible_or_404(EventSignup.objects.all(), pk, request.user)
    services.signup_cancel(actor=request.user, signup=signup)
    return _signup_out(request, signup)


@router.post(
    "/events/check-in",
    response={200: EventCheckInOut, **ERROR_RESPONSES},
    operation_id="event_check_in",
    summary="At the door: the token of a sign-up's QR code marks it attended, once",
)
def event_check_in(request, payload: EventCheckInIn):
    signup, fresh = services.signup_check_in(actor=request.user, token=payload.token)
    return {"already": not fresh, "signup": _signup_out(request, signup)}


@router.post(
    "/events/{int:pk}/walk-ins",
    response={201: EventSignupOut, **ERROR_RESPONSES},
    operation_id="event_walk_in",
    summary="Somebody at the door who did not sign up (a household or a named guest)",
)
def event_walk_in(request, pk: int, payload: EventWalkInIn):
    require(request.user, Perm.CHECK_IN_EVENTS)
    signup = services.walk_in_add(
        actor=request.user,
        event=_one(request, pk),
        people=payload.people,
        unit_id=payload.unit_id,
        name=payload.name,
    )
    return 201, _signup_out(request, signup)


@router.post(
    "/events/{int:pk}/ratings",
    response={201: EventRatingOut, **ERROR_RESPONSES},
    operation_id="event_rate",
    summary="An attending household rates the event (1–5 stars, comment), once",
)
def event_rate(request, pk: int, payload: EventRatingIn):
    if not scope_for(request.user).is_resident:
        raise ValidationError({"__all__": _("只有住户可以评价活动")})
    return 201, services.event_rate(
        actor=request.user, event=_one(request, pk), stars=payload.stars, comment=payload.comment
    )
