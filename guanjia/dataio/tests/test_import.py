"""Importing a spreadsheet: all or nothing, a report naming rows and columns, idempotent, journaled."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from guanjia.core.context import Source
from guanjia.core.models import ObjectChange
from guanjia.dataio.importing import parse_rows
from guanjia.dataio.models import ImportJob, ImportStatus
from guanjia.dataio.services import import_submit, run_import_job
from guanjia.dataio.tests.conftest import GOOD_ROWS, upload
from guanjia.estates.models import Building, Occupancy, Resident, Unit

pytestmark = pytest.mark.django_db


def domain_changes():
    """Journal entries of imported records (the import job's own entries are not counted)."""
    return ObjectChange.objects.exclude(content_type=ContentType.objects.get_for_model(ImportJob))


def counts():
    return (
        Building.objects.count(),
        Unit.objects.count(),
        Resident.objects.count(),
        Occupancy.objects.count(),
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_clean_file_creates_buildings_units_residents_and_occupancies(world, fmt):
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS, fmt))

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.total_rows == 4
    # 2 buildings, 3 units, 2 residents, 2 occupancies
    assert (job.created_count, job.updated_count) == (9, 0)
    unit = Unit.objects.get(building__project=world.project, building__name="9栋", number="101")
    assert unit.area == Decimal("88.50") and unit.floor == 1 and unit.status == "occupied"
    assert Unit.objects.get(building__name="9栋", number="102").status == "vacant"
    assert Unit.objects.get(building__name="10栋", number="201").area == Decimal("75.25")
    li = Resident.objects.get(phone="13700000002")  # +86 and spaces normalised
    assert li.name == "李丽" and li.project == world.project
    occupancy = Occupancy.objects.get(resident=li)
    assert (occupancy.unit, occupancy.relation, occupancy.start_on) == (
        unit,
        "family",
        datetime.date(2024, 3, 1),
    )
    entry = ObjectChange.objects.filter(object_id=str(unit.pk), action="create").get(
        content_type=ContentType.objects.get_for_model(Unit)
    )
    assert entry.source == Source.IMPORT and entry.actor == world.desk


def test_a_gbk_csv_from_chinese_excel_is_read(world):
    job = import_submit(
        actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS, "csv", encoding="gb18030")
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Resident.objects.filter(name="王小明").exists()


def test_one_bad_row_imports_nothing_and_the_report_names_row_and_column(world):
    before = counts()
    rows = [*GOOD_ROWS[:2], ["9栋", 1, "103", "abc", "", "", "", "", ""], GOOD_ROWS[3]]

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))

    assert job.status == ImportStatus.FAILED
    assert [e["text"] for e in job.errors] == ['第4行 面积: "abc" 不是数字']
    assert counts() == before
    assert not Building.objects.filter(name="9栋").exists()


def test_every_error_of_the_file_is_reported_at_once(world):
    rows = [
        ["9栋", "一楼", "101", 88.5, "", "", "", "", ""],
        ["9栋", 1, "102", 88.5, "待售", "张三", "12345", "房东", "2024-13-01"],
        ["9栋", 1, "103", 88.5, "", "张三", "", "", ""],
        ["", 1, "104", 88.5, "", "", "", "", ""],
    ]
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))

    texts = [e["text"] for e in job.errors]
    assert texts[0] == '第2行 楼层: "一楼" 不是整数'
    assert any(t.startswith('第3行 房屋状态: "待售" 不是有效的房屋状态') for t in texts)
    assert any(t.startswith("第3行 手机号:") and "12345" in t for t in texts)
    assert any(t.startswith('第3行 关系: "房东" 不是有效的关系') for t in texts)
    assert '第3行 入住日期: "2024-13-01" 不是有效日期，请用 YYYY-MM-DD' in texts
    assert "第4行 手机号: 填写了姓名时必须填写手机号" in texts
    assert "第5行 楼栋: 不能为空" in texts
    assert Unit.objects.filter(number__in=["101", "102"], building__name="9栋").count() == 0


def test_rows_that_contradict_each_other_are_reported(world):
    rows = [
        ["9栋", 1, "101", 88.5, "", "王小明", "13700000001", "业主", ""],
        ["9栋", 1, "101", 90, "", "王大明", "13700000001", "租户", ""],
    ]
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))
    texts = [e["text"] for e in job.errors]
    assert "第3行 面积: 与第2行同一房屋的值不一致" in texts
    assert "第3行 姓名: 与第2行同一手机号的姓名不一致" in texts


