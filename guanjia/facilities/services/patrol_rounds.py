"""Patrol rounds (巡查/巡更): generated for each route's times, scanned checkpoint by checkpoint,
closed when their window ends (missed checkpoints flagged once), and what was found on the way."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import journal
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm, permissions_for
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.facilities.choices import RoundStatus
from guanjia.facilities.models import (
    Checkpoint,
    CheckpointScan,
    MissedCheckpoint,
    PatrolFinding,
    PatrolRound,
    PatrolRoute,
)
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _heads, _local_date, _staff_of, _zone, local_midnight
from guanjia.notifications import services as notifications
from guanjia.notifications.messages import Message
from guanjia.staff.models import StaffMember
from guanjia.staff.services import on_duty
from guanjia.tickets import services as tickets
from guanjia.tickets.choices import Channel, Kind

# A patroller may scan a round's first checkpoint this long before its window opens (marked early).
ROUND_EARLY = datetime.timedelta(minutes=30)


def parse_round_times(value) -> list[datetime.time]:
    text = str(value or "").replace("，", ",").replace("；", ",").replace(";", ",")
    times = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        try:
            hour, minute = part.split(":")
            times.append(datetime.time(int(hour), int(minute)))
        except ValueError:
            raise ValidationError(
                {"round_times": _("“%(value)s” 不是有效时间，请写作 22:00,01:00") % {"value": part}}
            ) from None
    if not times or len(times) > 24:
        raise ValidationError({"round_times": _("请填写 1 到 24 个开始时间，如 22:00,01:00")})
    return sorted(set(times))


def checkpoint_plan(route: PatrolRoute) -> list[dict]:
    """The snapshot a new round keeps of its route's active checkpoints, in order."""
    return [
        {"id": c.pk, "position": c.position, "name": c.name, "from": c.expected_from, "to": c.expected_to}
        for c in route.checkpoints.filter(is_active=True).order_by("position")
    ]


def round_checkpoints(patrol: PatrolRound) -> list[dict]:
    """The checkpoints of a round, in order: its snapshot (rounds made before snapshots existed fall
    back to the route's active checkpoints)."""
    return patrol.checkpoint_plan or checkpoint_plan(patrol.route)


def _assignee_for(route: PatrolRoute, at: datetime.datetime) -> StaffMember | None:
    people = [
        s
        for s in on_duty(project=route.project, at=at)
        if s.department == route.department
        and Perm.DO_FACILITIES_WORK in permissions_for(s.roles.values_list("role", flat=True))
    ]
    return min(people, key=lambda s: s.pk) if people else None


def generate_rounds_for(route: PatrolRoute, *, now: datetime.datetime) -> int:
    """Rounds of a route for yesterday, today and tomorrow (yesterday catches up after downtime),
    each once (unique constraint on route and start). The on-duty person of the route's team is
    the patroller."""
    if not route.is_active:
        return 0
    today = _local_date(now)
    plan = checkpoint_plan(route)
    created = 0
    existing = set(
        route.rounds.filter(window_start__gte=local_midnight(today - datetime.timedelta(days=1))).values_list(
            "window_start", flat=True
        )
    )
    for offset in (-1, 0, 1):
        day = today + datetime.timedelta(days=offset)
        if str(day.weekday()) not in route.weekdays:
            continue
        for at in parse_round_times(route.round_times):
            start = datetime.datetime.combine(day, at, tzinfo=_zone())
            end = start + datetime.timedelta(minutes=route.window_minutes)
            if start in existing or end <= route.rounds_from:
                continue
            patrol = PatrolRound(
                company_id=route.company_id,
                project_id=route.project_id,
                route=route,
                window_start=start,
                window_end=end,
                assignee=_assignee_for(route, start),
                checkpoint_count=len(plan),
                checkpoint_plan=plan,
            )
            try:
                with transaction.atomic():
                    patrol.save()
            except IntegrityError:
                continue
            created += 1
    return created


def generate_rounds(*, now: datetime.datetime | None = None) -> int:
    now = now or common._now()
    created = 0
    for route in PatrolRoute.objects.filter(is_active=True).select_related("project").order_by("id"):
        created += generate_rounds_for(route, now=now)
    return created


def current_round(checkpoint: Checkpoint, *, now: datetime.datetime | None = None) -> PatrolRound | None:
    """The round of the checkpoint's route open for scanning now (from ROUND_EARLY before its window)."""
    now = now or common._now()
    return (
        PatrolRound.objects.filter(
            route_id=checkpoint.route_id,
            closed_at__isnull=True,
            window_start__lte=now + ROUND_EARLY,
            window_end__gt=now,
        )
        .order_by("window_start")
        .first()
    )


