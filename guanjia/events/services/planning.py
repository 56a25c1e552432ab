"""Planning an event and its life: draft, change, publish (as a notice of each project it is open to,
through notices' services), close the sign-up, mark it held, sum it up with its actual cost, cancel
it (the households signed up are told)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.events import kinds
from guanjia.events.choices import ACTIVE_SIGNUP, CommunityEventKind, CommunityEventStatus, ServiceDayService
from guanjia.events.models import Event, EventProject
from guanjia.events.services import common
from guanjia.events.services.common import check_transition, household_users, in_scope, when
from guanjia.events.services.signups import promote, seats_taken
from guanjia.notices import services as notices
from guanjia.notices.choices import NoticeStatus
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember

PLAN_FIELDS = (
    "title",
    "kind",
    "services",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "max_per_household",
    "signup_opens_at",
    "signup_closes_at",
    "budget",
    "organiser_id",
    "project_id",
    "other_project_ids",
)
# Once residents have seen it, what the event is and where it belongs stay; its details may change.
PUBLISHED_FIELDS = frozenset(PLAN_FIELDS) - {"kind", "project_id", "other_project_ids"}


def _int(value, field):
    try:
        number = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("请输入有效的编号")}) from None
    if not 0 < number < 2**63:
        raise ValidationError({field: _("请输入有效的编号")})
    return number


def _fill(event: Event, actor, data: dict, *, creating: bool) -> list[Project]:
    """Set the plan's fields from ``data``; returns the projects the event is open to (changed or not)."""
    allowed = set(PLAN_FIELDS) if creating or event.status == CommunityEventStatus.DRAFT else PUBLISHED_FIELDS
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: _("此状态下不可修改此字段") for field in unknown})
    for field in ("title", "description", "place"):
        if field in data:
            setattr(event, field, (data[field] or "").strip())
    for field in ("kind", "starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
        if field in data:
            setattr(event, field, data[field])
    for field in ("capacity", "max_per_household"):
        if field in data:
            setattr(event, field, data[field])
    if "budget" in data:
        try:
            event.budget = Decimal(str(data["budget"] if data["budget"] not in (None, "") else "0"))
        except InvalidOperation:
            raise ValidationError({"budget": _("请输入金额")}) from None
    if "services" in data:
        codes = list(data["services"] or [])
        bad = [c for c in codes if c not in ServiceDayService.values]
        if bad:
            raise ValidationError(
                {"services": _("未知的便民服务项目：%(c)s") % {"c": "、".join(map(str, bad))}}
            )
        event.services = list(dict.fromkeys(codes))
    if event.kind != CommunityEventKind.SERVICE_DAY and event.services:
        raise ValidationError({"services": _("只有便民服务日才有服务项目")})
    if event.kind == CommunityEventKind.SERVICE_DAY and not event.services:
        raise ValidationError({"services": _("请选择便民服务日提供的服务")})
    if "project_id" in data:
        project = visible_reference(
            Project, _int(data["project_id"], "project_id"), actor, field="project_id"
        )
        event.project = project
        event.company_id = project.company_id
    if not event.project_id:
        raise ValidationError({"project_id": _("请选择项目")})
    projects = [event.project]
    if "other_project_ids" in data:
        for pk in data["other_project_ids"] or ():
            other = visible_reference(
                Project, _int(pk, "other_project_ids"), actor, field="other_project_ids"
            )
            if other not in projects:
                projects.append(other)
    elif not creating:
        projects = list(Project.objects.filter(pk__in=event.places.values("project_id")))
        if event.project not in projects:
            projects.insert(0, event.project)
    if "organiser_id" in data or creating:
        organiser_id = data.get("organiser_id") or scope_for(actor).staff_id
        if organiser_id is None:
            raise ValidationError({"organiser_id": _("请选择组织人")})
        organiser = (
            StaffMember.objects.visible_to(actor).filter(pk=_int(organiser_id, "organiser_id")).first()
        )
        if organiser is None or not (
            organiser.projects.filter(pk=event.project_id).exists() or organiser.user_id == actor.pk
        ):
            raise ValidationError({"organiser_id": _("组织人须是该项目的员工")})
        event.organiser = organiser
    _check_times(event)
    return projects


def _check_times(event: Event) -> None:
    errors = {}
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间")
    if event.signup_opens_at and event.signup_closes_at and event.signup_closes_at <= event.signup_opens_at:
        errors["signup_closes_at"] = _("报名截止必须晚于报名开始")
    if event.signup_closes_at and event.starts_at and event.signup_closes_at > event.starts_at:
        errors["signup_closes_at"] = _("报名截止不能晚于活动开始")
    if errors:
        raise ValidationError(errors)


def _sync_places(event: Event, projects: list[Project]) -> None:
    wanted = {p.pk for p in projects}
    event.places.exclude(project_id__in=wanted).delete()
    have = set(event.places.values_list("project_id", flat=True))
    for project in projects:
        if project.pk not in have:
            save_validated(EventProject(company_id=event.company_id, event=event, project=project))


@service
def event_create(*, actor, data: dict) -> Event:
    """Plan an event (a draft); publishing is a separate step."""
    require(actor, Perm.MANAGE_EVENTS)
    event = Event(created_by=actor, status=CommunityEventStatus.DRAFT, company_id=scope_for(actor).company_id)
    data = dict(data)
    projects = _fill(event, actor, data, creating=True)
    save_validated(event)
    _sync_places(event, projects)
    return event


@service
def event_update(*, actor, event: Event, data: dict) -> Event:
    """Change a draft, or the details of a published event (its notices are published anew; a larger
    capacity takes people off the waiting list)."""
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    if event.status not in (
        CommunityEventStatus.DRAFT,
        CommunityEventStatus.PUBLISHED,
        CommunityEventStatus.CLOSED,
    ):
        raise Conflict(_("活动当前状态为「%(s)s」，不能修改") % {"s": event.get_status_display()})
    projects = _fill(event, actor, dict(data), creating=False)
    if event.status != CommunityEventStatus.DRAFT:
        taken = seats_taken(event)
        if event.capacity < taken:
            raise ValidationError({"capacity": _("已有 %(n)s 人报名，名额不能少于此数") % {"n": taken}})
        if event.starts_at <= common._now():
            raise ValidationError({"starts_at": _("活动开始时间必须晚于现在")})
    save_validated(event)
    _sync_places(event, projects)
    if event.status != CommunityEventStatus.DRAFT:
        promote(event)
        _announce(actor, event)
    return event


def notice_body(event: Event) -> str:
    lines = [
        str(_("时间：%(when)s") % {"when": when(event)}),
        str(_("地点：%(place)s") % {"place": event.place}),
    ]
    if event.services:
        lines.append(str(_("服务项目：%(s)s") % {"s": "、".join(event.services_display())}))
    lines.append(
        str(
            _("名额：%(n)s 人，每户最多 %(m)s 人；报名时间 %(a)s 至 %(b)s，满额后可候补。")
            % {
                "n": event.capacity,
                "m": event.max_per_household,
                "a": timezone.localtime(event.signup_opens_at).strftime("%m-%d %H:%M"),
                "b": timezone.localtime(event.signup_closes_at).strftime("%m-%d %H:%M"),
            }
        )
    )
    if event.description:
        lines += ["", event.description]
    lines += ["", str(_("报名入口：生活服务 → 社区活动。"))]
    return "\n".join(lines)


def _announce(actor, event: Event) -> None:
    """The event's notice in each of its projects, published now through notices' services; a notice
    already out is withdrawn and a new one published (notices never change once residents saw them)."""
    for place in event.places.select_related("notice"):
        if place.notice is not None and place.notice.status == NoticeStatus.PUBLISHED:
            notices.notice_withdraw(actor=actor, notice=place.notice)
        notice = notices.notice_create(
            actor=actor,
            data={
                "kind": "event",
                "title": event.title[:100],
                "body": notice_body(event),
                "project_id": place.project_id,
                "expires_at": event.ends_at,
            },
        )
        notices.notice_publish(actor=actor, notice=notice)
        place.notice = notice
        save_validated(place)


def _withdraw_notices(actor, event: Event) -> None:
    for place in event.places.select_related("notice"):
        if place.notice is not None and place.notice.status == NoticeStatus.PUBLISHED:
            notices.notice_withdraw(actor=actor, notice=place.notice)


@service
def event_publish(*, actor, event: Event) -> Event:
    """Open the event to sign-up: its notice goes out in every project it is open to."""
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    target = check_transition(event, "publish")
    now = common._now()
    if event.starts_at <= now:
        raise ValidationError({"starts_at": _("活动开始时间必须晚于现在")})
    if event.signup_closes_at <= now:
        raise ValidationError({"signup_closes_at": _("报名截止必须晚于现在")})
    event.status = target
    event.published_at = now
    save_validated(event)
    _announce(actor, event)
    return event


@service
def event_close(*, actor, event: Event) -> Event:
    """Stop taking sign-ups (a cancellation still promotes from the waiting list)."""
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    event.status = check_transition(event, "close")
    save_validated(event)
    return event


@service
def event_held(*, actor, event: Event) -> Event:
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    target = check_transition(event, "held")
    now = common._now()
    if event.starts_at > now:
        raise ValidationError({"starts_at": _("活动尚未开始，不能确认举办")})
    event.status = target
    event.held_at = now
    save_validated(event)
    return event


@service
def event_evaluate(*, actor, event: Event, summary: str, actual_cost) -> Event:
    """The organiser's summary and the actual cost, recorded against the budget."""
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    target = check_transition(event, "evaluate")
    summary = (summary or "").strip()
    errors = {}
    if not summary:
        errors["summary"] = _("请填写活动总结")
    try:
        cost = Decimal(str(actual_cost))
        if not cost.is_finite() or cost < 0:
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["actual_cost"] = _("请输入实际费用（不小于 0）")
        cost = None
    if errors:
        raise ValidationError(errors)
    event.summary = summary
    event.actual_cost = cost
    event.status = target
    event.evaluated_at = common._now()
    save_validated(event)
    return event


@service
def event_cancel(*, actor, event: Event, reason: str) -> Event:
    """Cancel the event: its notices are withdrawn and every household signed up (or waiting) is told."""
    in_scope(actor, event, Perm.MANAGE_EVENTS)
    event = lock(event)
    target = check_transition(event, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因")})
    was_published = event.status != CommunityEventStatus.DRAFT
    event.status = target
    event.cancel_reason = reason[:200]
    save_validated(event)
    if was_published:
        _withdraw_notices(actor, event)
        units = event.signups.filter(status__in=ACTIVE_SIGNUP, unit__isnull=False).values_list(
            "unit_id", flat=True
        )
        notify(
            recipients=household_users(units),
            subject=Message(gettext_lazy("活动取消：%(title)s"), title=event.title),
            body=Message(
                gettext_lazy(
                    "您报名的活动「%(title)s」（%(when)s）已取消：%(reason)s。给您带来不便，敬请谅解。"
                ),
                title=event.title,
                when=when(event),
                reason=event.cancel_reason,
            ),
            url=reverse("events:portal_detail", args=[event.pk]),
            related=event,
            dedup_key=f"event-{event.pk}-cancelled",
            kind=kinds.CANCELLED,
        )
    return event


__all__ = [
    "event_cancel",
    "event_close",
    "event_create",
    "event_evaluate",
    "event_held",
    "event_publish",
    "event_update",
    "notice_body",
]
