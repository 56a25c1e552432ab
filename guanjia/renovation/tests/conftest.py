import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind
from guanjia.core.roles import Role
from guanjia.staff.choices import Department
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


def png(name="site.png", colour=(200, 80, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def rw(world):
    """The scoping world plus renovation's people and fees: the engineering head of P1, a security
    patroller, a second project manager (billing's four eyes), the fee items 装修管理费 (500) and
    装修押金 (3000) billed by P1, and a unit of the other company."""
    admin = world.admin
    world.engineer = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    world.patroller = f.make_staff(
        company=world.company, roles=[Role.SECURITY], projects=[world.project], name="巡查员"
    ).user
    world.manager2 = f.make_staff(
        company=world.company, roles=[Role.PROJECT_MANAGER], projects=[world.project], name="副经理"
    ).user
    world.fee_item = billing.charge_item_create(
        actor=admin, data={"name": "装修管理费", "kind": ChargeKind.ONE_OFF, "unit_price": Decimal("500")}
    )
    world.deposit_item = billing.charge_item_create(
        actor=admin, data={"name": "装修押金", "kind": ChargeKind.ONE_OFF, "unit_price": Decimal("3000")}
    )
    for item in (world.fee_item, world.deposit_item):
        billing.project_charge_create(actor=admin, data={"project_id": world.project.pk, "item_id": item.pk})
    world.foreign_unit = world.foreign_project and f.UnitFactory(
        building=f.BuildingFactory(project=world.foreign_project), number="0808"
    )
    world.sibling_unit = f.UnitFactory(
        building=f.BuildingFactory(project=world.sibling_project), number="0909"
    )
    return world


def application(unit, **extra) -> dict:
    today = timezone.localdate()
    return {
        "unit_id": unit.pk,
        "contractor": "美家装饰",
        "contractor_contact": "王工",
        "contractor_phone": "13800001111",
        "scope": "厨卫翻新，铺地板",
        "starts_on": today + datetime.timedelta(days=1),
        "ends_on": today + datetime.timedelta(days=40),
        "rules_acknowledged": True,
        "workers": [{"name": "张三", "phone": "13700000001", "trade": "水电"}, {"name": "李四"}],
    } | extra


def later(hours=0, days=0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours, days=days)
