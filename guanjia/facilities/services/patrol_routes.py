"""Patrol routes (巡查/巡更路线) and their checkpoints: order, places, expected windows, QR labels.
Rounds already generated keep their own snapshot of the route."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Building, Project
from guanjia.facilities.choices import RouteKind
from guanjia.facilities.models import Checkpoint, PatrolRoute
from guanjia.facilities.services import common
from guanjia.facilities.services.common import new_token
from guanjia.facilities.services.patrol_rounds import generate_rounds_for, parse_round_times
from guanjia.staff.models import StaffMember


def _clean_route(route: PatrolRoute) -> None:
    route.name = (route.name or "").strip()
    route.round_times = ",".join(t.strftime("%H:%M") for t in parse_round_times(route.round_times))
    days = route.weekdays or ""
    if not days or any(c not in "0123456" for c in days) or len(set(days)) != len(days):
        raise ValidationError({"weekdays": _("星期写作 0–6 的数字（周一为 0），如 0123456")})
    route.weekdays = "".join(sorted(days))
    if route.kind not in RouteKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": route.kind}})


ROUTE_FIELDS = {"name", "kind", "department", "round_times", "window_minutes", "weekdays", "is_active"}


def _route_supervisor(route: PatrolRoute, *, actor, data: dict) -> None:
    if "supervisor_id" in data:
        pk = data.pop("supervisor_id")
        route.supervisor = (
            None if pk is None else visible_reference(StaffMember, pk, actor, field="supervisor_id")
        )


def _add_checkpoints(route: PatrolRoute, checkpoints, *, actor, start: int) -> list[Checkpoint]:
    made = []
    for index, item in enumerate(checkpoints):
        at = f"checkpoints.{index}"
        name = str((item or {}).get("name") or "").strip()
        if not name:
            raise ValidationError({f"{at}.name": _("此项为必填项")})
        building = None
        if item.get("building_id") is not None:
            building = visible_reference(Building, item["building_id"], actor, field=f"{at}.building_id")
            if building.project_id != route.project_id:
                raise ValidationError({f"{at}.building_id": _("楼栋不属于该项目")})
        checkpoint = Checkpoint(
            company_id=route.company_id,
            project_id=route.project_id,
            route=route,
            position=start + index,
            name=name[:60],
            building=building,
            place=str(item.get("place") or "").strip()[:100],
            qr_token=new_token(),
        )
        _set_window(checkpoint, item, route=route, at=at)
        save_validated(checkpoint)
        made.append(checkpoint)
    return made


def _minutes(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("请填写分钟数（整数）")}) from None
    if not 0 <= minutes <= 720:
        raise ValidationError({field: _("分钟数应在 0 到 720 之间")})
    return minutes


def _set_window(checkpoint: Checkpoint, data: dict, *, route: PatrolRoute, at: str = "") -> None:
    """The checkpoint's expected window within a round, in minutes after the round starts."""
    prefix = f"{at}." if at else ""
    if "expected_from" in data:
        checkpoint.expected_from = _minutes(data.get("expected_from"), f"{prefix}expected_from")
    if "expected_to" in data:
        checkpoint.expected_to = _minutes(data.get("expected_to"), f"{prefix}expected_to")
    low, high = checkpoint.expected_from, checkpoint.expected_to
    if (low is None) != (high is None):
        missing = "expected_to" if high is None else "expected_from"
        raise ValidationError({f"{prefix}{missing}": _("预计时段需同时填写最早和最晚")})
    if low is not None:
        if high < low:
            raise ValidationError({f"{prefix}expected_to": _("最晚不能早于最早")})
        if high > route.window_minutes:
            raise ValidationError(
                {f"{prefix}expected_to": _("不能超过每轮时限 %(n)s 分钟") % {"n": route.window_minutes}}
            )


CHECKPOINT_FIELDS = {"name", "place", "building_id", "expected_from", "expected_to"}


@service
def checkpoint_update(*, actor, checkpoint: Checkpoint, data: dict) -> Checkpoint:
    """Rename, move to another place or set the expected window of a checkpoint. Rounds already
    generated keep their snapshot; the change applies from the next round generated."""
    require(actor, Perm.CHANGE_FACILITIES)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        raise Conflict(_("该巡查点已移除"))
    unknown = set(data) - CHECKPOINT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("不能修改此字段")})
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            raise ValidationError({"name": _("此项为必填项")})
        checkpoint.name = name[:60]
    if "place" in data:
        checkpoint.place = str(data["place"] or "").strip()[:100]
    if "building_id" in data:
        building = None
        if data["building_id"] is not None:
            building = visible_reference(Building, data["building_id"], actor, field="building_id")
            if building.project_id != checkpoint.project_id:
                raise ValidationError({"building_id": _("楼栋不属于该项目")})
        checkpoint.building = building
    _set_window(checkpoint, data, route=checkpoint.route)
    save_validated(checkpoint)
    return checkpoint


