"""Visitor passes: a resident invites (for one of their units), the guard registers a walk-in, checks
visitors in and out; a pass is used once, inside its window.

Who may: a resident for the units where they live now (``Unit.objects.visible_to``: another unit is
a 422 on ``unit_id``); staff with ``GATE_DUTY`` for the units of their projects. Two guards scanning
the same pass at once are serialised by the pass's row lock: the second hears who let it in (409).
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Unit
from guanjia.gate.choices import GateLogKind, PassKind, PassState
from guanjia.gate.models import Gate, VisitorPass
from guanjia.gate.services import common

# A pass is for a visit, not a season ticket: at most this long.
MAX_WINDOW = datetime.timedelta(days=7)
WALK_IN_HOURS = 4


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _text(data: dict, field: str, *, required: bool = False, max_length: int = 100) -> str:
    value = (data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("此项为必填项")})
    if len(value) > max_length:
        raise ValidationError({field: _("不能超过 %(n)s 个字") % {"n": max_length}})
    return value


def _people(data: dict) -> int:
    try:
        people = int(data.get("people") or 1)
    except (TypeError, ValueError):
        raise ValidationError({"people": _("请输入人数")}) from None
    if not 1 <= people <= 50:
        raise ValidationError({"people": _("人数应在 1 到 50 之间")})
    return people


def _window(data: dict, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = data.get("valid_from"), data.get("valid_until")
    if start is None:
        raise ValidationError({"valid_from": _("此项为必填项")})
    if end is None:
        raise ValidationError({"valid_until": _("此项为必填项")})
    if end <= start:
        raise ValidationError({"valid_until": _("结束时间必须晚于开始时间")})
    if end <= now:
        raise ValidationError({"valid_until": _("结束时间已过")})
    if end - start > MAX_WINDOW:
        raise ValidationError({"valid_until": _("通行证有效期最长 7 天")})
    return start, end


@service
def pass_create(*, actor, data: dict) -> VisitorPass:
    """A resident invites a visitor for one of their units (or the desk does it for them)."""
    scope = scope_for(actor)
    if not scope.is_resident:
        require(actor, Perm.GATE_DUTY)
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    now = common._now()
    start, end = _window(data, now)
    visitor_pass = VisitorPass(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        kind=PassKind.INVITED,
        host_id=scope.resident_id,
        visitor_name=_text(data, "visitor_name", required=True, max_length=40),
        visitor_phone=_text(data, "visitor_phone", max_length=20),
        plate=common.plate_of(data.get("plate")),
        people=_people(data),
        valid_from=start,
        valid_until=end,
        token=new_token(),
        created_by=actor,
    )
    return save_validated(visitor_pass)


@service
def walk_in_register(*, actor, data: dict) -> VisitorPass:
    """A visitor without a pass: the guard calls the household, writes down who confirmed and why,
    and lets the visitor in at once (the pass is checked in at the gate it was written at)."""
    require(actor, Perm.GATE_DUTY)
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    gate = common.gate_of(actor, data.get("gate_id"), project_id=unit.project_id)
    now = common._now()
    visitor_pass = VisitorPass(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        kind=PassKind.WALK_IN,
        visitor_name=_text(data, "visitor_name", required=True, max_length=40),
        visitor_phone=_text(data, "visitor_phone", max_length=20),
        plate=common.plate_of(data.get("plate")),
        people=_people(data),
        confirmed_by=_text(data, "confirmed_by", required=True, max_length=40),
        reason=_text(data, "reason", required=True, max_length=100),
        valid_from=now,
        valid_until=now + datetime.timedelta(hours=WALK_IN_HOURS),
        token=new_token(),
        created_by=actor,
        checked_in_at=now,
        checked_in_gate=gate,
        checked_in_by=actor,
    )
    save_validated(visitor_pass)
    common.log(
        gate=gate,
        kind=GateLogKind.VISITOR_IN,
        time=now,
        guard=actor,
        visitor_pass=visitor_pass,
        unit=unit,
        plate=visitor_pass.plate,
        note=_("门岗登记：%(r)s（%(c)s 电话确认）")
        % {"r": visitor_pass.reason, "c": visitor_pass.confirmed_by},
    )
    return visitor_pass


def pass_by_token(actor, token: str) -> VisitorPass:
    """The pass a guard scanned or typed, if the guard's scope reaches it (else "not found")."""
    token = (token or "").strip()
    if "token=" in token:  # the whole link a phone's scanner app read
        token = token.split("token=", 1)[1].split("&", 1)[0]
    found = (
        VisitorPass.objects.visible_to(actor)
        .select_related("unit__building", "project", "checked_in_gate", "checked_in_by")
        .filter(token=token)
        .first()
        if 20 <= len(token) <= 43
        else None
    )
    if found is None:
        raise NotFound(_("没有找到这张通行证，请核对二维码或请住户重新分享"))
    return found


