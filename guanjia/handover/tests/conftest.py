import base64
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind
from guanjia.core.roles import Role
from guanjia.handover import services
from guanjia.handover.models import Appointment
from guanjia.sla import services as sla
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.tickets import services as tickets

# A valid mainland ID number (check digit X) and another one.
OWNER_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


def png(name="defect.png", colour=(200, 80, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def signature() -> str:
    """A canvas's PNG as the signature pad sends it."""
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (80, 30), (140, 95), (200, 25), (280, 80)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def slot(days=1, hour=10, hours=1) -> dict:
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return {"starts_at": start, "ends_at": start + datetime.timedelta(hours=hours)}


@pytest.fixture
def hw(world):
    """The scoping world plus handover's people and things: a new vacant unit 1501 of P1 marked
    handover-ready, a butler (inspector), the engineering technician, the one-off fee 物业费预收
    (1200), and a unit of the other company marked ready by its own admin."""
    world.butler = f.make_staff(
        company=world.company, roles=[Role.BUTLER], projects=[world.project], name="管家小李"
    ).user
    world.engineer = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    sla.sla_defaults_ensure(company=world.company)  # the usual deadlines of requests
    world.new_unit = f.UnitFactory(building=world.building, number="1501", status="vacant")
    world.fee_item = billing.charge_item_create(
        actor=world.admin,
        data={"name": "物业费预收", "kind": ChargeKind.ONE_OFF, "unit_price": Decimal("1200")},
    )
    billing.project_charge_create(
        actor=world.admin, data={"project_id": world.project.pk, "item_id": world.fee_item.pk}
    )
    services.ready_mark(actor=world.desk, data={"unit_id": world.new_unit.pk, "buyer_name": "周新"})
    world.foreign_unit = f.UnitFactory(
        building=f.BuildingFactory(project=world.foreign_project), number="0808"
    )
    services.ready_mark(actor=world.foreign_admin, data={"unit_id": world.foreign_unit.pk})
    return world


def booking(unit, **extra) -> dict:
    return {
        "unit_id": unit.pk,
        "owner_name": "周新",
        "owner_phone": "13912345678",
        "owner_id_number": OWNER_ID,
        **slot(),
    } | extra


def book(hw, **extra) -> Appointment:
    return services.appointment_book(actor=hw.desk, data=booking(hw.new_unit, **extra))


def inspect_all(hw, appointment, *, defects=2):
    """Start the inspection and record it: the first ``defects`` items with a photo, the rest OK."""
    inspection = services.inspection_start(actor=hw.butler, appointment=appointment)
    for n, item in enumerate(inspection.items.order_by("position")):
        if n < defects:
            services.item_record(
                actor=hw.butler, item=item, result="defect", note=f"问题{n + 1}：墙面裂缝", photos=[png()]
            )
        else:
            services.item_record(actor=hw.butler, item=item, result="ok")
    return inspection


def ready_to_complete(hw, appointment):
    services.appointment_record(
        actor=hw.desk,
        appointment=appointment,
        data={
            "documents": ["id_card", "contract"],
            "keys": {"door": 3, "mailbox": 1, "card": 2},
            "water_reading": "12.5",
            "power_reading": "30",
            "gas_reading": "0",
        },
    )
    services.appointment_sign(
        actor=hw.desk, appointment=Appointment.objects.get(pk=appointment.pk), signature=signature()
    )
    return Appointment.objects.get(pk=appointment.pk)


def finish_work(ticket, dispatcher, technician):
    """The request's work done by ``technician`` (dispatch, accept, arrive, complete)."""
    tickets.ticket_act(
        actor=dispatcher, ticket=ticket, action="dispatch", data={"assignee_id": technician.staff_member.pk}
    )
    for action, data in (("accept", {}), ("arrive", {}), ("complete", {"resolution": "已修补"})):
        ticket.refresh_from_db()
        tickets.ticket_act(actor=technician, ticket=ticket, action=action, data=data)
    ticket.refresh_from_db()
    return ticket
