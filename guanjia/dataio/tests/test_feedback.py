"""What the person importing is told: every error counted, all of them downloadable as the file's
own rows with an error column, and progress over every step."""

import io

import pytest
import python_calamine
from django.test import Client

from guanjia.dataio.models import ImportJob, ImportStatus, ImportStep
from guanjia.dataio.services import import_submit
from guanjia.dataio.tests.conftest import GOOD_ROWS, upload
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def read_xlsx(content: bytes) -> list[list]:
    return python_calamine.load_workbook(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_five_thousand_bad_rows_are_counted_exactly_and_all_in_the_report(world, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10_000
    settings.IMPORT_INLINE_BYTES = 10 * 1024 * 1024
    bad = [["9栋", 1, f"{n}", "abc", "", "", "", "", ""] for n in range(5000)]
    job = import_submit(
        actor=world.desk, project_id=world.project.pk, upload=upload([*GOOD_ROWS, *bad], "csv")
    )
    assert job.status == ImportStatus.FAILED
    assert job.error_count == 5000 and len(job.errors) == 1001  # 1,000 listed and a "more" line

    client = Client()
    client.force_login(world.desk)
    page = client.get(f"/data/import/{job.pk}/")
    assert "文件有 5000 处错误" in page.content.decode()
    report = client.get(f"/data/import/{job.pk}/errors.xlsx")
    assert report.status_code == 200
    rows = read_xlsx(report.content)
    assert rows[0][-1] == "错误"
    assert len(rows) == 1 + len(GOOD_ROWS) + 5000  # the file's own rows
    marked = [r for r in rows[1:] if r[-1]]
    assert len(marked) == 5000 and marked[0][-1] == '面积: "abc" 不是数字'
    assert rows[1][:3] == ["9栋", "1", "101"] and not rows[1][-1]  # a good row, unmarked

    api = Api(world.desk)
    body = api.get(f"imports/{job.pk}").json()
    assert (body["error_count"], body["step"], body["percent"]) == (5000, "done", 100)
    assert api.get(f"imports/{job.pk}/errors.xlsx").status_code == 200
    assert Api(world.sibling_desk).get(f"imports/{job.pk}/errors.xlsx").status_code == 404


def test_progress_covers_every_step_with_an_estimate(world):
    job = ImportJob.objects.create(
        company=world.company,
        project=world.project,
        file="imports/x.csv",
        total_rows=1000,
        created_by=world.desk,
    )
    from django.utils import timezone

    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now() - timezone.timedelta(seconds=30)
    seen = []
    for step, done in ((ImportStep.READING, 500), (ImportStep.MATCHING, 1000), (ImportStep.WRITING, 500)):
        job.step, job.processed_rows = step, done
        seen.append(job.percent)
    assert seen == [22, 50, 75]  # reading is half the way, writing the other half
    assert job.seconds_left == 10  # 30 s for 75 %

    client = Client()
    client.force_login(world.desk)
    job.save()
    page = client.get(f"/data/import/{job.pk}/").content.decode()
    assert "正在导入（写入数据）" in page and "75%" in page and "预计还需" in page
