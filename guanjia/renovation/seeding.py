"""Demo data of renovation: the demo owner's unit renovating under a permit with one open violation
(the day's patrol list made), an application waiting for engineering past its deadline (escalated),
a structural one waiting for the PM, and one gone from application to the deposit's refund less a
deduction for its one violation."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.billing import selectors as billing_selectors
from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind
from guanjia.billing.models import ChargeItem, ProjectCharge
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Project
from guanjia.renovation import services
from guanjia.renovation.escalation import escalate_due
from guanjia.renovation.models import Renovation

CONTRACTORS = [
    ("美家装饰工程有限公司", "王建军", "13805710001"),
    ("匠心家居装修队", "李师傅", "13805710002"),
    ("东方建筑装饰公司", "陈经理", "13805710003"),
    ("宜居装修工作室", "赵工", "13805710004"),
]


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A stand-in for a site photo: a grey corridor with a heap of rubble."""
    image = Image.new("RGB", (480, 360), (210, 210, 205))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 480, 360), fill=(150, 140, 130))
    for _ in range(14):
        x, y = rng.randint(120, 330), rng.randint(200, 300)
        draw.ellipse((x, y, x + 60, y + 40), fill=(rng.randint(90, 140), 100, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")


def _plan() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "平面布置图.pdf",
        b"%PDF-1.4\n% demo plan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        content_type="application/pdf",
    )


def _people(company) -> dict:
    users = get_user_model().objects.filter(
        company=company, username__in=["admin", "manager", "head", "desk", "security", "resident"]
    )
    return {u.username: u for u in users}


def _fee_items(company, admin) -> None:
    """The two one-off charge items renovation bills (created when billing's demo lacks one)."""
    for name, price in (("装修管理费", Decimal("800.00")), ("装修押金", Decimal("3000.00"))):
        item = ChargeItem.objects.filter(company=company, name=name).first()
        if item is None:
            item = billing.charge_item_create(
                actor=admin, data={"name": name, "kind": ChargeKind.ONE_OFF, "unit_price": price}
            )
        for project in Project.objects.filter(company=company):
            if not ProjectCharge.objects.filter(project=project, item=item).exists():
                billing.project_charge_create(
                    actor=admin, data={"project_id": project.pk, "item_id": item.pk}
                )


def _data(unit, rng, *, days: int, **extra) -> dict:
    today = timezone.localdate()
    contractor, contact, phone = rng.choice(CONTRACTORS)
    return {
        "unit_id": unit.pk,
        "applicant_name": extra.pop("name", "业主"),
        "applicant_phone": extra.pop("phone", "13900000000"),
        "contractor": contractor,
        "contractor_contact": contact,
        "contractor_phone": phone,
        "scope": extra.pop("scope", "厨房卫生间翻新、墙面刷漆、更换木地板"),
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=days),
        "rules_acknowledged": True,
        "workers": [
            {"name": "张建华", "phone": "13700001001", "trade": "水电"},
            {"name": "刘德明", "phone": "13700001002", "trade": "泥瓦"},
            {"name": "周小平", "phone": "13700001003", "trade": "木工"},
        ],
        **extra,
    }


def _permitted(people, unit, rng, *, key: str, days: int = 45, **extra) -> Renovation:
    renovation = services.renovation_apply(
        actor=people["desk"], data=_data(unit, rng, days=days, **extra), plans=[_plan()]
    )
    renovation = services.renovation_approve(
        actor=people["head"], renovation=renovation, note="图纸与施工方案符合要求"
    )
    if renovation.status == "manager":
        renovation = services.renovation_approve(actor=people["manager"], renovation=renovation)
    renovation = services.renovation_bill(actor=people["manager"], renovation=renovation)
    billing.payment_post(
        actor=people["desk"],
        data={
            "unit_id": unit.pk,
            # Whatever the unit owes (older monthly bills are settled first), so the fees are paid.
            "amount": billing_selectors.unit_balance(unit.pk)["balance"],
            "method": "cash",
            "idempotency_key": key,
            "payer": renovation.applicant_name,
        },
    )
    return services.renovation_permit(actor=people["desk"], renovation=renovation)


def seed_demo_renovation(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when a renovation exists or the demo people are missing."""
    if Renovation.objects.filter(company=company).exists():
        return {"renovations": 0}
    people = _people(company)
    if len(people) < 6:
        return {"renovations": 0}
    _fee_items(company, people["admin"])
    owner_unit = (
        Occupancy.objects.current()
        .filter(resident__user=people["resident"], relation=Relation.OWNER)
        .select_related("unit")
        .first()
    )
    owned = (
        Occupancy.objects.current()
        .filter(company=company, relation=Relation.OWNER, project__code="JY")
        .exclude(unit_id=getattr(owner_unit, "unit_id", None))
        .select_related("unit", "resident")
        .order_by("unit_id")[:3]
    )
    others = list(owned)
    if owner_unit is None or len(others) < 3:
        return {"renovations": 0}

    # 1. The demo owner's unit: renovating, one open violation from today's patrol.
    mine = _permitted(
        people,
        owner_unit.unit,
        rng,
        key="demo-renovation-1",
        name=owner_unit.resident.name,
        phone=owner_unit.resident.phone,
    )
    services.make_patrols()
    stop = mine.stops.first()
    services.violation_record(
        actor=people["security"],
        renovation=mine,
        stop=stop,
        data={
            "kind": "rubbish",
            "note": "装修垃圾堆放在楼道消防通道，未袋装",
            "rectify_by": timezone.now() + datetime.timedelta(hours=20),
        },
        photos=[_photo(rng)],
    )

    # 2. Waiting for engineering, past its deadline: escalated to the PM.
    first = others[0]
    late = services.renovation_apply(
        actor=people["desk"],
        data=_data(first.unit, rng, days=30, name=first.resident.name, phone=first.resident.phone),
    )
    Renovation.objects.filter(pk=late.pk).update(step_due_at=timezone.now() - datetime.timedelta(hours=2))
    escalate_due()

    # 3. Structural works waiting for the PM.
    second = others[1]
    structural = services.renovation_apply(
        actor=people["desk"],
        data=_data(
            second.unit,
            rng,
            days=60,
            name=second.resident.name,
            phone=second.resident.phone,
            structural=True,
            scope="拆除非承重隔墙、阳台封闭、全屋水电改造",
        ),
        plans=[_plan()],
    )
    services.renovation_approve(actor=people["head"], renovation=structural, note="请项目经理确认隔墙非承重")

    # 4. From application to the deposit's refund, with one violation and a deduction for it.
    third = others[2]
    done = _permitted(
        people,
        third.unit,
        rng,
        key="demo-renovation-4",
        days=20,
        name=third.resident.name,
        phone=third.resident.phone,
    )
    violation = services.violation_record(
        actor=people["security"],
        renovation=done,
        data={
            "kind": "noise",
            "note": "午休时间（12:00–14:00）使用电锤",
            "rectify_by": timezone.now() + datetime.timedelta(hours=4),
        },
        photos=[_photo(rng)],
    )
    services.violation_rectify(actor=people["security"], violation=violation)
    services.deduction_record(
        actor=people["head"],
        renovation=done,
        data={"amount": "200", "reason": "违规施工扣款（午休时间噪音）", "violation_id": violation.pk},
    )
    done = services.renovation_complete(
        actor=people["head"], renovation=done, note="现场验收合格，无结构改动"
    )
    done = services.refund_request(actor=people["desk"], renovation=done)
    services.refund_decide(actor=people["manager"], renovation=done, approve=True, note="同意退还")
    return {"renovations": 4}
