"""One inspection shape for handovers (收楼验房, a unit's rooms) and takeovers (接管验收, a project's
common areas and ledger equipment): start it from the project's checklist (or the default), record
each item OK or defect with photos, close each defect by a re-inspection (复验) of someone other than
whoever did the work. What differs by kind is said in one place each: where the checklist comes from
(``_lines``), whether the inspection is still open (``_parent_open``), what a defect becomes
(``_raise``) and who did the work (``_doer``)."""

from __future__ import annotations

import contextlib
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.facilities.models import Equipment
from guanjia.handover import checklists
from guanjia.handover.choices import (
    HandoverDefectStatus,
    HandoverInspectionKind,
    HandoverItemResult,
    HandoverStatus,
    TakeoverStatus,
)
from guanjia.handover.files import store_photo
from guanjia.handover.models import (
    Appointment,
    ChecklistLine,
    Defect,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    Takeover,
)
from guanjia.handover.services import common
from guanjia.tickets import services as tickets
from guanjia.tickets.choices import Channel, Kind, Status

MAX_PHOTOS = 6
# A request's work counts as done for a re-inspection once it reached one of these.
WORK_DONE = (Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED)


def handover_rectify_days() -> int:
    """The promise to the owner for a handover defect (the request's own deadlines run as usual)."""
    return int(getattr(settings, "HANDOVER_RECTIFY_DAYS", 7))


def checklist(project_id: int, kind: str) -> list[tuple[str, str, bool]]:
    """(room or area, item, photo required) of a project's checklist, or the default."""
    lines = list(
        ChecklistLine.objects.filter(project_id=project_id, kind=kind).values_list(
            "room", "item", "photo_required"
        )
    )
    if lines:
        return lines
    default = (
        checklists.HANDOVER_DEFAULT
        if kind == HandoverInspectionKind.HANDOVER
        else checklists.TAKEOVER_DEFAULT
    )
    return [
        (str(room), str(item), checklists.PHOTO_REQUIRED_DEFAULT) for room, items in default for item in items
    ]


MAX_LINES = 300


@service
def checklist_set(*, actor, project, kind: str, lines: list[dict]) -> list[ChecklistLine]:
    """Replace a project's own checklist of ``kind`` (rooms and items, or areas and items); an empty
    list goes back to the default. Inspections already started keep their items."""
    require(actor, Perm.CHANGE_ESTATES)
    if kind not in HandoverInspectionKind.values:
        raise ValidationError({"kind": _("请选择收楼验房或接管验收")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("最多 %(n)s 项") % {"n": MAX_LINES}})
    clean = []
    for n, line in enumerate(lines):
        room = str(line.get("room") or "").strip()[:40]
        item = str(line.get("item") or "").strip()[:60]
        if not room or not item:
            raise ValidationError({"lines": _("第 %(n)s 项须填写房间/区域和检查项") % {"n": n + 1}})
        clean.append((room, item, bool(line.get("photo_required", True))))
    for old in ChecklistLine.objects.filter(project=project, kind=kind):
        old.delete()  # one by one: each delete journaled
    return [
        ChecklistLine.objects.create(
            company_id=project.company_id,
            project=project,
            kind=kind,
            room=room,
            item=item,
            photo_required=photo,
            position=n,
        )
        for n, (room, item, photo) in enumerate(clean)
    ]


def _lines(kind: str, project_id: int) -> list[dict]:
    lines = [{"room": r, "item": i, "photo_required": p} for r, i, p in checklist(project_id, kind)]
    if kind == HandoverInspectionKind.TAKEOVER:
        # The project's ledger equipment (设备台账): each item inspected once.
        for equipment in (
            Equipment.objects.filter(project_id=project_id, deleted_at__isnull=True)
            .select_related("type")
            .order_by("type__name", "code")
        ):
            lines.append(
                {
                    "room": f"{equipment.name}（{equipment.code}）",
                    "item": _("外观、运行与随机资料"),
                    "photo_required": True,
                    "equipment": equipment,
                }
            )
    return lines


