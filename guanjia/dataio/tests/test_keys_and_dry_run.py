"""Keeping data current: stable keys, changes as changes, move-outs, and a dry run a person confirms."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.dataio.models import ImportJob, ImportStatus
from guanjia.dataio.services import import_submit, run_import_job
from guanjia.dataio.tests.conftest import upload
from guanjia.estates import services as estates_services
from guanjia.estates.models import Occupancy, Resident
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

SHEET = [
    "项目",
    "楼栋",
    "楼层",
    "房号",
    "面积",
    "房屋状态",
    "住户编号",
    "姓名",
    "手机号",
    "关系",
    "入住日期",
    "结束日期",
]


def sheet_row(world, occupancy, **changes):
    unit, resident = occupancy.unit, occupancy.resident
    row = {
        "项目": world.project.name,
        "楼栋": unit.building.name,
        "楼层": unit.floor,
        "房号": unit.number,
        "面积": str(unit.area),
        "房屋状态": unit.get_status_display(),
        "住户编号": resident.pk,
        "姓名": resident.name,
        "手机号": resident.phone,
        "关系": occupancy.get_relation_display(),
        "入住日期": occupancy.start_on.isoformat(),
        "结束日期": "",
    }
    row.update(changes)
    return [row[h] for h in SHEET]


def tie_of(resident):
    return Occupancy.objects.get(resident=resident, ended_at__isnull=True)


def test_a_new_phone_changes_the_person_not_a_second_one(world):
    tie = tie_of(world.resident)
    before = Resident.objects.count()
    job = import_submit(
        actor=world.desk,
        project_id=world.project.pk,
        upload=upload([sheet_row(world, tie, 手机号="13911112222")], headers=SHEET),
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Resident.objects.count() == before
    world.resident.refresh_from_db()
    assert world.resident.phone == "13911112222" and world.resident.phone_tail == "2222"
    entry = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Resident), object_id=str(world.resident.pk)
    ).latest("id")
    assert entry.source == "import" and entry.changes["phone"][1] == "13911112222"


def test_without_an_id_the_unit_and_name_are_the_key(world):
    tie = tie_of(world.resident)
    row = sheet_row(world, tie, 住户编号="", 手机号="13911113333")
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload([row], headers=SHEET))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    world.resident.refresh_from_db()
    assert world.resident.phone == "13911113333"
    assert (job.created_count, job.updated_count) == (0, 1)


def test_an_end_date_moves_out_through_the_estates_service(world):
    tie = tie_of(world.resident)
    today = timezone.localdate()
    row = sheet_row(world, tie, 结束日期=today.isoformat())
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload([row], headers=SHEET))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.moved_out_count == 1
    tie.refresh_from_db()
    assert tie.end_on == today and tie.ended_at is not None
    tie.unit.refresh_from_db()
    assert tie.unit.status == "vacant"  # its only resident left
    # The same file again: nothing to do (the tie is over, a new one is not opened).
    again = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload([row], headers=SHEET))
    assert again.status == ImportStatus.SUCCEEDED, again.errors
    assert Occupancy.objects.filter(resident=world.resident).count() == 1


def test_an_id_of_another_company_or_a_taken_phone_is_an_error(world):
    tie = tie_of(world.resident)
    foreign = Resident.objects.exclude(company=world.project.company).first()
    rows = [
        sheet_row(world, tie, 住户编号=foreign.pk),
        sheet_row(world, tie_of(world.other_resident), 手机号=world.resident.phone),
    ]
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows, headers=SHEET))
    assert job.status == ImportStatus.FAILED
    texts = " ".join(e["text"] for e in job.errors)
    assert f"住户编号 {foreign.pk} 不存在" in texts and "该手机号已属于另一位住户" in texts


def test_a_row_of_another_project_is_named(world):
    row = sheet_row(world, tie_of(world.resident), 项目="别的小区")
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload([row], headers=SHEET))
    assert job.status == ImportStatus.FAILED and "不是导入的项目" in job.errors[0]["text"]


def dry_run(world, rows, user=None):
    return import_submit(
        actor=user or world.desk,
        project_id=world.project.pk,
        upload=upload(rows, headers=SHEET),
        dry_run=True,
    )


def test_a_dry_run_reports_and_writes_nothing_until_confirmed(world):
    tie, other = tie_of(world.resident), tie_of(world.other_resident)
    today = timezone.localdate()
    rows = [
        sheet_row(world, tie, 手机号="13911114444"),
        sheet_row(world, other, 结束日期=today.isoformat()),
        ["金苑小区", "1栋", 13, "1301", "90", "", "", "新住户", "13911115555", "业主", "2025-01-01", ""],
    ]
    journal_before = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    job = dry_run(world, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    # 1 unit, 1 resident, 1 tie new; 1 phone changed; 1 moved out.
    assert (job.preview["new"], job.preview["changed"], job.preview["moved_out"]) == (3, 1, 1)
    changes = job.preview["changes"]
    assert [(c["row"], c["field"]) for c in changes] == [(2, "手机号"), (3, "结束日期")]
    assert "****" in changes[0]["before"]  # the old number is not revealed by the preview
    assert changes[0]["after"] == "13911114444"
    world.resident.refresh_from_db()
    assert world.resident.phone != "13911114444" and not Resident.objects.filter(name="新住户").exists()
    assert not ObjectChange.objects.exclude(content_type=ContentType.objects.get_for_model(ImportJob)).filter(
        id__gt=journal_before
    )

    # The web page lists the changes and confirms.
    client = Client()
    client.force_login(world.desk)
    page = client.get(f"/data/import/{job.pk}/").content.decode()
    assert "新建 3 条记录，修改 1 条，迁出 1 户" in page and "13911114444" in page
    response = client.post(f"/data/import/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    world.resident.refresh_from_db()
    assert world.resident.phone == "13911114444"
    assert Resident.objects.filter(name="新住户").exists()
    other.refresh_from_db()
    assert other.end_on == today
    # Confirming twice is a conflict.
    assert client.post(f"/data/import/{job.pk}/confirm/").status_code == 409


def test_confirming_after_the_data_changed_is_refused(world):
    tie = tie_of(world.resident)
    job = dry_run(world, [sheet_row(world, tie, 姓名="王改名")])
    assert job.status == ImportStatus.PREVIEWED and job.preview["changed"] == 1
    estates_services.resident_update(actor=world.desk, resident=world.resident, data={"note": "来电"})
    api = Api(world.desk)
    response = api.client.post(f"/api/v1/imports/{job.pk}/confirm", headers=api.headers)
    assert response.status_code == 409 and "数据已有变动" in response.json()["detail"]
    world.resident.refresh_from_db()
    assert world.resident.name != "王改名"


def test_confirming_after_the_file_changed_is_refused(world):
    job = dry_run(world, [sheet_row(world, tie_of(world.resident), 姓名="王改名")])
    with default_storage.open(job.file.name, "wb") as stored:
        stored.write(b"tampered")
    api = Api(world.desk)
    response = api.client.post(f"/api/v1/imports/{job.pk}/confirm", headers=api.headers)
    assert response.status_code == 409 and "文件" in response.json()["detail"]


def test_the_api_dry_run_and_its_confirmation(world):
    api = Api(world.desk)
    row = sheet_row(world, tie_of(world.resident), 姓名="王改名")
    response = api.client.post(
        "/api/v1/imports",
        data={"project_id": world.project.pk, "file": upload([row], headers=SHEET), "dry_run": "true"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "previewed" and body["preview"]["changed"] == 1
    assert body["preview"]["changes"][0]["after"] == "王改名"
    # Another company's desk cannot see it, let alone confirm it.
    other = Api(world.sibling_desk)
    refused = other.client.post(f"/api/v1/imports/{body['id']}/confirm", headers=other.headers)
    assert refused.status_code == 404
    confirmed = api.client.post(f"/api/v1/imports/{body['id']}/confirm", headers=api.headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "succeeded"
    world.resident.refresh_from_db()
    assert world.resident.name == "王改名"


@override_settings(IMPORT_BACKGROUND_ROWS=0)
def test_a_large_dry_run_is_planned_on_the_worker_and_the_changes_are_counted_exactly(world, settings):
    from guanjia.dataio import planning

    tie = tie_of(world.resident)
    rows = [["金苑小区", "3栋", 1, f"{n:04d}", "80", "", "", "", "", "", "", ""] for n in range(1, 8)] + [
        sheet_row(world, tie, 姓名="王改名"),
        sheet_row(world, tie_of(world.other_resident), 姓名="李改名"),
    ]
    planning_rows, planning.PREVIEW_ROWS = planning.PREVIEW_ROWS, 1
    try:
        job = dry_run(world, rows)
        assert job.status == ImportStatus.PENDING
        job = run_import_job(job_id=job.pk)
    finally:
        planning.PREVIEW_ROWS = planning_rows
    assert job.status == ImportStatus.PREVIEWED
    assert job.preview["new"] == 8 and job.preview["changed"] == 2  # 1 building + 7 units
    assert job.preview["change_count"] == 2 and len(job.preview["changes"]) == 1
