"""Access cards: issued to residents (for a unit they live in), staff (serving the project) and
contractors' workers (through the renovation's worker pass: the card never outlives the pass).

Revoked by hand, at move-out (``estates.hooks.on_occupancy_ended``, in the move-out's transaction),
and by the daily job ``revoke_due_cards`` for what no one announces: a planned move-out whose day has
passed, a staff member who left (soft-deleted), a worker pass revoked or expired, a card past its date.
A revoked card waits on the guard's list until it is switched off in the access-control system.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.context import Source, change_context
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.gate.choices import HolderKind, RevokeReason
from guanjia.gate.models import AccessCard
from guanjia.gate.services import common
from guanjia.renovation.models import WorkerPass
from guanjia.staff.models import StaffMember


def _date(value, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")}) from None


@service
def card_issue(*, actor, data: dict) -> AccessCard:
    require(actor, Perm.MANAGE_GATE)
    kind = data.get("holder_kind")
    today = timezone.localdate(common._now())
    card = AccessCard(
        holder_kind=kind,
        number=(data.get("number") or "").strip().upper(),
        valid_from=_date(data.get("valid_from"), "valid_from") or today,
        valid_until=_date(data.get("valid_until"), "valid_until"),
    )
    if kind == HolderKind.RESIDENT:
        unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
        resident = visible_reference(Resident, data.get("resident_id"), actor, field="resident_id")
        if not Occupancy.objects.filter(resident=resident, unit=unit).current().exists():
            raise ValidationError({"resident_id": _("该住户目前不住在这套房屋")})
        card.unit, card.resident, card.holder_name, project_id = (
            unit,
            resident,
            resident.name,
            unit.project_id,
        )
    elif kind == HolderKind.STAFF:
        project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
        staff = visible_reference(StaffMember, data.get("staff_id"), actor, field="staff_id")
        card.staff, card.holder_name, project_id = staff, staff.name, project.pk
    elif kind == HolderKind.CONTRACTOR:
        worker = visible_reference(WorkerPass, data.get("worker_pass_id"), actor, field="worker_pass_id")
        if worker.revoked_at is not None or worker.valid_until is None:
            raise ValidationError({"worker_pass_id": _("该施工人员没有有效的出入证")})
        if card.valid_until is None or card.valid_until > worker.valid_until:
            card.valid_until = worker.valid_until
        card.worker_pass, card.holder_name, project_id = worker, worker.name, worker.project_id
        card.unit_id = worker.renovation.unit_id
    else:
        raise ValidationError({"holder_kind": _("请选择持卡人类型")})
    if not card.number:
        raise ValidationError({"number": _("此项为必填项")})
    card.company_id, card.project_id = scope_for(actor).company_id, project_id
    if card.valid_until is not None and card.valid_until < card.valid_from:
        raise ValidationError({"valid_until": _("有效期至不能早于有效期自")})
    if AccessCard.objects.filter(project_id=project_id, number=card.number, revoked_at__isnull=True).exists():
        raise ValidationError({"number": _("该卡号已在使用")})
    return save_validated(card)


def _revoke(card: AccessCard, reason: str, now) -> bool:
    card = lock(card)
    if card.revoked_at is not None:
        return False
    card.revoked_at, card.revoke_reason = now, reason
    card.save()
    return True


@service
def card_revoke(*, actor, card: AccessCard) -> AccessCard:
    require(actor, Perm.MANAGE_GATE)
    if not _revoke(card, RevokeReason.MANUAL, common._now()):
        raise Conflict(_("该卡已注销"))
    return AccessCard.objects.get(pk=card.pk)


@service
def card_deactivated(*, actor, card: AccessCard) -> AccessCard:
    """The guard switched the revoked card off in the access-control system: off the list."""
    require(actor, Perm.GATE_DUTY)
    card = lock(card)
    if card.revoked_at is None:
        raise Conflict(_("该卡尚未注销"))
    if card.deactivated_at is not None:
        raise Conflict(_("该卡已停用"))
    card.deactivated_at, card.deactivated_by = common._now(), actor
    card.save()
    return card


def revoke_on_move_out(occupancy) -> None:
    """``estates.hooks.on_occupancy_ended``: the household member's cards for the unit go with them."""
    now = common._now()
    for card in AccessCard.objects.filter(
        resident_id=occupancy.resident_id, unit_id=occupancy.unit_id, revoked_at__isnull=True
    ):
        _revoke(card, RevokeReason.MOVE_OUT, now)


def revoke_due_cards(now: datetime.datetime | None = None) -> int:
    """The daily job: revoke every card whose holder's right has gone. Idempotent: only cards not
    yet revoked are read, each revoked under its row lock, once."""
    now = now or common._now()
    today = timezone.localdate(now)
    live = AccessCard.objects.filter(revoked_at__isnull=True)
    living_there = Occupancy.objects.filter(
        resident_id=OuterRef("resident_id"), unit_id=OuterRef("unit_id")
    ).current()
    due = [
        (live.filter(valid_until__lt=today), RevokeReason.EXPIRY),
        (live.filter(holder_kind=HolderKind.RESIDENT).filter(~Exists(living_there)), RevokeReason.MOVE_OUT),
        (live.filter(holder_kind=HolderKind.STAFF, staff__deleted_at__isnull=False), RevokeReason.DEPARTURE),
        (
            live.filter(holder_kind=HolderKind.CONTRACTOR).filter(
                Q(worker_pass__revoked_at__isnull=False) | Q(worker_pass__valid_until__lt=today)
            ),
            RevokeReason.WORKER_PASS,
        ),
    ]
    revoked = 0
    with change_context(source=Source.JOB):
        for queryset, reason in due:
            for card in queryset.order_by("id"):
                revoked += _revoke_one(card, reason, now)
    return revoked


@service
def _revoke_one(card: AccessCard, reason: str, now) -> int:
    return int(_revoke(card, reason, now))