@service
def inspection_start(
    *, actor, appointment: Appointment | None = None, takeover: Takeover | None = None
) -> Inspection:
    """Start the inspection of a handover (``appointment``) or a takeover (``takeover``) from the
    project's checklist; starting it again returns the one already started."""
    require(actor, Perm.HANDOVER)
    if (appointment is None) == (takeover is None):
        raise ValueError("inspect exactly one of an appointment or a takeover")
    parent = lock(appointment or takeover)
    kind = HandoverInspectionKind.HANDOVER if appointment is not None else HandoverInspectionKind.TAKEOVER
    existing = Inspection.objects.filter(**{kind_field(kind): parent}).first()
    if existing is not None:
        return existing
    _parent_open(kind, parent)
    inspection = save_validated(
        Inspection(
            company_id=parent.company_id,
            project_id=parent.project_id,
            kind=kind,
            appointment=parent if kind == HandoverInspectionKind.HANDOVER else None,
            takeover=parent if kind == HandoverInspectionKind.TAKEOVER else None,
            started_at=common.now(),
            started_by=actor,
        )
    )
    for position, line in enumerate(_lines(kind, parent.project_id)):
        InspectionItem.objects.create(
            company_id=parent.company_id,
            project_id=parent.project_id,
            inspection=inspection,
            position=position,
            **line,
        )
    return inspection


def kind_field(kind: str) -> str:
    return "appointment" if kind == HandoverInspectionKind.HANDOVER else "takeover"


def parent_of(inspection: Inspection):
    return (
        inspection.appointment if inspection.kind == HandoverInspectionKind.HANDOVER else inspection.takeover
    )


def _parent_open(kind: str, parent) -> None:
    if kind == HandoverInspectionKind.HANDOVER and parent.status != HandoverStatus.BOOKED:
        raise Conflict(_("该收楼预约已%(s)s") % {"s": parent.get_status_display()})
    if kind == HandoverInspectionKind.TAKEOVER and parent.status != TakeoverStatus.INSPECTING:
        raise Conflict(_("该接管验收已%(s)s") % {"s": parent.get_status_display()})
    if kind == HandoverInspectionKind.HANDOVER and parent.signature:
        raise Conflict(_("业主已签名确认，验房结果不能再修改"))


@service
def item_record(*, actor, item: InspectionItem, result: str, note: str = "", photos=()) -> InspectionItem:
    """Record one item: OK, or a defect with its description and photos (required when the
    checklist says so). A handover defect becomes a request to engineering linked to the unit; a
    takeover defect is owed by the developer within the takeover's rectification days. A defect,
    once raised, is closed only by a re-inspection."""
    require(actor, Perm.HANDOVER)
    if result not in (HandoverItemResult.OK, HandoverItemResult.DEFECT):
        raise ValidationError({"result": _("请选择合格或有问题")})
    note = common.text({"note": note}, "note", 300, required=result == HandoverItemResult.DEFECT)
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("照片最多 %(n)s 张") % {"n": MAX_PHOTOS}})
    if result == HandoverItemResult.DEFECT and item.photo_required and not photos:
        raise ValidationError({"photos": _("“%(i)s”有问题时须拍照") % {"i": item.item}})
    item = lock(item)
    inspection = Inspection.objects.select_related("appointment", "takeover").get(pk=item.inspection_id)
    parent = lock(parent_of(inspection))
    _parent_open(inspection.kind, parent)
    if item.result == HandoverItemResult.DEFECT:
        raise Conflict(_("该项已记录问题，须经复验关闭"))
    now = common.now()
    item.result, item.note, item.checked_at, item.checked_by = result, note, now, actor
    item.save()
    for upload in photos:
        image, thumb = store_photo(upload)
        InspectionPhoto.objects.create(
            company_id=item.company_id,
            project_id=item.project_id,
            item=item,
            image=image,
            thumbnail=thumb,
            uploaded_by=actor,
        )
    if result == HandoverItemResult.DEFECT:
        _raise(actor, inspection, parent, item, now)
    return item


