"""Gate hardware: an access-control or barrier system authenticates with its gate's device token,
reads the gate's allow-lists and posts what it saw. No vendor driver: the vendor's middleware (or a
small adapter on the gate PC) calls ``/api/v1/gate/device/…`` (docs/gate.md).

Events are taken once per ``(gate, event_id)``: a device that retries after a lost answer gets the
first decision again and nothing is recorded twice.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.accounts.models import hash_token
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.gate.choices import GateLogKind
from guanjia.gate.models import (
    AccessCard,
    BlacklistedPlate,
    Gate,
    GateLogEntry,
    TemporaryVisit,
    Vehicle,
    VisitorPass,
)
from guanjia.gate.plates import is_plate, normalize_plate
from guanjia.gate.services import common, passes, vehicles

TOKEN_PREFIX = "gd_"
# How late a device may report what it saw (buffered while offline), and how far its clock may run ahead.
MAX_DELAY = datetime.timedelta(days=7)
MAX_AHEAD = datetime.timedelta(minutes=10)
EVENT_KINDS = ("card", "plate_in", "plate_out", "visitor_in", "visitor_out")


@service
def gate_create(*, actor, data: dict) -> Gate:
    require(actor, Perm.MANAGE_GATE)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("此项为必填项")})
    if Gate.objects.filter(project=project, name=name).exists():
        raise ValidationError({"name": _("该项目已有同名门岗")})
    gate = Gate(company_id=project.company_id, project=project, name=name[:40])
    if data.get("kind"):
        gate.kind = data["kind"]
    return save_validated(gate)


@service
def gate_issue_device_token(*, actor, gate: Gate) -> str:
    """A new device token for the gate (the old one stops working); shown once, stored hashed."""
    require(actor, Perm.MANAGE_GATE)
    gate = lock(gate)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    gate.device_token_hash, gate.device_token_prefix = hash_token(raw), raw[:8]
    gate.save()
    return raw


def gate_for_token(raw: str) -> Gate | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    return Gate.objects.filter(device_token_hash=hash_token(raw), active=True).first()


def allow_lists(gate: Gate, now: datetime.datetime | None = None) -> dict:
    """What the gate may open for right now: the project's residents' plates (minus the blacklist),
    valid card numbers, and the tokens of visitor passes inside their window and not yet used."""
    now = now or common._now()
    today = timezone.localdate(now)
    black = set(
        BlacklistedPlate.objects.filter(project_id=gate.project_id, active=True).values_list(
            "plate", flat=True
        )
    )
    plates = {
        p
        for p in Vehicle.objects.filter(project_id=gate.project_id, active=True).values_list(
            "plate", flat=True
        )
        if p not in black
    }
    passes_now = VisitorPass.objects.filter(
        project_id=gate.project_id,
        revoked_at__isnull=True,
        checked_out_at__isnull=True,
        valid_from__lte=now,
        valid_until__gt=now,
    )
    visitor_plates = {
        p for p in passes_now.exclude(plate="").values_list("plate", flat=True) if p not in black
    }
    cards = AccessCard.objects.filter(project_id=gate.project_id).valid(today)
    return {
        "gate_id": gate.pk,
        "generated_at": now,
        "plates": sorted(plates),
        "visitor_plates": sorted(visitor_plates - plates),
        "blacklisted_plates": sorted(black),
        "cards": sorted(cards.values_list("number", flat=True)),
        "visitor_tokens": sorted(
            passes_now.filter(checked_in_at__isnull=True).values_list("token", flat=True)
        ),
    }


@dataclass
class Decision:
    allow: bool
    reason: str
    duplicate: bool = False
    log_id: int | None = None


def _decided(entry: GateLogEntry, duplicate: bool) -> Decision:
    return Decision(
        allow=entry.kind != GateLogKind.REFUSED, reason=entry.note, duplicate=duplicate, log_id=entry.pk
    )


def device_event(*, gate: Gate, data: dict) -> Decision:
    """Record what the device saw and answer whether to open; once per ``event_id``."""
    event_id = str(data["event_id"])
    now = common._now()
    when = data.get("time") or now
    if not now - MAX_DELAY <= when <= now + MAX_AHEAD:
        # A device whose clock is far off would write a stay of years (or one that ends before it starts).
        raise ValidationError({"time": _("事件时间与服务器时间相差过大，请校准设备时钟")})
    data = {**data, "time": when}
    first = GateLogEntry.objects.filter(gate=gate, device_event_id=event_id).first()
    if first is not None:
        return _decided(first, duplicate=True)
    try:
        with transaction.atomic():
            entry = _take(gate, data, event_id)
    except IntegrityError:
        first = GateLogEntry.objects.filter(gate=gate, device_event_id=event_id).first()
        if first is None:
            raise
        return _decided(first, duplicate=True)
    return _decided(entry, duplicate=False)


def _refuse(gate, now, event_id, reason, **fields) -> GateLogEntry:
    return common.log(
        gate=gate,
        kind=GateLogKind.REFUSED,
        time=now,
        device_event_id=event_id,
        note=str(reason)[:200],
        **fields,
    )


def _take(gate: Gate, data: dict, event_id: str) -> GateLogEntry:
    now = data.get("time") or common._now()
    kind, value = data["kind"], (data.get("value") or "").strip()
    if kind == "card":
        number = value.upper()
        card = AccessCard.objects.filter(project_id=gate.project_id, number=number).valid(
            timezone.localdate(now)
        )
        card = card.first()
        if card is None:
            return _refuse(gate, now, event_id, _("无效或已注销的门禁卡"), card_number=number[:32])
        return common.log(
            gate=gate,
            kind=GateLogKind.CARD,
            time=now,
            device_event_id=event_id,
            card_number=number,
            unit_id=card.unit_id,
            note=card.holder_name,
        )
    if kind in ("visitor_in", "visitor_out"):
        found = VisitorPass.objects.filter(project_id=gate.project_id, token=value).first()
        if found is None:
            return _refuse(gate, now, event_id, _("无效的访客二维码"))
        try:
            with transaction.atomic():
                if kind == "visitor_in":
                    passes.check_in(found, gate=gate, guard=None, now=now)
                else:
                    passes.check_out(found, gate=gate, guard=None, now=now)
        except Conflict as exc:
            return _refuse(gate, now, event_id, exc.message, visitor_pass=found, unit_id=found.unit_id)
        entry = GateLogEntry.objects.filter(gate=gate, visitor_pass=found).order_by("-id").first()
        entry.device_event_id, entry.note = event_id, found.visitor_name
        entry.save()
        return entry
    plate = normalize_plate(value)
    if not is_plate(plate):
        return _refuse(gate, now, event_id, _("无法识别的车牌"), plate=plate[:8])
    black = vehicles.blacklisted(gate.project_id, plate)
    resident = vehicles.resident_vehicle(gate.project_id, plate)
    if kind == "plate_in":
        if black is not None:
            return _refuse(gate, now, event_id, _("黑名单车辆：%(r)s") % {"r": black.reason}, plate=plate)
        if resident is not None:
            return common.log(
                gate=gate,
                kind=GateLogKind.VEHICLE_IN,
                time=now,
                device_event_id=event_id,
                plate=plate,
                unit_id=resident.unit_id,
                note=_("住户车辆"),
            )
        invited = (
            VisitorPass.objects.filter(project_id=gate.project_id, plate=plate)
            .filter(
                revoked_at__isnull=True, checked_out_at__isnull=True, valid_from__lte=now, valid_until__gt=now
            )
            .first()
        )
        if TemporaryVisit.objects.filter(
            project_id=gate.project_id, plate=plate, left_at__isnull=True
        ).exists():
            return _refuse(gate, now, event_id, _("该车已在场内"), plate=plate)
        vehicles.enter(gate=gate, plate=plate, guard=None, now=now, visitor_pass=invited)
        entry = (
            GateLogEntry.objects.filter(gate=gate, plate=plate, kind=GateLogKind.VEHICLE_IN)
            .order_by("-id")
            .first()
        )
        entry.device_event_id = event_id
        entry.note = _("访客车辆") if invited else _("临时车")
        entry.save()
        return entry
    if kind == "plate_out":
        if resident is not None:
            return common.log(
                gate=gate,
                kind=GateLogKind.VEHICLE_OUT,
                time=now,
                device_event_id=event_id,
                plate=plate,
                unit_id=resident.unit_id,
                note=_("住户车辆"),
            )
        visit = TemporaryVisit.objects.filter(
            project_id=gate.project_id, plate=plate, left_at__isnull=True
        ).first()
        if visit is None:
            return _refuse(gate, now, event_id, _("没有该车的入场记录，请人工处理"), plate=plate)
        visit = vehicles.leave(visit, gate=gate, guard=None, now=now)
        entry = (
            GateLogEntry.objects.filter(gate=gate, plate=plate, kind=GateLogKind.VEHICLE_OUT)
            .order_by("-id")
            .first()
        )
        entry.device_event_id = event_id
        if visit.fee and visit.paid is None:
            # The barrier waits: the guard takes the money (``temporary_exit``) and opens it.
            entry.kind = GateLogKind.REFUSED
            entry.note = _("待缴费 %(f)s 元") % {"f": visit.fee}
        else:
            entry.note = _("免费时段内") if not visit.fee else _("已缴费")
        entry.save()
        return entry
    return _refuse(gate, now, event_id, _("未知事件类型"))