def refusal(visitor_pass: VisitorPass, state: str) -> str:
    """Why the guard must not let the visitor in, in words the guard can say aloud."""
    if state == PassState.NOT_YET:
        return _("通行证未到有效时间（%(t)s 起可用）") % {"t": common.local(visitor_pass.valid_from)}
    if state == PassState.EXPIRED:
        return _("通行证已于 %(t)s 过期") % {"t": common.local(visitor_pass.valid_until)}
    if state == PassState.REVOKED:
        return _("通行证已被住户作废")
    if state == PassState.USED:
        return _("通行证已使用（%(t)s 离场）") % {"t": common.local(visitor_pass.checked_out_at)}
    if state == PassState.INSIDE:
        gate = Gate.objects.filter(pk=visitor_pass.checked_in_gate_id).first()
        return _("该访客已于 %(t)s 在%(g)s入场，请勿重复核验") % {
            "t": common.local(visitor_pass.checked_in_at),
            "g": gate.name if gate else "",
        }
    return ""


def check_in(visitor_pass: VisitorPass, *, gate: Gate, guard, now) -> VisitorPass:
    """Let a visitor in (the caller checked who may); refused outside the window or when used."""
    visitor_pass = lock(visitor_pass)
    state = visitor_pass.state(now)
    if state != PassState.VALID:
        raise Conflict(refusal(visitor_pass, state), state=state)
    visitor_pass.checked_in_at, visitor_pass.checked_in_gate, visitor_pass.checked_in_by = now, gate, guard
    visitor_pass.save()
    common.log(
        gate=gate,
        kind=GateLogKind.VISITOR_IN,
        time=now,
        guard=guard,
        visitor_pass=visitor_pass,
        unit_id=visitor_pass.unit_id,
        plate=visitor_pass.plate,
    )
    return visitor_pass


def check_out(visitor_pass: VisitorPass, *, gate: Gate, guard, now) -> VisitorPass:
    visitor_pass = lock(visitor_pass)
    state = visitor_pass.state(now)
    if state != PassState.INSIDE:
        if state in (PassState.VALID, PassState.NOT_YET, PassState.EXPIRED):
            raise Conflict(_("该访客尚未入场，不能登记离场"), state=state)
        raise Conflict(refusal(visitor_pass, state), state=state)
    visitor_pass.checked_out_at, visitor_pass.checked_out_gate = now, gate
    visitor_pass.save()
    common.log(
        gate=gate,
        kind=GateLogKind.VISITOR_OUT,
        time=now,
        guard=guard,
        visitor_pass=visitor_pass,
        unit_id=visitor_pass.unit_id,
        plate=visitor_pass.plate,
    )
    return visitor_pass


@service
def pass_check_in(*, actor, visitor_pass: VisitorPass, gate_id) -> VisitorPass:
    require(actor, Perm.GATE_DUTY)
    gate = common.gate_of(actor, gate_id, project_id=visitor_pass.project_id)
    return check_in(visitor_pass, gate=gate, guard=actor, now=common._now())


@service
def pass_check_out(*, actor, visitor_pass: VisitorPass, gate_id) -> VisitorPass:
    require(actor, Perm.GATE_DUTY)
    gate = common.gate_of(actor, gate_id, project_id=visitor_pass.project_id)
    return check_out(visitor_pass, gate=gate, guard=actor, now=common._now())


@service
def pass_revoke(*, actor, visitor_pass: VisitorPass) -> VisitorPass:
    """The household (or the desk) withdraws an invitation not yet used."""
    if not scope_for(actor).is_resident:
        require(actor, Perm.GATE_DUTY)
    # A resident reached the pass through ``visible_to``: it is for a unit of theirs.
    visitor_pass = lock(visitor_pass)
    if visitor_pass.revoked_at is not None:
        raise Conflict(_("通行证已作废"))
    if visitor_pass.checked_in_at is not None:
        raise Conflict(_("访客已入场，通行证不能作废"))
    visitor_pass.revoked_at = common._now()
    visitor_pass.save()
    return visitor_pass
