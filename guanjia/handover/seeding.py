"""Demo data of handover: six vacant units of 金苑 on the handover-ready list, one handover completed
(two defects that became requests, one repaired and re-inspected, the owner registered and invited),
one booked for tomorrow with its inspection under way, and a takeover of the estate's common parts
accepted with reservations, one developer defect past its deadline and escalated."""

from __future__ import annotations

import base64
import datetime
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind
from guanjia.billing.models import ChargeItem, ProjectCharge
from guanjia.estates.models import Occupancy, Project, Unit
from guanjia.handover import services
from guanjia.handover.escalation import escalate_due
from guanjia.handover.models import Appointment, Defect
from guanjia.tickets import services as tickets

FEE_ITEM = "入伙物业费预收"
OWNERS = [("周新宇", "13905710101", "11010519491231002X"), ("吴静", "13905710102", "110101199003071233")]


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A stand-in for a defect photo: a wall with a crack."""
    image = Image.new("RGB", (480, 360), (235, 232, 225))
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(120, 200), 40
    points = [(x, y)]
    for _ in range(8):
        x, y = x + rng.randint(-25, 25), y + 38
        points.append((x, y))
    draw.line(points, fill=(70, 60, 55), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("defect.jpg", buffer.getvalue(), content_type="image/jpeg")


def _signature() -> str:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (70, 30), (120, 95), (180, 25), (270, 85)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _people(company) -> dict:
    users = get_user_model().objects.filter(
        company=company, username__in=["admin", "manager", "desk", "butler", "tech", "head"]
    )
    return {u.username: u for u in users}


def _slot(days: int, hour: int) -> dict:
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return {"starts_at": start, "ends_at": start + datetime.timedelta(hours=1)}


def seed_demo_handover(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when a handover exists or the demo people are missing."""
    if Appointment.objects.filter(company=company).exists():
        return {"handovers": 0}
    people = _people(company)
    project = Project.objects.filter(company=company, code="JY").first()
    if len(people) < 6 or project is None:
        return {"handovers": 0}
    vacant = list(
        Unit.objects.filter(project=project, deleted_at__isnull=True)
        .exclude(pk__in=Occupancy.objects.current().values("unit_id"))
        .order_by("building__name", "number")[:6]
    )
    if len(vacant) < 2:
        return {"handovers": 0}
    admin, desk, butler = people["admin"], people["desk"], people["butler"]
    item = ChargeItem.objects.filter(company=company, name=FEE_ITEM).first() or billing.charge_item_create(
        actor=admin, data={"name": FEE_ITEM, "kind": ChargeKind.ONE_OFF, "unit_price": Decimal("1800")}
    )
    if not ProjectCharge.objects.filter(project=project, item=item).exists():
        billing.project_charge_create(actor=admin, data={"project_id": project.pk, "item_id": item.pk})
    for unit in vacant:
        services.ready_mark(actor=desk, data={"unit_id": unit.pk, "ready_on": timezone.localdate()})

    # 1. A completed handover: fee paid, two defects as requests (one repaired and re-inspected).
    name, phone, id_number = OWNERS[0]
    done = services.appointment_book(
        actor=desk,
        data={"unit_id": vacant[0].pk, "owner_name": name, "owner_phone": phone, "owner_id_number": id_number}
        | _slot(-2, 10),
    )
    services.appointment_bill(actor=people["manager"], appointment=done, data={"item_id": item.pk})
    services.appointment_pay(
        actor=desk, appointment=done, data={"idempotency_key": f"demo-handover-{done.pk}"}
    )
    inspection = services.inspection_start(actor=butler, appointment=done)
    for n, line in enumerate(inspection.items.order_by("position")):
        if n in (1, 11):
            note = "墙面有一道约 40 cm 裂缝" if n == 1 else "地漏排水缓慢"
            services.item_record(actor=butler, item=line, result="defect", note=note, photos=[_photo(rng)])
        else:
            services.item_record(actor=butler, item=line, result="ok")
    services.appointment_record(
        actor=desk,
        appointment=done,
        data={
            "documents": ["id_card", "contract", "handover_notice", "payment_proof"],
            "keys": {"door": 3, "mailbox": 1, "card": 2, "meter_box": 1},
            "water_reading": "3.20",
            "power_reading": "15.60",
            "gas_reading": "0.80",
        },
    )
    services.appointment_sign(
        actor=desk, appointment=Appointment.objects.get(pk=done.pk), signature=_signature()
    )
    services.appointment_complete(actor=desk, appointment=Appointment.objects.get(pk=done.pk))
    first = Defect.objects.filter(inspection=inspection).select_related("ticket").order_by("id").first()
    ticket = first.ticket
    tech = people["tech"]
    tickets.ticket_act(
        actor=desk, ticket=ticket, action="dispatch", data={"assignee_id": tech.staff_member.pk}
    )
    for action, data in (("accept", {}), ("arrive", {}), ("complete", {"resolution": "裂缝已修补并刷漆"})):
        ticket.refresh_from_db()
        tickets.ticket_act(actor=tech, ticket=ticket, action=action, data=data)
    services.defect_reinspect(
        actor=butler, defect=Defect.objects.get(pk=first.pk), passed=True, note="修补良好"
    )

    # 2. Booked for tomorrow, the inspection started.
    name, phone, id_number = OWNERS[1]
    tomorrow = services.appointment_book(
        actor=desk,
        data={"unit_id": vacant[1].pk, "owner_name": name, "owner_phone": phone, "owner_id_number": id_number}
        | _slot(1, 14),
    )
    services.inspection_start(actor=butler, appointment=tomorrow)

    # 3. The takeover of the estate's common parts: one developer defect late and escalated.
    takeover = services.takeover_create(
        actor=people["manager"],
        data={
            "project_id": project.pk,
            "title": "金苑小区二期公共部位及设施设备接管验收",
            "developer": "金苑房地产开发有限公司",
            "developer_contact": "工程部 陈工",
            "developer_phone": "13805719999",
            "planned_on": timezone.localdate() - datetime.timedelta(days=20),
            "rectify_days": 10,
        },
    )
    takeover_inspection = services.inspection_start(actor=butler, takeover=takeover)
    for n, line in enumerate(takeover_inspection.items.order_by("position")):
        if n in (3, 9):
            note = "大堂信报箱两处门板变形" if n == 3 else "地下车库集水井水泵未接电"
            services.item_record(actor=butler, item=line, result="defect", note=note, photos=[_photo(rng)])
        else:
            services.item_record(actor=butler, item=line, result="ok")
    late = Defect.objects.filter(inspection=takeover_inspection).order_by("id").last()
    # The demo's clock: the developer's deadline is put two days back so the ladder has climbed.
    Defect.objects.filter(pk=late.pk).update(rectify_by=timezone.now() - datetime.timedelta(days=2))
    escalate_due()
    services.takeover_accept(
        actor=people["manager"],
        takeover=takeover,
        signature=_signature(),
        note="两处问题由开发商限期整改后复验，其余同意接管",
    )
    return {"handovers": 2, "takeovers": 1}
