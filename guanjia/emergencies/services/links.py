"""What an incident touches in other apps: the service requests it caused (tickets) and the items
of the equipment ledger involved (facilities)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import save_validated, service, visible_reference
from guanjia.emergencies.choices import LogKind
from guanjia.emergencies.models import Incident, IncidentEquipment, IncidentTicket
from guanjia.emergencies.services.common import _check_open, _log, _visible
from guanjia.estates.models import Project, Unit
from guanjia.facilities.models import Equipment
from guanjia.tickets.choices import Channel
from guanjia.tickets.choices import Kind as TicketKind
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_create


@service
def ticket_raise(*, actor, incident: Incident, data: dict) -> IncidentTicket:
    """Raise a service request the incident caused (channel 突发事件) and link it."""
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    data = dict(data)
    if data.get("unit_id"):
        unit = visible_reference(Unit, data["unit_id"], actor, field="unit_id")
        if unit.project_id != incident.project_id:
            raise ValidationError({"unit_id": _("房屋不属于该项目")})
    data.update(
        channel=Channel.INCIDENT,
        project_id=incident.project_id,
        kind=data.get("kind")
        or (TicketKind.HOME_REPAIR if data.get("unit_id") else TicketKind.COMMON_REPAIR),
    )
    if not data.get("unit_id") and not data.get("building_id") and not data.get("location"):
        data["building_id"] = incident.building_id
        data["location"] = incident.place
    ticket = ticket_create(actor=actor, data=data)
    link = IncidentTicket.objects.create(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        ticket=ticket,
        raised_here=True,
    )
    _log(incident, actor=actor, kind=LogKind.TICKET, text=_("创建工单 %(n)s") % {"n": ticket.number})
    return link


@service
def ticket_link(*, actor, incident: Incident, ticket_id) -> IncidentTicket:
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    ticket = visible_reference(Ticket, ticket_id, actor, field="ticket_id")
    if ticket.project_id != incident.project_id:
        raise ValidationError({"ticket_id": _("工单不属于该项目")})
    if IncidentTicket.objects.filter(incident=incident, ticket=ticket).exists():
        raise ValidationError({"ticket_id": _("已关联")})
    link = IncidentTicket.objects.create(
        company_id=incident.company_id, project_id=incident.project_id, incident=incident, ticket=ticket
    )
    _log(incident, actor=actor, kind=LogKind.TICKET, text=_("关联工单 %(n)s") % {"n": ticket.number})
    return link


def _equipment_of_project(actor, project_id: int, equipment_id, *, field: str):
    """An item of the ledger given by id: out of scope or of another project is a 422 on ``field``."""
    item = visible_reference(Equipment, equipment_id, actor, field=field)
    if item.project_id != project_id:
        raise ValidationError({field: _("设备 %(code)s 不属于该项目") % {"code": item.code}})
    return item


def _equipment_list(actor, project: Project, ids, *, field: str) -> list:
    if ids in (None, "", []):
        return []
    if not isinstance(ids, list | tuple):
        ids = [ids]
    items, seen = [], set()
    for equipment_id in ids:
        if equipment_id in (None, ""):
            continue
        item = _equipment_of_project(actor, project.pk, equipment_id, field=field)
        if item.pk not in seen:
            seen.add(item.pk)
            items.append(item)
    return items


def _link_equipment(incident: Incident, item, *, actor, note: str = "") -> IncidentEquipment:
    link = IncidentEquipment(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        equipment=item,
        note=note[:200],
        linked_by=actor,
    )
    save_validated(link)
    _log(
        incident,
        actor=actor,
        kind=LogKind.EQUIPMENT,
        text=_("关联设备 %(item)s") % {"item": f"{item.code} {item.name}"},
    )
    return link


@service
def incident_link_equipment(*, actor, incident: Incident, equipment_id, note: str = "") -> IncidentEquipment:
    """Link an item of the project's equipment ledger to the incident (while it is not closed)."""
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    _check_open(incident)
    item = _equipment_of_project(actor, incident.project_id, equipment_id, field="equipment_id")
    if IncidentEquipment.objects.filter(incident=incident, equipment=item).exists():
        raise ValidationError({"equipment_id": _("该设备已关联")})
    return _link_equipment(incident, item, actor=actor, note=(note or "").strip())


@service
def incident_unlink_equipment(*, actor, incident: Incident, equipment_id) -> None:
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    _check_open(incident)
    link = (
        IncidentEquipment.objects.filter(incident=incident, equipment_id=equipment_id)
        .select_related("equipment")
        .first()
        if str(equipment_id or "").isdigit()
        else None
    )
    if link is None:
        raise ValidationError({"equipment_id": _("该设备未关联")})
    item = link.equipment
    link.delete()
    _log(
        incident,
        actor=actor,
        kind=LogKind.EQUIPMENT,
        text=_("取消关联设备 %(item)s") % {"item": f"{item.code} {item.name}"},
    )
