"""A big file is planned and written a chunk of rows at a time: never more than a chunk's records
in memory, and the same result as planning the whole file at once (keys that span chunks, all or
nothing, the dry run's digest)."""

import pytest
from django.utils import timezone

from guanjia.dataio import planning, spool
from guanjia.dataio.models import ImportStatus
from guanjia.dataio.services import import_confirm, import_submit, run_import_job
from guanjia.dataio.tests.conftest import upload
from guanjia.estates.models import Building, Occupancy, Resident, Unit

pytestmark = pytest.mark.django_db


def counts():
    return (
        Building.objects.count(),
        Unit.objects.count(),
        Resident.objects.count(),
        Occupancy.objects.count(),
    )


def rows_of(units: int, per_unit: int):
    """``units`` units of 30栋, ``per_unit`` residents each, the rows of a unit spread over the file."""
    return [
        ["30栋", 1, f"{u:03d}", 80, "", f"住户{u}-{p}", f"1360{u:03d}{p:04d}", "业主", "2024-01-01"]
        for p in range(per_unit)
        for u in range(units)
    ]


@pytest.fixture
def recorded(monkeypatch):
    """The rows planned at once and the records written at once, chunk by chunk."""
    seen = {"planned": [], "written": []}
    plan_chunk, plans = planning._plan_chunk, spool.Spool.plans

    def spy_plan(plan, context, rows):
        seen["planned"].append(len(rows))
        return plan_chunk(plan, context, rows)

    def spy_plans(self):
        for chunk in plans(self):
            seen["written"].append(sum(len(getattr(chunk, name)) for name in planning._COUNTED))
            yield chunk

    monkeypatch.setattr(planning, "_plan_chunk", spy_plan)
    monkeypatch.setattr(spool.Spool, "plans", spy_plans)
    return seen


def test_the_planner_never_holds_more_than_a_chunk(world, monkeypatch, recorded):
    monkeypatch.setattr(planning, "CHUNK_ROWS", 10)
    rows = rows_of(units=40, per_unit=3)  # 120 rows

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    # 1 building, 40 units, 120 residents, 120 ties.
    assert job.created_count == 281
    # Every row planned once, never more than a chunk plus the rest of its last unit (3 rows).
    assert sum(recorded["planned"]) == 120 and len(recorded["planned"]) >= 10
    assert max(recorded["planned"]) <= 10 + 2
    # Written chunk by chunk: at most 3 records per row of a chunk (unit, resident, tie).
    assert len(recorded["written"]) == len(recorded["planned"])
    assert max(recorded["written"]) <= 3 * 12
    assert Unit.objects.filter(building__name="30栋").count() == 40
    assert Occupancy.objects.filter(unit__building__name="30栋").count() == 120

    # The same file again: nothing changes, chunk by chunk.
    before = counts()
    again = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows, "csv"))
    assert again.status == ImportStatus.SUCCEEDED, again.errors
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 281)
    assert counts() == before


def test_a_person_in_units_of_different_chunks_is_one_person(world, monkeypatch):
    monkeypatch.setattr(planning, "CHUNK_ROWS", 1)  # every unit a chunk of its own
    rows = [
        ["31栋", 1, "101", 80, "", "赵一", "13611110001", "业主", "2024-01-01"],
        ["31栋", 1, "102", 80, "", "钱二", "13611110002", "业主", "2024-01-01"],
        ["31栋", 2, "201", 80, "", "赵一", "13611110001", "租户", "2024-01-01"],
        # The world's resident, matched by phone in two units (one of them new).
        ["31栋", 2, "202", 80, "", world.resident.name, world.resident.phone, "租户", "2024-01-01"],
        ["31栋", 2, "203", 80, "", world.resident.name, world.resident.phone, "租户", "2024-01-01"],
    ]
    residents = Resident.objects.count()

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Resident.objects.count() == residents + 2
    zhao = Resident.objects.get(phone="13611110001")
    assert sorted(zhao.occupancies.values_list("unit__number", flat=True)) == ["101", "201"]
    assert world.resident.occupancies.filter(unit__building__name="31栋").count() == 2
    # 1 building, 5 units, 2 residents, 5 ties; the world's resident unchanged.
    assert (job.created_count, job.updated_count) == (13, 0)


