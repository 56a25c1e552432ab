"""Every importable list exports to a file that imports back: unchanged it changes nothing; with one
phone edited and one end date added it changes exactly those."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from guanjia.core.models import ObjectChange
from guanjia.dataio.models import ImportStatus
from guanjia.dataio.services import import_submit
from guanjia.estates.models import Occupancy, Resident
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def web_export(user, resource, **params):
    client = Client()
    client.force_login(user)
    return client.get(f"/data/export/{resource}.xlsx", params)


def api_export(user, resource, **params):
    return Api(user).get(f"exports/{resource}", format="xlsx", **params)


def rows_of(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_upload(rows: list[list], name="导回.xlsx") -> SimpleUploadedFile:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导回")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def reimport(world, rows):
    return import_submit(actor=world.desk, project_id=world.project.pk, upload=as_upload(rows))


@pytest.fixture
def fuller_world(world):
    """A tenant with a planned end, a family member, a vacant unit: what a real project holds."""
    today = timezone.localdate()
    unit = f.UnitFactory(building=world.building, number="1301", floor=13, status="vacant")
    tenant = f.OccupancyFactory(
        unit=world.other_unit, relation="tenant", end_on=today.replace(year=today.year + 1)
    )
    family = f.OccupancyFactory(unit=world.unit, relation="family")
    return world, unit, tenant, family


EXPORTS = [
    ("web", "residents_sheet", {}),
    ("api", "occupancies_sheet", {}),
    ("api", "units", {}),
    ("api", "buildings", {}),
    ("web", "units", {}),
]


@pytest.mark.parametrize(("via", "resource", "extra"), EXPORTS)
def test_an_unchanged_export_imports_back_without_a_change(fuller_world, via, resource, extra):
    world = fuller_world[0]
    export = web_export if via == "web" else api_export
    key = "project" if via == "web" else "project_id"
    response = export(world.desk, resource, **{key: world.project.pk}, **extra)
    assert response.status_code == 200, response.content[:500]
    rows = rows_of(response.content)
    assert len(rows) > 1
    journal_before = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    counts = (Resident.objects.count(), Occupancy.objects.count())
    job = reimport(world, rows)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.moved_out_count) == (0, 0, 0)
    assert (Resident.objects.count(), Occupancy.objects.count()) == counts
    job_type = ContentType.objects.get_for_model(job)
    assert not ObjectChange.objects.filter(id__gt=journal_before).exclude(content_type=job_type).exists()


def test_an_edited_phone_and_an_added_end_date_are_exactly_the_changes(fuller_world):
    world, _unit, tenant, _family = fuller_world
    rows = rows_of(web_export(world.desk, "residents_sheet", project=world.project.pk).content)
    header = rows[0]
    assert header == [
        "项目", "楼栋", "楼层", "房号", "面积", "房屋状态", "住户编号", "姓名", "手机号", "关系", "入住日期", "结束日期"
    ]  # fmt: skip
    col = {name: index for index, name in enumerate(header)}
    # Full phones in the file, and each look at them journaled.
    phones = {row[col["手机号"]] for row in rows[1:]}
    assert world.resident.phone in phones
    assert ObjectChange.objects.filter(
        action="reveal",
        object_id=str(world.resident.pk),
        content_type=ContentType.objects.get_for_model(Resident),
    ).exists()
    today = timezone.localdate()
    for row in rows[1:]:
        if str(row[col["住户编号"]]) == str(world.resident.pk):
            row[col["手机号"]] = "13966667777"
        if str(row[col["住户编号"]]) == str(tenant.resident_id):
            row[col["结束日期"]] = today.isoformat()
    dry = import_submit(actor=world.desk, project_id=world.project.pk, upload=as_upload(rows), dry_run=True)
    assert dry.status == ImportStatus.PREVIEWED, dry.errors
    assert (dry.preview["new"], dry.preview["changed"], dry.preview["moved_out"]) == (0, 1, 1)

    job = reimport(world, rows)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.moved_out_count) == (0, 1, 1)
    world.resident.refresh_from_db()
    assert world.resident.phone == "13966667777"
    tenant.refresh_from_db()
    assert tenant.end_on == today and tenant.ended_at is not None
    # Everyone else is as before.
    assert Occupancy.objects.filter(project=world.project, ended_at__isnull=False).count() == 1


def test_the_sheet_with_full_phones_needs_the_import_and_reveal_permissions(world):
    assert web_export(world.technician, "residents_sheet").status_code == 403
    assert api_export(world.technician, "occupancies_sheet").status_code == 403
    # The ordinary list export keeps masking.
    rows = rows_of(api_export(world.desk, "occupancies").content)
    assert all("*" in str(row[7]) for row in rows[1:])