@service
def round_scan(*, actor, patrol: PatrolRound, code: str) -> CheckpointScan:
    """Record a checkpoint scanned in a round: the time and the person, and whether it was inside
    the round's window and in the route's order. Each checkpoint once per round."""
    require(actor, Perm.DO_FACILITIES_WORK)
    patrol = lock(patrol)
    if patrol.closed_at is not None:
        raise Conflict(_("本轮巡查已结束，不能再扫码"))
    points = round_checkpoints(patrol)
    order = [p["id"] for p in points]
    checkpoint = Checkpoint.objects.filter(
        route_id=patrol.route_id, pk__in=order, qr_token=str(code or "")
    ).first()
    if checkpoint is None:
        raise ValidationError({"code": _("该二维码不是本路线的巡查点")})
    now = common._now()
    scanned = set(patrol.scans.values_list("checkpoint_id", flat=True))
    if checkpoint.pk in scanned:
        raise Conflict(_("巡查点“%(name)s”本轮已扫过") % {"name": checkpoint.name})
    point = points[order.index(checkpoint.pk)]
    earlier = set(order[: order.index(checkpoint.pk)])
    if point.get("from") is not None:
        low = patrol.window_start + datetime.timedelta(minutes=point["from"])
        high = patrol.window_start + datetime.timedelta(minutes=point["to"])
    else:
        low, high = patrol.window_start, patrol.window_end
    scan = CheckpointScan(
        company_id=patrol.company_id,
        project_id=patrol.project_id,
        round=patrol,
        checkpoint=checkpoint,
        scanned_at=now,
        scanned_by=actor,
        staff=_staff_of(actor),
        in_window=low <= now <= high,
        in_order=earlier <= scanned,
    )
    save_validated(scan)
    patrol.scanned_count = len(scanned) + 1
    patrol.irregular_count += int(not (scan.in_window and scan.in_order))
    patrol.status = RoundStatus.IN_PROGRESS
    if patrol.assignee_id is None and scan.staff is not None:
        patrol.assignee = scan.staff
    if patrol.scanned_count >= patrol.checkpoint_count:
        patrol.status = RoundStatus.COMPLETED
    patrol.save()
    return scan


def close_rounds(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: a round whose window has closed is claimed once (a conditional update);
    its unscanned checkpoints are flagged missed (unique per round and checkpoint) and the route's
    supervisor is notified once. Returns how many rounds were closed."""
    now = now or common._now()
    closed = 0
    due = PatrolRound.objects.filter(closed_at__isnull=True, window_end__lte=now).select_related(
        "route__supervisor__user", "assignee"
    )
    for patrol in due.order_by("window_end", "id"):
        with transaction.atomic():
            if PatrolRound.objects.filter(pk=patrol.pk, closed_at__isnull=True).update(closed_at=now) != 1:
                continue
            scanned = set(patrol.scans.values_list("checkpoint_id", flat=True))
            wanted = [p["id"] for p in round_checkpoints(patrol) if p["id"] not in scanned]
            by_id = Checkpoint.objects.in_bulk(wanted)
            missing = [by_id[pk] for pk in wanted if pk in by_id]
            rows = [
                MissedCheckpoint(
                    company_id=patrol.company_id,
                    project_id=patrol.project_id,
                    round=patrol,
                    checkpoint=c,
                    staff=patrol.assignee,
                )
                for c in missing
            ]
            MissedCheckpoint.objects.bulk_create(rows)
            journal.journal_bulk_create(rows)
            status = RoundStatus.INCOMPLETE if missing else RoundStatus.COMPLETED
            PatrolRound.objects.filter(pk=patrol.pk).update(missed_count=len(missing), status=status)
            journal.record(
                patrol,
                "update",
                {
                    "closed_at": [None, now.isoformat()],
                    "status": [patrol.status, status],
                    "missed_count": [0, len(missing)],
                },
            )
            if missing:
                route = patrol.route
                recipients = (
                    [route.supervisor.user]
                    if route.supervisor and route.supervisor.user_id
                    else _heads(patrol.project_id, route.department)
                )
                who = patrol.assignee.name if patrol.assignee else gettext_lazy("未指定")
                notifications.notify(
                    recipients=recipients,
                    subject=Message(gettext_lazy("巡查漏检：%(route)s"), route=route.name),
                    body=Message(
                        gettext_lazy("%(route)s %(time)s 一轮（巡查人：%(who)s）漏检 %(n)s 个点：%(points)s"),
                        route=route.name,
                        time=timezone.localtime(patrol.window_start).strftime("%m-%d %H:%M"),
                        who=who,
                        n=len(missing),
                        points="、".join(c.name for c in missing),
                    ),
                    url=reverse("facilities:round", args=[patrol.pk]),
                    related=patrol,
                    dedup_key=f"facilities-round-{patrol.pk}-missed",
                    kind="facilities.patrol_missed",
                )
            closed += 1
    return closed


@service
def finding_report(
    *, actor, patrol: PatrolRound, checkpoint_id, description: str, category_id=None, photos=()
) -> PatrolFinding:
    """A problem found at a checkpoint: it becomes a service request of kind patrol (巡查报事) with
    the checkpoint's place filled in; the photos go onto the request."""
    require(actor, Perm.DO_FACILITIES_WORK)
    checkpoint = (
        Checkpoint.objects.filter(route_id=patrol.route_id, pk=checkpoint_id).first()
        if checkpoint_id
        else None
    )
    if checkpoint is None:
        raise ValidationError({"checkpoint_id": _("请选择本路线的巡查点")})
    if not (description or "").strip():
        raise ValidationError({"description": _("请描述发现的问题")})
    ticket = tickets.ticket_create(
        actor=actor,
        data={
            "kind": Kind.PATROL,
            "channel": Channel.PATROL,
            "project_id": patrol.project_id,
            "building_id": checkpoint.building_id,
            "location": (checkpoint.place or checkpoint.name)[:100],
            "category_id": category_id,
            "description": description.strip(),
        },
    )
    for upload in photos:
        tickets.ticket_add_photo(actor=actor, ticket=ticket, upload=upload)
    return PatrolFinding.objects.create(
        company_id=patrol.company_id,
        project_id=patrol.project_id,
        round=patrol,
        checkpoint=checkpoint,
        ticket=ticket,
        found_by=actor,
    )