def test_keys_that_disagree_across_chunks_are_errors_and_nothing_is_written(world, monkeypatch):
    monkeypatch.setattr(planning, "CHUNK_ROWS", 1)
    resident = world.resident
    rows = [
        ["32栋", 1, "101", 80, "", "孙三", "13622220001", "业主", ""],
        ["32栋", 1, "102", 80, "", "孙叁", "13622220001", "业主", ""],  # same new phone, other name
        # The world's resident (matched in their own unit by name) takes a new phone …
        ["1栋", "", world.unit.number, "", "", resident.name, "13622220009", "业主", ""],
        # … that another row gives to a new person.
        ["32栋", 1, "103", 80, "", "周五", "13622220009", "业主", ""],
        ["32栋", 1, "104", "", "", "", "", "", ""],  # the last unit: new without area
    ]
    before = counts()

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows))

    assert job.status == ImportStatus.FAILED
    texts = [e["text"] for e in job.errors]
    assert "第3行 姓名: 与第2行同一手机号的姓名不一致" in texts
    assert any("该手机号已属于另一位住户" in t for t in texts)
    assert "第6行 面积: 新房屋必须填写此项" in texts
    assert counts() == before
    resident.refresh_from_db()
    assert resident.phone != "13622220009"


def test_a_chunked_dry_run_previews_the_first_rows_and_its_confirmation_writes_it(world, monkeypatch):
    monkeypatch.setattr(planning, "CHUNK_ROWS", 1)  # every unit a chunk of its own
    monkeypatch.setattr(planning, "PREVIEW_ROWS", 1)
    today = timezone.localdate()
    other = world.other_resident
    rows = [
        # Planned in the order 1栋 1201 (row 5), 1栋 1202 (row 2), 33栋 101, 33栋 102.
        ["1栋", "", world.other_unit.number, "", "", other.name, other.phone, "业主", "", today],
        ["33栋", 1, "101", 80, "", "吴六", "13633330001", "业主", "", ""],
        ["33栋", 1, "102", 80, "", "吴六", "13633330001", "租户", "", ""],
        ["1栋", "", world.unit.number, "", "", "王改名", world.resident.phone, "业主", "", ""],
    ]
    headers = ["楼栋", "楼层", "房号", "面积", "房屋状态", "姓名", "手机号", "关系", "入住日期", "结束日期"]

    def dry_run():
        return import_submit(
            actor=world.desk, project_id=world.project.pk, upload=upload(rows, headers=headers), dry_run=True
        )

    job = dry_run()
    assert job.status == ImportStatus.PREVIEWED, job.errors
    preview = job.preview
    # 1 building, 2 units, 1 resident, 2 ties new; 1 name changed; 1 moved out.
    assert (preview["new"], preview["changed"], preview["moved_out"]) == (6, 1, 1)
    # Both changes counted; the preview keeps the file's first row although planned second.
    assert preview["change_count"] == 2
    assert [(c["row"], c["after"]) for c in preview["changes"]] == [(2, today.isoformat())]
    assert dry_run().preview["digest"] == preview["digest"]  # the same plan, the same digest

    job = import_confirm(actor=world.desk, job=job)
    job = run_import_job(job_id=job.pk)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.moved_out_count) == (6, 1, 1)
    world.resident.refresh_from_db()
    assert world.resident.name == "王改名"
    assert Resident.objects.get(phone="13633330001").occupancies.count() == 2
    other_tie = Occupancy.objects.get(resident=other, unit=world.other_unit)
    assert other_tie.end_on == today