@service
def checkpoint_move(*, actor, checkpoint: Checkpoint, direction: str) -> Checkpoint:
    """Swap a checkpoint with its active neighbour (``up`` or ``down``); at either end nothing moves."""
    require(actor, Perm.CHANGE_FACILITIES)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("方向应为 up 或 down")})
    lock(checkpoint.route)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        raise Conflict(_("该巡查点已移除"))
    siblings = Checkpoint.objects.filter(route_id=checkpoint.route_id, is_active=True)
    other = (
        siblings.filter(position__lt=checkpoint.position).order_by("-position").first()
        if direction == "up"
        else siblings.filter(position__gt=checkpoint.position).order_by("position").first()
    )
    if other is None:
        return checkpoint
    mine, theirs = checkpoint.position, other.position
    # Through a free position, because (route, position) is unique at every moment.
    checkpoint.position = 32767
    checkpoint.save(update_fields=["position", "updated_at"])
    other.position = mine
    other.save(update_fields=["position", "updated_at"])
    checkpoint.position = theirs
    checkpoint.save(update_fields=["position", "updated_at"])
    return checkpoint


@service
def checkpoint_order(*, actor, route: PatrolRoute, ids: list) -> list[Checkpoint]:
    """Put the route's active checkpoints in the given order (all of them, each once)."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    active = {c.pk: c for c in route.checkpoints.filter(is_active=True)}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationError({"order": _("顺序应为巡查点编号的列表")}) from None
    if sorted(wanted) != sorted(active):
        raise ValidationError({"order": _("顺序需包含本路线每个启用的巡查点各一次")})
    slots = sorted(c.position for c in active.values())
    top = route.checkpoints.order_by("-position").values_list("position", flat=True).first() or 0
    for offset, pk in enumerate(wanted):  # first out of the way, then into place
        Checkpoint.objects.filter(pk=pk).update(position=top + 1 + offset)
    ordered = []
    for pk, slot in zip(wanted, slots, strict=True):
        checkpoint = active[pk]
        checkpoint.position = slot
        checkpoint.save(update_fields=["position", "updated_at"])
        ordered.append(checkpoint)
    return ordered


@service
def checkpoint_remove(*, actor, checkpoint: Checkpoint) -> None:
    """Take a checkpoint off its route (soft: its scans and missed records stay). Rounds already
    generated keep it; a route keeps at least one checkpoint."""
    require(actor, Perm.CHANGE_FACILITIES)
    lock(checkpoint.route)
    checkpoint = lock(checkpoint)
    if not checkpoint.is_active:
        return
    if (
        not Checkpoint.objects.filter(route_id=checkpoint.route_id, is_active=True)
        .exclude(pk=checkpoint.pk)
        .exists()
    ):
        raise Conflict(_("路线至少需要一个巡查点"))
    checkpoint.is_active = False
    checkpoint.save()


@service
def route_create(*, actor, data: dict) -> PatrolRoute:
    """A patrol route with its ordered checkpoints; rounds appear from the next generation run."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    checkpoints = data.pop("checkpoints", None) or []
    if not checkpoints:
        raise ValidationError({"checkpoints": _("至少需要一个巡查点")})
    route = PatrolRoute(company_id=project.company_id, project=project, rounds_from=common._now())
    _route_supervisor(route, actor=actor, data=data)
    apply_changes(route, {k: v for k, v in data.items() if v is not None}, allowed=ROUTE_FIELDS)
    _clean_route(route)
    save_validated(route)
    _add_checkpoints(route, checkpoints, actor=actor, start=1)
    generate_rounds_for(route, now=common._now())
    return route


@service
def route_update(*, actor, route: PatrolRoute, data: dict) -> PatrolRoute:
    """Change a route; rounds already generated keep their times. ``checkpoints`` appends points."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    data = dict(data)
    checkpoints = data.pop("checkpoints", None) or []
    _route_supervisor(route, actor=actor, data=data)
    apply_changes(route, data, allowed=ROUTE_FIELDS)
    _clean_route(route)
    save_validated(route)
    if checkpoints:
        last = route.checkpoints.order_by("-position").values_list("position", flat=True).first() or 0
        _add_checkpoints(route, checkpoints, actor=actor, start=last + 1)
    return route


@service
def route_delete(*, actor, route: PatrolRoute) -> None:
    """A route with rounds that happened is deactivated (its history stays); one without is removed.
    Rounds not over yet and not scanned at all (the one under way included) go with it."""
    require(actor, Perm.CHANGE_FACILITIES)
    route = lock(route)
    route.rounds.filter(window_end__gt=common._now(), scanned_count=0).delete()
    if route.rounds.exists():
        route.is_active = False
        route.save()
        return
    route.delete()
