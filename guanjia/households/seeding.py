"""Demo data of this app: two claims waiting for a butler (one past its deadline) and, for the demo
owner's unit, a family member who may only report and a tenant until a date."""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Resident, Unit
from guanjia.estates.services import occupancy_open_unchecked
from guanjia.households import accounts, services
from guanjia.households.models import UnitClaim

DEMO_CLAIMANTS = [("钱思远", "13600000001", Relation.OWNER), ("冯晓雯", "13600000002", Relation.TENANT)]


def _proof(rng: random.Random) -> SimpleUploadedFile:
    """A stand-in for a photo of a deed: a pale sheet with a red stamp."""
    image = Image.new("RGB", (480, 320), (245, 240, 225))
    draw = ImageDraw.Draw(image)
    for y in range(40, 280, 28):
        draw.line((40, y, 40 + rng.randint(250, 400), y), fill=(120, 120, 120), width=3)
    draw.ellipse((340, 190, 440, 290), outline=(200, 30, 30), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("proof.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_demo_households(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when the demo claims exist."""
    if UnitClaim.objects.filter(company=company).exists():
        return {"claims": 0, "household_members": 0}
    vacant = list(
        Unit.objects.filter(company=company, deleted_at__isnull=True)
        .exclude(occupancies__in=Occupancy.objects.current())
        .select_related("building")
        .order_by("id")[:2]
    )
    claims = 0
    for unit, (name, phone, relation) in zip(vacant, DEMO_CLAIMANTS, strict=False):
        data = {
            "project_id": unit.project_id,
            "building_id": unit.building_id,
            "unit_id": unit.pk,
            "name": name,
            "relation": relation,
            "note": "新购房屋，申请开通业主服务" if relation == Relation.OWNER else "租住一年",
        }
        claim = services.claim_submit(phone=phone, data=data, photos=[_proof(rng)])
        if claims == 0:  # the first one is past its deadline: the escalation job picks it up
            submitted = timezone.now() - datetime.timedelta(days=3)
            UnitClaim.objects.filter(pk=claim.pk).update(
                submitted_at=submitted, due_at=submitted + services.decision_time()
            )
        claims += 1
    members = 0
    owner = (
        Occupancy.objects.current()
        .filter(company=company, relation=Relation.OWNER, resident__user__isnull=False)
        .select_related("resident", "unit")
        .order_by("id")
        .first()
    )
    if owner is not None:
        today = timezone.localdate()
        household = [
            (
                "陈小宇",
                "13600000011",
                Relation.FAMILY,
                None,
                {"may_report": True, "may_pay": False, "may_vote": False},
            ),
            (
                "林租客",
                "13600000012",
                Relation.TENANT,
                today + datetime.timedelta(days=180),
                {"may_report": True, "may_pay": True, "may_vote": False},
            ),
        ]
        for name, phone, relation, end_on, rights in household:
            resident = Resident.objects.filter(company=company, phone=phone, deleted_at__isnull=True).first()
            if resident is None:
                resident = Resident.objects.create(
                    company=company, project_id=owner.project_id, name=name, phone=phone
                )
            occupancy_open_unchecked(
                resident=resident,
                unit=owner.unit,
                relation=relation,
                start_on=today,
                end_on=end_on,
                rights=rights,
                invited_by=owner.resident,
            )
            accounts.account_for(resident)
            members += 1
    return {"claims": claims, "household_members": members}
