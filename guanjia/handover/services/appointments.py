"""Handing a unit over to its new owner (收楼 / 入住): the list of handover-ready units, the
appointment, the owner's identity and documents, fees as bills in the fee ledger and their payment,
keys and meter readings, the owner's signature, and completion — the owner becomes a resident of the
unit with an owner occupancy and is invited to the portal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors as billing_selectors
from guanjia.billing import services as billing
from guanjia.billing.choices import PaymentMethod
from guanjia.billing.models import Bill, ChargeItem
from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates import services as estates
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.handover.choices import (
    DOCUMENTS,
    KEY_KINDS,
    REQUIRED_DOCUMENTS,
    HandoverItemResult,
    HandoverReadyStatus,
    HandoverStatus,
)
from guanjia.handover.files import store_signature
from guanjia.handover.models import Appointment, ReadyUnit
from guanjia.handover.services import common
from guanjia.residents import services as residents

MAX_KEYS = 20
HALF_CENT = Decimal("0.005")


# Handover-ready units ----------------------------------------------------------------------------


@service
def ready_mark(*, actor, data: dict) -> ReadyUnit:
    """Put a unit on its project's handover-ready list (or change its date and buyer)."""
    require(actor, Perm.HANDOVER)
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    if unit.deleted_at is not None:
        raise ValidationError({"unit_id": _("该房屋已删除")})
    ready_on = common.date(data, "ready_on") if data.get("ready_on") else timezone.localdate()
    buyer = common.text(data, "buyer_name", 60, required=False)
    note = common.text(data, "note", 200, required=False)
    lock(unit)
    ready = ReadyUnit.objects.filter(unit=unit).first()
    if ready is None:
        ready = ReadyUnit(company_id=unit.company_id, project_id=unit.project_id, unit=unit)
    elif ready.status == HandoverReadyStatus.HANDED_OVER:
        raise Conflict(_("该房屋已交付"))
    ready.ready_on, ready.buyer_name, ready.note = ready_on, buyer, note
    return save_validated(ready)


@service
def ready_import(*, actor, project: Project, rows: list[dict]) -> int:
    """The developer's list (.xlsx, read by ``lists.read_ready_sheet``): every row or none. Each row
    names a building and a unit number of ``project``; a row that names none is refused with its
    line number."""
    require(actor, Perm.HANDOVER)
    project = visible_reference(Project, project.pk, actor, field="project_id")
    if not rows:
        raise ValidationError({"file": _("文件中没有数据行")})
    errors = []
    units = {
        (u.building.name, u.number): u
        for u in Unit.objects.filter(project=project, deleted_at__isnull=True).select_related("building")
    }
    plan = []
    for row in rows:
        line = row.get("line")
        unit = units.get((str(row.get("building") or "").strip(), str(row.get("unit") or "").strip()))
        if unit is None:
            errors.append(
                _("第 %(n)s 行：找不到房屋 %(b)s-%(u)s")
                % {"n": line, "b": row.get("building"), "u": row.get("unit")}
            )
            continue
        try:
            ready_on = common.date(row, "ready_on") if row.get("ready_on") else timezone.localdate()
        except ValidationError:
            errors.append(_("第 %(n)s 行：可交付日期格式不正确") % {"n": line})
            continue
        plan.append((unit, ready_on, str(row.get("buyer_name") or "")[:60], str(row.get("note") or "")[:200]))
    if errors:
        raise ValidationError({"file": errors[:50]})
    for unit, ready_on, buyer, note in plan:
        ready_mark(
            actor=actor, data={"unit_id": unit.pk, "ready_on": ready_on, "buyer_name": buyer, "note": note}
        )
    return len(plan)


# Appointments ------------------------------------------------------------------------------------


def _unit(actor, data: dict) -> Unit:
    """The unit of an appointment: out of the actor's scope is a 404 (never a hint it exists)."""
    pk = data.get("unit_id")
    if pk is None:
        raise ValidationError({"unit_id": _("此项为必填项")})
    unit = Unit.objects.visible_to(actor).filter(pk=pk, deleted_at__isnull=True).first()
    if unit is None:
        raise NotFound(_("房屋不存在"))
    return unit