def _raise(actor, inspection: Inspection, parent, item: InspectionItem, now: datetime.datetime) -> Defect:
    description = f"{item.room}／{item.item}：{item.note}"[:300]
    ticket = None
    if inspection.kind == HandoverInspectionKind.HANDOVER:
        rectify_by = now + datetime.timedelta(days=handover_rectify_days())
        ticket = tickets.ticket_create(
            actor=actor,
            data={
                "kind": Kind.HOME_REPAIR,
                "channel": Channel.FRONT_DESK,
                "unit_id": parent.unit_id,
                "contact_name": parent.owner_name,
                "contact_phone": parent.owner_phone,
                "description": _("【收楼验房问题 %(n)s】%(d)s") % {"n": parent.number, "d": description},
            },
        )
    else:
        rectify_by = now + datetime.timedelta(days=parent.rectify_days)
    return save_validated(
        Defect(
            company_id=item.company_id,
            project_id=item.project_id,
            item=item,
            inspection=inspection,
            description=description,
            ticket=ticket,
            rectify_by=rectify_by,
        )
    )


def _doer(defect: Defect):
    """The user who did the work (a request's assignee); a developer's work has none of ours."""
    if defect.ticket_id is None:
        return None
    member = defect.ticket.assignee
    return member.user_id if member is not None else None


@service
def defect_developer_done(*, actor, defect: Defect, note: str = "") -> Defect:
    """The developer reports a takeover defect rectified: it now waits for our re-inspection."""
    require(actor, Perm.HANDOVER)
    defect = lock(defect)
    if defect.ticket_id is not None:
        raise Conflict(_("收楼问题由报事单跟进，无需开发商报完成"))
    if defect.status != HandoverDefectStatus.OPEN:
        raise Conflict(_("该问题已复验关闭"))
    defect.developer_done_at = common.now()
    defect.reinspection_note = (note or "")[:300]
    return save_validated(defect)


@service
def defect_reinspect(*, actor, defect: Defect, passed: bool, note: str = "") -> Defect:
    """The re-inspection (复验): passed closes the defect; not passed sends it back (the request
    gets the finding as a comment, the developer's report is withdrawn). Refused to whoever did the
    work, and before the work is reported done."""
    require(actor, Perm.HANDOVER)
    defect = lock(defect)
    if defect.status != HandoverDefectStatus.OPEN:
        raise Conflict(_("该问题已复验关闭"))
    if defect.ticket_id is not None:
        if defect.ticket.status not in WORK_DONE:
            raise Conflict(
                _("报事单 %(n)s 尚未完工（%(s)s），不能复验")
                % {"n": defect.ticket.number, "s": defect.ticket.get_status_display()}
            )
        if _doer(defect) == actor.pk:
            raise NotAllowed(_("复验须由维修人以外的人进行"))
    elif defect.developer_done_at is None:
        raise Conflict(_("开发商尚未报整改完成，不能复验"))
    note = common.text({"note": note}, "note", 300, required=not passed)
    now = common.now()
    defect.reinspected_at, defect.reinspected_by, defect.reinspection_note = now, actor, note
    if passed:
        defect.status = HandoverDefectStatus.CLOSED
    elif defect.ticket_id is not None:
        # The re-inspector may not be allowed to comment on that request; the defect still records it.
        with contextlib.suppress(NotAllowed, Conflict):
            tickets.ticket_act(
                actor=actor,
                ticket=defect.ticket,
                action="comment",
                data={"note": _("收楼复验未通过：%(n)s") % {"n": note}},
            )
    else:
        defect.developer_done_at = None
    return save_validated(defect)


def open_defects(inspection: Inspection):
    return Defect.objects.filter(inspection=inspection, status=HandoverDefectStatus.OPEN)
