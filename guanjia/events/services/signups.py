"""Households signing up: a place while there are seats, else the waiting list in order; a cancellation
promotes the first waiting household that fits (who is told); attendance at the door by the sign-up's
QR token, walk-ins; the attendees' evaluation.

Every sign-up, cancellation and walk-in locks the event's row first (``SELECT … FOR UPDATE``; on
SQLite the IMMEDIATE transaction holds the write lock): two households asking for the last seat at
the same moment are served one after the other, so exactly one gets it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for, user_can
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.models import Occupancy, Unit
from guanjia.events import kinds
from guanjia.events.choices import ACTIVE_SIGNUP, DOOR_STATES, OPEN_STATES, CommunityEventStatus, SignupStatus
from guanjia.events.models import Event, EventRating, EventSignup
from guanjia.events.services import common
from guanjia.events.services.common import clean_token, household_users, in_scope, new_token, when
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

WALK_IN_MAX_PEOPLE = 20


def seats_taken(event: Event) -> int:
    """People holding a confirmed place (walk-ins came at the door and hold none)."""
    return (
        event.signups.filter(status=SignupStatus.CONFIRMED, walk_in=False).aggregate(n=Sum("people"))["n"]
        or 0
    )


def _people(value, *, most: int) -> int:
    try:
        people = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"people": _("请填写人数")}) from None
    if not 1 <= people <= most:
        raise ValidationError({"people": _("人数须在 1 到 %(n)s 之间") % {"n": most}})
    return people


def _household(actor, event: Event, unit_id) -> Unit:
    """The actor's household that may sign up: a unit they live in now, in a project the event is open to."""
    scope = scope_for(actor)
    units = Unit.objects.filter(
        id__in=Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id"),
        project_id__in=event.places.values("project_id"),
        deleted_at__isnull=True,
    ).select_related("building")
    if unit_id in (None, ""):
        found = list(units[:2])
        if len(found) != 1:
            raise ValidationError({"unit_id": _("请选择报名的房屋")})
        return found[0]
    try:
        unit = units.filter(pk=int(unit_id)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise ValidationError({"unit_id": _("只能为您居住的、在活动范围内的房屋报名")})
    return unit


@service
def signup_create(*, actor, event: Event, people, unit_id=None, waitlist: bool = False) -> EventSignup:
    """A household signs up with ``people``: a confirmed place if they fit (and nobody waits before
    them), else the waiting list when ``waitlist``, else refused (409) saying how many seats are left."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有住户可以在业主端报名"))
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise NotFound(_("社区活动 不存在"))
    event = Event.objects.select_for_update().get(pk=event.pk)  # one sign-up at a time per event
    if event.status != CommunityEventStatus.PUBLISHED:
        raise Conflict(_("活动「%(s)s」，不能报名") % {"s": event.get_status_display()})
    now = common._now()
    if now < event.signup_opens_at:
        raise ValidationError(
            {"signup_opens_at": _("报名尚未开始，开始时间：%(t)s") % {"t": _local(event.signup_opens_at)}}
        )
    if now >= event.signup_closes_at or now >= event.starts_at:
        raise ValidationError(
            {"signup_closes_at": _("报名已于 %(t)s 截止") % {"t": _local(event.signup_closes_at)}}
        )
    unit = _household(actor, event, unit_id)
    count = _people(people, most=event.max_per_household)
    if event.signups.filter(unit=unit, status__in=ACTIVE_SIGNUP).exists():
        raise Conflict(_("%(unit)s 已报名此活动") % {"unit": f"{unit.building.name}-{unit.number}"})
    if count > event.capacity:
        raise ValidationError({"people": _("活动名额共 %(n)s 人") % {"n": event.capacity}})
    free = event.capacity - seats_taken(event)
    waiting = event.signups.filter(status=SignupStatus.WAITING).exists()
    if count <= free and not waiting:
        status = SignupStatus.CONFIRMED
    elif waitlist:
        status = SignupStatus.WAITING
    else:
        raise Conflict(
            _("名额已满：剩余 %(free)s 个名额，不够 %(n)s 人，可加入候补")
            % {"free": max(free, 0), "n": count}
        )
    signup = EventSignup(
        company_id=event.company_id,
        project_id=unit.project_id,
        event=event,
        unit=unit,
        resident_id=scope.resident_id,
        people=count,
        status=status,
        queued_at=now,
        token=new_token(),
    )
    save_validated(signup)
    return signup


def _local(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@service
def signup_cancel(*, actor, signup: EventSignup) -> EventSignup:
    """The household (or the event's staff) cancels a sign-up; a place freed goes to the first waiting
    households that fit, in order, and each is told."""
    scope = scope_for(actor)
    if scope.is_resident:
        if not EventSignup.objects.visible_to(actor).filter(pk=signup.pk).exists():
            raise NotFound(_("活动报名 不存在"))
    else:
        in_scope(actor, signup.event, Perm.MANAGE_EVENTS)
    event = Event.objects.select_for_update().get(pk=signup.event_id)
    signup = lock(signup)
    if signup.status not in ACTIVE_SIGNUP:
        raise Conflict(_("该报名已取消"))
    if event.status not in OPEN_STATES or common._now() >= event.starts_at:
        raise Conflict(_("活动已开始或已结束，不能取消报名"))
    if signup.checked_in_at is not None:
        raise Conflict(_("已签到，不能取消"))
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = common._now()
    save_validated(signup)
    if was_confirmed:
        promote(event)
    return signup


def promote(event: Event) -> list[EventSignup]:
    """Give the free places to the waiting households in their order, each that fits (a household of
    three waits while the next household of one takes the last seat); called under the event's lock."""
    if event.status not in OPEN_STATES or common._now() >= event.starts_at:
        return []
    free = event.capacity - seats_taken(event)
    promoted = []
    for waiting in event.signups.filter(status=SignupStatus.WAITING).order_by("queued_at", "id"):
        if free <= 0:
            break
        if waiting.people > free:
            continue
        waiting.status = SignupStatus.CONFIRMED
        waiting.promoted_at = common._now()
        save_validated(waiting)
        free -= waiting.people
        promoted.append(waiting)
        notify(
            recipients=household_users([waiting.unit_id]),
            subject=Message(gettext_lazy("候补成功：%(title)s"), title=event.title),
            body=Message(
                gettext_lazy("您候补的活动「%(title)s」（%(when)s）有了名额，已为您报名 %(people)s 人。"),
                title=event.title,
                when=when(event),
                people=waiting.people,
            ),
            url=reverse("events:portal_detail", args=[event.pk]),
            related=waiting,
            dedup_key=f"event-signup-{waiting.pk}-promoted",
            kind=kinds.PROMOTED,
        )
    return promoted


def waiting_position(signup: EventSignup) -> int | None:
    if signup.status != SignupStatus.WAITING:
        return None
    ahead = EventSignup.objects.filter(event_id=signup.event_id, status=SignupStatus.WAITING).filter(
        queued_at__lt=signup.queued_at
    ) | EventSignup.objects.filter(
        event_id=signup.event_id, status=SignupStatus.WAITING, queued_at=signup.queued_at, id__lt=signup.pk
    )
    return ahead.count() + 1


# At the door ------------------------------------------------------------------------------------


@service
def signup_check_in(*, actor, token: str) -> tuple[EventSignup, bool]:
    """Mark the sign-up behind a scanned or typed token as attended, once; ``(signup, False)`` when it
    was checked in already (the page says so). Another company's or project's token is not found."""
    require(actor, Perm.CHECK_IN_EVENTS)
    code = clean_token(token)
    if len(code) != 12:
        raise ValidationError({"token": _("签到码应为 12 位")})
    found = EventSignup.objects.visible_to(actor).filter(token=code).first()
    if found is None:
        raise NotFound(_("签到码无效"))
    signup = (
        EventSignup.objects.select_for_update(of=("self",))
        .select_related("event", "unit__building")
        .get(pk=found.pk)
    )
    if signup.event.status not in DOOR_STATES:
        raise Conflict(_("活动「%(s)s」，不能签到") % {"s": signup.event.get_status_display()})
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(_("该报名状态为「%(s)s」，不能签到") % {"s": signup.get_status_display()})
    if signup.checked_in_at is not None:
        return signup, False
    signup.checked_in_at = common._now()
    signup.checked_in_by = actor
    save_validated(signup)
    return signup, True


@service
def walk_in_add(*, actor, event: Event, people, unit_id=None, name: str = "") -> EventSignup:
    """Somebody who did not sign up comes to the door: a household (by its unit) or a named guest,
    recorded as attended at once. Walk-ins take no sign-up place."""
    in_scope(actor, event, Perm.CHECK_IN_EVENTS)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status not in DOOR_STATES:
        raise Conflict(_("活动「%(s)s」，不能登记") % {"s": event.get_status_display()})
    count = _people(people, most=WALK_IN_MAX_PEOPLE)
    name = (name or "").strip()[:60]
    unit = None
    if unit_id not in (None, ""):
        try:
            unit = (
                Unit.objects.visible_to(actor)
                .filter(pk=int(unit_id), project_id__in=event.places.values("project_id"))
                .first()
            )
        except (TypeError, ValueError):
            unit = None
        if unit is None:
            raise ValidationError({"unit_id": _("房屋不在活动范围内")})
        if event.signups.filter(unit=unit, status__in=ACTIVE_SIGNUP).exists():
            raise Conflict(_("该户已报名，请扫描其签到码"))
    elif not name:
        raise ValidationError({"name": _("请填写房号或姓名")})
    now = common._now()
    signup = EventSignup(
        company_id=event.company_id,
        project_id=unit.project_id if unit else event.project_id,
        event=event,
        unit=unit,
        name=name,
        people=count,
        status=SignupStatus.CONFIRMED,
        queued_at=now,
        token=new_token(),
        checked_in_at=now,
        checked_in_by=actor,
        walk_in=True,
    )
    save_validated(signup)
    return signup


# Afterwards -------------------------------------------------------------------------------------


@service
def event_rate(*, actor, event: Event, stars, comment: str = "") -> EventRating:
    """An attending household's evaluation (1–5 stars and a comment), once per household."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有住户可以评价活动"))
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise NotFound(_("社区活动 不存在"))
    event = lock(event)
    if event.status not in (CommunityEventStatus.HELD, CommunityEventStatus.EVALUATED):
        raise Conflict(_("活动举办后才能评价"))
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("评分须为 1 到 5 星")})
    mine = Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id")
    attended = (
        event.signups.filter(unit_id__in=mine, checked_in_at__isnull=False)
        .order_by("id")
        .values_list("unit_id", flat=True)
    )
    unit_id = next(iter(attended), None)
    if unit_id is None:
        raise NotAllowed(_("只有参加了活动的住户可以评价"))
    if EventRating.objects.filter(event=event, unit_id__in=list(attended)).exists():
        raise Conflict(_("您家已评价过此活动"))
    rating = EventRating(
        company_id=event.company_id,
        project_id=Unit.objects.filter(pk=unit_id).values_list("project_id", flat=True).get(),
        event=event,
        unit_id=unit_id,
        resident_id=scope.resident_id,
        stars=stars,
        comment=(comment or "").strip()[:300],
    )
    save_validated(rating)
    return rating


def may_manage(user) -> bool:
    return user_can(user, Perm.MANAGE_EVENTS)
