"""What the gate's services share: the present, ids from input, plates, the gate a guard stands at."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.services import visible_reference
from guanjia.gate.models import Gate, GateLogEntry
from guanjia.gate.plates import is_plate, normalize_plate


def _now() -> datetime.datetime:
    """The present: one seam for tests and the demo."""
    return timezone.now()


def plate_of(value, *, field: str = "plate", required: bool = False) -> str:
    plate = normalize_plate(value or "")
    if not plate:
        if required:
            raise ValidationError({field: _("此项为必填项")})
        return ""
    if not is_plate(plate):
        raise ValidationError({field: _("车牌号格式不正确（如 粤B12345，新能源 粤BD12345）")})
    return plate


def gate_of(actor, gate_id, *, project_id: int | None = None, field: str = "gate_id") -> Gate:
    """The gate a guard names: visible, in service, and of the record's project."""
    gate = visible_reference(Gate, gate_id, actor, field=field)
    if not gate.active:
        raise ValidationError({field: _("该门岗已停用")})
    if project_id is not None and gate.project_id != project_id:
        raise ValidationError({field: _("该门岗不属于此项目")})
    return gate


def log(*, gate: Gate, kind: str, time=None, guard=None, **fields) -> GateLogEntry:
    entry = GateLogEntry(
        company_id=gate.company_id,
        project_id=gate.project_id,
        gate=gate,
        kind=kind,
        time=time or _now(),
        guard=guard,
        **fields,
    )
    entry.save()
    return entry


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")
