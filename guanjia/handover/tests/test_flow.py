"""A handover from the ready list to a registered, invited owner; its defects as requests and their
re-inspection; the takeover inspection with the developer's defects and the PM's acceptance."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.models import ObjectChange
from guanjia.estates.models import Occupancy
from guanjia.facilities.models import Equipment
from guanjia.handover import escalation, pdf, services
from guanjia.handover.models import Appointment, Defect, DefectEscalation, ReadyUnit, Takeover
from guanjia.handover.tests.conftest import (
    book,
    booking,
    finish_work,
    inspect_all,
    png,
    ready_to_complete,
    signature,
    slot,
)
from guanjia.residents.models import Invitation
from guanjia.tickets.choices import Kind

pytestmark = pytest.mark.django_db


def test_handover_with_two_defects_becomes_a_resident(hw):
    appointment = book(hw)
    assert ReadyUnit.objects.get(unit=hw.new_unit).status == "booked"
    bill = services.appointment_bill(
        actor=hw.manager, appointment=appointment, data={"item_id": hw.fee_item.pk}
    )
    assert bill.total == Decimal("1200")
    # Billing the same item again returns the same bill (the key).
    assert (
        services.appointment_bill(
            actor=hw.manager, appointment=appointment, data={"item_id": hw.fee_item.pk}
        ).pk
        == bill.pk
    )
    assert services.outstanding(appointment) == Decimal("1200")
    services.appointment_pay(actor=hw.desk, appointment=appointment, data={"idempotency_key": "k1"})
    assert services.outstanding(appointment) == Decimal("0")

    inspection = inspect_all(hw, appointment, defects=2)
    defects = list(Defect.objects.filter(inspection=inspection).select_related("ticket"))
    assert len(defects) == 2
    for defect in defects:
        assert defect.ticket.kind == Kind.HOME_REPAIR
        assert defect.ticket.unit_id == hw.new_unit.pk
        assert "收楼验房问题" in defect.ticket.description
        # The usual deadlines of a request started (sla).
        assert defect.ticket.deadlines.exists()

    appointment = ready_to_complete(hw, appointment)
    assert appointment.signature.startswith("handover/signatures/")
    services.appointment_complete(actor=hw.desk, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    occupancy = Occupancy.objects.current().get(unit=hw.new_unit)
    assert occupancy.relation == "owner" and occupancy.resident.name == "周新"
    assert appointment.resident_id == occupancy.resident_id
    assert Invitation.objects.filter(resident=occupancy.resident).exists()
    assert ReadyUnit.objects.get(unit=hw.new_unit).status == "handed_over"
    hw.new_unit.refresh_from_db()
    assert hw.new_unit.status == "occupied"
    # Journaled like every domain record.
    assert (
        ObjectChange.objects.filter(content_type__model="appointment", object_id=str(appointment.pk)).count()
        >= 3
    )

    # The PDF record: a real PDF with the defects and the signature.
    data = pdf.appointment_pdf(
        Appointment.objects.select_related("project", "unit__building").get(pk=appointment.pk)
    )
    assert data.startswith(b"%PDF") and len(data) > 3000


def test_reinspection_by_someone_other_than_the_doer_closes_the_defect(hw):
    appointment = book(hw)
    inspection = inspect_all(hw, appointment, defects=1)
    defect = Defect.objects.get(inspection=inspection)
    with pytest.raises(Conflict):  # work not done yet
        services.defect_reinspect(actor=hw.butler, defect=defect, passed=True)
    finish_work(defect.ticket, hw.desk, hw.technician)
    defect.refresh_from_db()
    with pytest.raises(NotAllowed):  # the doer cannot check their own work
        services.defect_reinspect(actor=hw.technician, defect=defect, passed=True)
    with pytest.raises(ValidationError) as failed:  # not passed needs a note
        services.defect_reinspect(actor=hw.butler, defect=defect, passed=False)
    assert "note" in failed.value.message_dict
    services.defect_reinspect(actor=hw.butler, defect=defect, passed=True, note="修补良好")
    defect.refresh_from_db()
    assert defect.status == "closed" and defect.reinspected_by == hw.butler
    with pytest.raises(Conflict):
        services.defect_reinspect(actor=hw.butler, defect=defect, passed=True)


def test_bad_input_names_the_field(hw):
    # Another company's unit: not found (404), never a hint it exists.
    with pytest.raises(NotFound):
        services.appointment_book(actor=hw.desk, data=booking(hw.foreign_unit))
    # A unit not on the ready list.
    with pytest.raises(ValidationError) as not_ready:
        services.appointment_book(actor=hw.desk, data=booking(hw.other_unit))
    assert "unit_id" in not_ready.value.message_dict
    with pytest.raises(ValidationError) as bad_id:
        book(hw, owner_id_number="110105194912310021")
    assert "owner_id_number" in bad_id.value.message_dict
    first = book(hw)
    # Overlapping slot of the same unit.
    with pytest.raises(ValidationError) as overlap:
        book(hw, **slot(hours=2))
    assert "starts_at" in overlap.value.message_dict and first.number in overlap.value.messages[0]
    # A slot right after is fine.
    book(hw, **slot(hour=11))
    inspection = services.inspection_start(actor=hw.butler, appointment=first)
    item = inspection.items.first()
    with pytest.raises(ValidationError) as no_photo:
        services.item_record(actor=hw.butler, item=item, result="defect", note="门锁损坏")
    assert "photos" in no_photo.value.message_dict
    item.refresh_from_db()
    assert item.result == "pending" and not Defect.objects.exists()
    with pytest.raises(ValidationError) as no_sign:
        services.appointment_complete(actor=hw.desk, appointment=first)
    assert "documents" in no_sign.value.message_dict
    with pytest.raises(ValidationError) as unsigned:
        services.appointment_sign(actor=hw.desk, appointment=first, signature=signature())
    assert "inspection" in unsigned.value.message_dict


def test_completing_twice_is_a_conflict(hw):
    appointment = book(hw)
    inspect_all(hw, appointment, defects=0)
    appointment = ready_to_complete(hw, appointment)
    services.appointment_complete(actor=hw.desk, appointment=appointment)
    with pytest.raises(Conflict):
        services.appointment_complete(actor=hw.butler, appointment=appointment)
    assert Occupancy.objects.current().filter(unit=hw.new_unit).count() == 1
    # A signed inspection cannot change any more.
    with pytest.raises(Conflict):
        services.item_record(actor=hw.butler, item=appointment.inspection.items.first(), result="ok")


def test_ready_import_is_all_or_nothing(hw):
    rows = [
        {
            "line": 2,
            "building": "1栋",
            "unit": hw.other_unit.number,
            "ready_on": "2026-12-01",
            "buyer_name": "甲",
        },
        {"line": 3, "building": "9栋", "unit": "0101"},
    ]
    with pytest.raises(ValidationError) as bad:
        services.ready_import(actor=hw.desk, project=hw.project, rows=rows)
    assert "第 3 行" in bad.value.message_dict["file"][0]
    assert not ReadyUnit.objects.filter(unit=hw.other_unit).exists()
    assert services.ready_import(actor=hw.desk, project=hw.project, rows=rows[:1]) == 1
    assert ReadyUnit.objects.get(unit=hw.other_unit).buyer_name == "甲"


def test_takeover_defects_to_the_developer_escalate_and_acceptance(hw):
    equipment_type = (
        hw.admin and __import__("guanjia.facilities.models", fromlist=["EquipmentType"]).EquipmentType
    )
    kind = equipment_type.objects.create(company=hw.company, name="电梯")
    lift = Equipment.objects.create(
        company=hw.company, project=hw.project, type=kind, code="DT-01", name="1栋客梯"
    )
    takeover = services.takeover_create(
        actor=hw.manager,
        data={
            "project_id": hw.project.pk,
            "title": "一期公共部位接管",
            "developer": "金苑地产",
            "developer_contact": "开发商王工",
            "developer_phone": "13800002222",
            "planned_on": timezone.localdate(),
            "rectify_days": 10,
        },
    )
    inspection = services.inspection_start(actor=hw.butler, takeover=takeover)
    items = list(inspection.items.order_by("position"))
    assert any(i.equipment_id == lift.pk for i in items)
    for n, item in enumerate(items):
        if n == 0:
            services.item_record(
                actor=hw.butler, item=item, result="defect", note="大堂地砖空鼓", photos=[png()]
            )
        else:
            services.item_record(actor=hw.butler, item=item, result="ok")
    defect = Defect.objects.get(inspection=inspection)
    assert defect.ticket_id is None  # the developer's work, not a staff request
    # Late: the ladder climbs once per step, however often the job runs.
    later = defect.rectify_by + datetime.timedelta(days=8)
    assert escalation.escalate_due(now=later) == 2
    assert escalation.escalate_due(now=later) == 0
    assert DefectEscalation.objects.filter(defect=defect).count() == 2
    # Accepting with an open defect needs the reservations said.
    with pytest.raises(ValidationError) as reservations:
        services.takeover_accept(actor=hw.manager, takeover=takeover, signature=signature())
    assert "acceptance_note" in reservations.value.message_dict
    with pytest.raises(NotAllowed):  # only the PM signs
        services.takeover_accept(actor=hw.butler, takeover=takeover, signature=signature(), note="x")
    services.takeover_accept(
        actor=hw.manager, takeover=takeover, signature=signature(), note="地砖空鼓待整改"
    )
    takeover.refresh_from_db()
    assert takeover.status == "reserved"
    with pytest.raises(Conflict):
        services.takeover_accept(actor=hw.manager, takeover=takeover, signature=signature(), note="再签")
    # The developer reports it done; our re-inspection closes it.
    with pytest.raises(Conflict):
        services.defect_reinspect(actor=hw.butler, defect=defect, passed=True)
    services.defect_developer_done(actor=hw.butler, defect=defect, note="已更换地砖")
    services.defect_reinspect(actor=hw.butler, defect=Defect.objects.get(pk=defect.pk), passed=True)
    data = pdf.takeover_pdf(Takeover.objects.select_related("project").get(pk=takeover.pk))
    assert data.startswith(b"%PDF")


def test_project_checklist_replaces_the_default(hw):
    services.checklist_set(
        actor=hw.manager,
        project=hw.project,
        kind="handover",
        lines=[{"room": "主卧", "item": "飘窗", "photo_required": False}, {"room": "厨房", "item": "烟道"}],
    )
    appointment = book(hw)
    inspection = services.inspection_start(actor=hw.butler, appointment=appointment)
    assert [(i.room, i.item) for i in inspection.items.order_by("position")] == [
        ("主卧", "飘窗"),
        ("厨房", "烟道"),
    ]
    # An item that needs no photo takes a defect without one.
    services.item_record(
        actor=hw.butler, item=inspection.items.get(item="飘窗"), result="defect", note="渗水"
    )
    assert Defect.objects.count() == 1