def test_a_new_unit_needs_floor_and_area(world):
    job = import_submit(
        actor=world.desk,
        project_id=world.project.pk,
        upload=upload([["9栋", "", "101", "", "", "", "", "", ""]]),
    )
    assert {e["text"] for e in job.errors} == {
        "第2行 楼层: 新房屋必须填写此项",
        "第2行 面积: 新房屋必须填写此项",
    }


def test_reimporting_the_same_file_changes_nothing(world):
    first = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS))
    assert first.status == ImportStatus.SUCCEEDED
    before, journal = counts(), domain_changes().count()

    again = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS, "csv"))

    assert again.status == ImportStatus.SUCCEEDED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 9)
    assert counts() == before
    assert domain_changes().count() == journal


def test_existing_units_and_residents_are_matched_not_duplicated(world):
    unit, resident = world.unit, world.resident
    row = ["1栋", unit.floor, unit.number, str(unit.area), "", resident.name, resident.phone, "业主", ""]
    before = counts()

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload([row]))

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count) == (0, 0)
    assert counts() == before


def test_a_changed_area_is_updated_and_journaled_as_an_import(world):
    import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS))
    changed = [list(r) for r in GOOD_ROWS]
    changed[2][3] = "130.00"

    job = import_submit(actor=world.manager, project_id=world.project.pk, upload=upload(changed))

    assert (job.created_count, job.updated_count) == (0, 1)
    unit = Unit.objects.get(building__name="9栋", number="102")
    assert unit.area == Decimal("130.00")
    entry = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Unit), object_id=str(unit.pk), action="update"
    ).get()
    assert entry.source == "import"
    assert entry.actor == world.manager
    assert entry.changes == {"area": ["120.00", "130.00"]}


def test_buildings_only_and_units_only_files(world):
    job = import_submit(
        actor=world.desk, project_id=world.project.pk, upload=upload([["A座"], ["B座"]], headers=["楼栋"])
    )
    assert job.status == ImportStatus.SUCCEEDED and job.created_count == 2
    job = import_submit(
        actor=world.desk,
        project_id=world.project.pk,
        upload=upload([["A座", 3, "301", "66.6"]], "csv", headers=["楼栋", "楼层", "房号", "建筑面积(㎡)"]),
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Unit.objects.get(building__name="A座", number="301").area == Decimal("66.60")


def test_a_file_without_the_building_column_is_refused_with_the_expected_headers(world):
    job = import_submit(
        actor=world.desk, project_id=world.project.pk, upload=upload([["x"]], headers=["名称"])
    )
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["text"].startswith("第1行: 缺少“楼栋”列")


def test_excel_dates_and_numbers_as_excel_stores_them():
    table = [
        ["楼栋", "楼层", "房号", "面积", "手机号", "姓名", "入住日期"],
        ["1栋", 12.0, 1201.0, 89.55, 13700000003.0, "赵", datetime.datetime(2023, 5, 6)],
        ["1栋", 12.0, 1202.0, 89.5, 13700000004.0, "钱", 45000],
        ["1栋", 12.0, 1203.0, 89.5, 13700000005.0, "孙", "2023/5/6"],
    ]
    rows, errors = parse_rows(table)
    assert errors == []
    assert (rows[0].number, rows[0].floor, rows[0].area, rows[0].phone) == (
        "1201",
        12,
        Decimal("89.55"),
        "13700000003",
    )
    assert rows[0].start_on == datetime.date(2023, 5, 6)
    assert rows[1].start_on == datetime.date(2023, 3, 15)
    assert rows[2].start_on == datetime.date(2023, 5, 6)


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_a_large_file_runs_as_a_background_job_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS))
    assert job.status == ImportStatus.PENDING  # queued; Huey runs it (immediately in tests)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.processed_rows, job.total_rows, job.created_count) == (4, 4, 9)
    before, journal = counts(), domain_changes().count()

    again = run_import_job(job_id=job.pk)  # a retried or duplicated task

    assert again.status == ImportStatus.SUCCEEDED and again.created_count == 9
    assert counts() == before and domain_changes().count() == journal