@service
def appointment_book(*, actor, data: dict) -> Appointment:
    """Book the handover of a ready unit for a slot: the new owner's name, phone and ID number.
    Another booked slot of the same unit overlapping this one is refused (the unit's row lock
    serialises two desks)."""
    require(actor, Perm.HANDOVER)
    unit = _unit(actor, data)
    starts_at = common.moment(data, "starts_at")
    ends_at = common.moment(data, "ends_at")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间")})
    if ends_at - starts_at > datetime.timedelta(hours=8):
        raise ValidationError({"ends_at": _("一次预约最长 8 小时")})
    name = common.text(data, "owner_name", 60)
    try:
        phone = normalise_phone(data.get("owner_phone") or "")
    except ValidationError as exc:
        raise ValidationError({"owner_phone": exc.messages}) from exc
    id_number = common.id_number(data)
    unit = lock(unit)
    ready = ReadyUnit.objects.filter(unit=unit).first()
    if ready is None:
        raise ValidationError({"unit_id": _("该房屋不在可交付清单中，请先标记为可交付")})
    if ready.status == HandoverReadyStatus.HANDED_OVER:
        raise Conflict(_("该房屋已交付"))
    clash = (
        Appointment.objects.filter(unit=unit, status=HandoverStatus.BOOKED)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _("该房屋在此时段已有预约 %(n)s（%(s)s）")
                % {"n": clash.number, "s": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    now = common.now()
    appointment = save_validated(
        Appointment(
            company_id=unit.company_id,
            project_id=unit.project_id,
            number=common.number("JF", Appointment, unit.company_id, now),
            unit=unit,
            starts_at=starts_at,
            ends_at=ends_at,
            owner_name=name,
            owner_phone=phone,
            owner_id_number=id_number,
            booked_by=actor,
        )
    )
    ready.status = HandoverReadyStatus.BOOKED
    ready.save()
    return appointment


def _open(appointment: Appointment) -> Appointment:
    appointment = lock(appointment)
    if appointment.status != HandoverStatus.BOOKED:
        raise Conflict(_("该收楼预约已%(s)s，不能再修改") % {"s": appointment.get_status_display()})
    return appointment


@service
def appointment_record(*, actor, appointment: Appointment, data: dict) -> Appointment:
    """At the desk: the documents checked (ID, purchase contract …), the keys handed over (kind →
    count) and the meter readings at handover (water, power, gas). Only what ``data`` names changes."""
    require(actor, Perm.HANDOVER)
    appointment = _open(appointment)
    if "documents" in data:
        codes = [str(c) for c in data.get("documents") or []]
        known = {code for code, _label in DOCUMENTS}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError({"documents": _("未知的资料：%(c)s") % {"c": "、".join(unknown)}})
        appointment.documents = sorted(set(codes))
    if "keys" in data:
        keys = data.get("keys") or {}
        if not isinstance(keys, dict):
            raise ValidationError({"keys": _("钥匙交接须为“类型: 数量”")})
        known = {code for code, _label in KEY_KINDS}
        clean = {}
        for kind, count in keys.items():
            if kind not in known:
                raise ValidationError({"keys": _("未知的钥匙类型：%(k)s") % {"k": kind}})
            try:
                count = int(count or 0)
            except (TypeError, ValueError):
                raise ValidationError({"keys": _("钥匙数量须为整数")}) from None
            if not 0 <= count <= MAX_KEYS:
                raise ValidationError({"keys": _("钥匙数量须在 0–%(n)s 之间") % {"n": MAX_KEYS}})
            if count:
                clean[kind] = count
        appointment.keys = clean
    for field in ("water_reading", "power_reading", "gas_reading"):
        if field in data:
            setattr(appointment, field, common.reading(data, field))
    return save_validated(appointment)


@service
def appointment_cancel(*, actor, appointment: Appointment) -> Appointment:
    require(actor, Perm.HANDOVER)
    appointment = _open(appointment)
    appointment.status = HandoverStatus.CANCELLED
    save_validated(appointment)
    others = Appointment.objects.filter(unit_id=appointment.unit_id, status=HandoverStatus.BOOKED)
    ready = ReadyUnit.objects.filter(unit_id=appointment.unit_id, status=HandoverReadyStatus.BOOKED).first()
    if ready is not None and not others.exists():
        ready.status = HandoverReadyStatus.READY
        ready.save()
    return appointment


# Fees: bills in the fee ledger -------------------------------------------------------------------


def bill_key(appointment: Appointment, item_id: int) -> str:
    return f"handover-{appointment.pk}-{item_id}"


def bills(appointment: Appointment):
    """The appointment's bills with what each still asks for (billing's ledger)."""
    return billing_selectors.with_amounts(
        Bill.objects.filter(company_id=appointment.company_id, key__startswith=f"handover-{appointment.pk}-")
    ).order_by("id")


def outstanding(appointment: Appointment) -> Decimal:
    return sum((b.outstanding for b in bills(appointment)), Decimal("0"))


@service
def appointment_bill(*, actor, appointment: Appointment, data: dict) -> Bill:
    """A fee due at move-in (物业费预收、装修押金 …) as a one-off bill of the unit, through
    ``billing.bill_one_off``: once per appointment and charge item (the key)."""
    require(actor, Perm.CHANGE_BILLING)
    appointment = _open(appointment)
    item = visible_reference(ChargeItem, data.get("item_id"), actor, field="item_id")
    return billing.bill_one_off(
        actor=actor,
        data={
            "unit_id": appointment.unit_id,
            "item_id": item.pk,
            "amount": data.get("amount"),
            "due_on": timezone.localdate(appointment.starts_at),
            "key": bill_key(appointment, item.pk),
            "note": _("收楼费用 %(n)s %(i)s") % {"n": appointment.number, "i": item.name},
        },
    )


@service
def appointment_pay(*, actor, appointment: Appointment, data: dict):
    """The owner pays what the handover's bills ask for, at the desk (``billing.payment_post``:
    once per idempotency key; the money goes to the unit's oldest open bills first)."""
    require(actor, Perm.POST_PAYMENT)
    appointment = lock(appointment)
    due = outstanding(appointment)
    if due < HALF_CENT:
        raise Conflict(_("收楼费用已结清"))
    method = data.get("method") or PaymentMethod.CASH
    payment, _created = billing.payment_post(
        actor=actor,
        data={
            "unit_id": appointment.unit_id,
            "amount": data.get("amount") or due,
            "method": method,
            "reference": data.get("reference") or "",
            "idempotency_key": data.get("idempotency_key") or f"handover-{appointment.pk}-{due}",
            "payer": appointment.owner_name,
            "note": _("收楼费用 %(n)s") % {"n": appointment.number},
        },
    )
    return payment


# Signature and completion ------------------------------------------------------------------------


def _inspection_done(appointment: Appointment) -> None:
    inspection = getattr(appointment, "inspection", None)
    if inspection is None:
        raise ValidationError({"inspection": _("尚未验房")})
    if inspection.items.filter(result=HandoverItemResult.PENDING).exists():
        raise ValidationError({"inspection": _("验房尚有未检查的项目")})


@service
def appointment_sign(*, actor, appointment: Appointment, signature) -> Appointment:
    """The owner signs the inspection record on the phone screen (a PNG from the canvas)."""
    require(actor, Perm.HANDOVER)
    appointment = _open(appointment)
    _inspection_done(appointment)
    appointment.signature = store_signature(signature)
    appointment.signed_at = common.now()
    return save_validated(appointment)


def _missing(appointment: Appointment) -> None:
    missing_docs = [
        label for code, label in DOCUMENTS if code in REQUIRED_DOCUMENTS and code not in appointment.documents
    ]
    if missing_docs:
        raise ValidationError(
            {"documents": _("尚未核验：%(d)s") % {"d": "、".join(str(d) for d in missing_docs)}}
        )
    if not appointment.keys.get("door"):
        raise ValidationError({"keys": _("请登记交付的入户门钥匙")})
    for field, label in (("water_reading", _("水表")), ("power_reading", _("电表"))):
        if getattr(appointment, field) is None:
            raise ValidationError({field: _("请登记交付时的%(m)s读数") % {"m": label}})
    _inspection_done(appointment)
    if not appointment.signature:
        raise ValidationError({"signature": _("业主尚未签名")})


def _owner(actor, appointment: Appointment) -> Resident:
    """The new owner as a resident of the project: the one with this phone, or a new one."""
    existing = (
        Resident.objects.visible_to(actor)
        .filter(project_id=appointment.project_id, phone=appointment.owner_phone, deleted_at__isnull=True)
        .first()
    )
    if existing is not None:
        return existing
    return estates.resident_create(
        actor=actor,
        data={
            "project_id": appointment.project_id,
            "name": appointment.owner_name,
            "phone": appointment.owner_phone,
            "note": _("收楼登记 %(n)s") % {"n": appointment.number},
        },
    )


@service
def appointment_complete(*, actor, appointment: Appointment) -> Appointment:
    """The handover is done: documents checked, keys and readings recorded, the inspection finished
    and signed. The owner becomes a resident of the unit with an owner occupancy (estates) and is
    invited to the portal (residents); open defects stay open as requests. Two desks completing at
    once: the row lock lets one win, the other gets 409."""
    require(actor, Perm.HANDOVER)
    appointment = _open(appointment)
    _missing(appointment)
    resident = _owner(actor, appointment)
    unit = Unit.objects.get(pk=appointment.unit_id)
    tied = Occupancy.objects.current().filter(resident=resident, unit=unit, relation=Relation.OWNER).exists()
    if not tied:
        estates.occupancy_create(
            actor=actor,
            data={"resident_id": resident.pk, "unit_id": unit.pk, "relation": Relation.OWNER},
        )
    try:
        residents.resident_invite(actor=actor, resident=resident)
    except (Conflict, NotAllowed, ValidationError) as exc:
        # Already active, just invited, or no right to invite: the handover still completes.
        note = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", []))
    else:
        note = _("已发送业主端邀请短信")
    now = common.now()
    appointment.status = HandoverStatus.COMPLETED
    appointment.completed_at = now
    appointment.completed_by = actor
    appointment.resident = resident
    appointment.invitation_note = str(note)[:200]
    save_validated(appointment)
    ready = ReadyUnit.objects.filter(unit_id=unit.pk).first()
    if ready is not None:
        ready.status = HandoverReadyStatus.HANDED_OVER
        ready.save()
    return appointment
