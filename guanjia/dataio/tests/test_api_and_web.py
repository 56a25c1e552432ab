"""Imports and exports through the API and the web pages: scope, permissions, progress, files."""

import csv
import io

import pytest
import python_calamine
from django.test import Client, override_settings

from guanjia.dataio.importing import TEMPLATE_HEADERS
from guanjia.dataio.models import ImportJob
from guanjia.dataio.tests.conftest import GOOD_ROWS, upload
from guanjia.estates.models import Building, Unit
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def post_import(user, project, file):
    api = Api(user)
    return api.client.post(
        "/api/v1/imports", data={"project_id": project.pk, "file": file}, headers=api.headers
    )


def sheet(response) -> list[list]:
    content = b"".join(response) if response.streaming else response.content
    if "csv" in response["Content-Type"]:
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    book = python_calamine.load_workbook(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Imports: API ----------------------------------------------------------------------------------


def test_api_import_returns_the_job(world):
    response = post_import(world.desk, world.project, upload(GOOD_ROWS))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["created_count"] == 9
    assert Api(world.desk).get(f"imports/{body['id']}").json()["created_count"] == 9


def test_api_import_with_bad_rows_is_422_with_the_report(world):
    rows = [*GOOD_ROWS, ["9栋", 1, "105", "abc", "", "", "", "", ""]]
    response = post_import(world.desk, world.project, upload(rows, "csv"))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == '第6行 面积: "abc" 不是数字'
    assert body["rows"] == [
        {"row": 6, "field": "面积", "message": '"abc" 不是数字', "text": '第6行 面积: "abc" 不是数字'}
    ]
    assert not Building.objects.filter(name="9栋").exists()


@pytest.mark.parametrize("who", ["sibling_desk", "foreign_admin"])
def test_staff_of_another_project_or_company_cannot_import_into_it(world, who):
    before = Unit.objects.count()
    response = post_import(getattr(world, who), world.project, upload(GOOD_ROWS))
    assert response.status_code == 422
    assert "project_id" in response.json()["errors"]
    assert Unit.objects.count() == before and not ImportJob.objects.exists()


def test_a_technician_may_not_import(world):
    response = post_import(world.technician, world.project, upload(GOOD_ROWS))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
    assert Api(world.technician).get("imports/template.xlsx").status_code == 403


def test_an_unreadable_or_wrong_file_is_a_422_on_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = post_import(world.desk, world.project, SimpleUploadedFile("x.xlsx", b"not a zip"))
    assert bad.status_code == 422 and "file" in bad.json()["errors"]
    wrong = post_import(world.desk, world.project, SimpleUploadedFile("x.txt", b"1,2"))
    assert wrong.status_code == 422 and "file" in wrong.json()["errors"]


def test_import_jobs_of_another_project_are_not_found(world):
    job_id = post_import(world.desk, world.project, upload(GOOD_ROWS)).json()["id"]
    assert Api(world.sibling_desk).get(f"imports/{job_id}").status_code == 404
    assert Api(world.foreign_admin).get(f"imports/{job_id}").status_code == 404


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_api_background_import_is_pending_then_done(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(world.desk, world.project, upload(GOOD_ROWS))
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    done = Api(world.desk).get(f"imports/{response.json()['id']}").json()
    assert (done["status"], done["processed_rows"], done["total_rows"]) == ("succeeded", 4, 4)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_templates_have_the_headers_and_an_example_that_imports(world, fmt):
    response = Api(world.desk).get(f"imports/template.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = sheet(response)
    assert rows[0] == TEMPLATE_HEADERS and len(rows) == 2
    web_copy = web(world.desk).get(f"/data/import/template.{fmt}")
    assert web_copy.status_code == 200 and sheet(web_copy) == rows

    from django.core.files.uploadedfile import SimpleUploadedFile

    imported = post_import(world.desk, world.project, SimpleUploadedFile(f"t.{fmt}", response.content))
    assert imported.status_code == 201, imported.content


# Imports: web ----------------------------------------------------------------------------------


def test_web_import_form_lists_only_visible_projects(world):
    page = web(world.desk).get("/data/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.project.name in html and world.sibling_project.name not in html
    assert web(world.technician).get("/data/import/").status_code == 403


def test_web_import_shows_the_report_of_a_bad_file(world):
    client = web(world.desk)
    rows = [["9栋", 1, "101", "abc", "", "", "", "", ""]]
    response = client.post("/data/import/", {"project": world.project.pk, "file": upload(rows)}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in html and "不是数字" in html and "面积" in html
    assert not Building.objects.filter(name="9栋").exists()


def test_web_import_refuses_a_project_the_user_cannot_see(world):
    response = web(world.sibling_desk).post(
        "/data/import/", {"project": world.project.pk, "file": upload(GOOD_ROWS)}
    )
    assert response.status_code == 200
    assert 'data-field="project"' in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_web_progress_page_polls_until_done(world):
    # Without the on-commit hook the job stays queued: the page shows progress and polls.
    response = web(world.desk).post("/data/import/", {"project": world.project.pk, "file": upload(GOOD_ROWS)})
    assert response.status_code == 302
    client = web(world.desk)
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "排队中" in page and "0%" in page
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 2s"' in partial

    from guanjia.dataio.services import run_import_job

    run_import_job(job_id=ImportJob.objects.get().pk)
    previewed = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in previewed and "预览（尚未写入）" in previewed
    assert not Building.objects.filter(name="9栋").exists()
    client.post(response["Location"] + "confirm/")
    run_import_job(job_id=ImportJob.objects.get().pk)
    finished = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in finished and "导入完成" in finished
    assert Building.objects.filter(name="9栋").exists()


# Exports ---------------------------------------------------------------------------------------


def test_export_applies_the_list_filters_and_chinese_headers(world):
    other_building = f.BuildingFactory(project=world.project, name="2栋")
    f.UnitFactory(building=other_building, number="0201")
    api = Api(world.desk)
    response = api.get("exports/units", format="csv", building_id=world.building.pk)
    assert response.status_code == 200
    rows = sheet(response)
    assert rows[0] == ["项目", "楼栋", "楼层", "房号", "面积", "房屋状态"]
    assert sorted(r[3] for r in rows[1:]) == ["1201", "1202"]  # not 2栋's 0201
    # A room as the desk writes it ("1201" is that number exactly, as in the list's search).
    rows = sheet(api.get("exports/units", format="csv", search="1201"))
    assert [r[3] for r in rows[1:]] == ["1201"]
    assert rows[1][5] == "已入住"


@pytest.mark.parametrize("resource", ["projects", "buildings", "units", "residents", "occupancies", "staff"])
def test_exports_never_contain_another_companys_rows(world, resource):
    response = Api(world.admin).get(f"exports/{resource}", format="xlsx")
    assert response.status_code == 200
    rows = sheet(response)
    assert all(any(ord(ch) > 127 for ch in h) for h in rows[0])  # Chinese headers
    text = repr(rows)
    assert "别家" not in text
    scoped = sheet(Api(world.desk).get(f"exports/{resource}", format="xlsx"))
    assert world.sibling_project.name not in repr(scoped[1:]) or resource == "staff"


def test_exported_phones_are_masked(world):
    rows = sheet(Api(world.admin).get("exports/residents", format="csv", project_id=world.project.pk))
    phones = [r[2] for r in rows[1:]]
    assert phones and all("****" in p for p in phones)
    assert world.resident.phone not in repr(rows)


def test_web_export_uses_the_list_query_string(world):
    client = web(world.desk)
    response = client.get(
        f"/data/export/units.xlsx?project={world.project.pk}&building=&status=occupied&q=&page=2"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet(response)
    assert {r[3] for r in rows[1:]} == {"1201", "1202"}
    assert client.get("/data/export/nonsense.csv").status_code == 404


@pytest.mark.parametrize(
    ("resource", "list_url"),
    [("residents", "/residents/"), ("units", "/units/"), ("buildings", "/buildings/")],
)
def test_the_console_export_is_what_the_list_shows(world, resource, list_url):
    """The export button carries the list's query string: the file holds the list's rows."""
    f.ResidentFactory(company=world.company, project=world.sibling_project, name="别处住户")
    client = web(world.admin)
    for query in (
        f"project={world.project.pk}",
        f"project={world.sibling_project.pk}",
        f"q={world.resident.phone}",
        "q=1201",
        "",
    ):
        page = client.get(f"{list_url}?{query}")
        assert page.status_code == 200
        shown = len(page.context["page"].paginator.object_list)
        rows = sheet(client.get(f"/data/export/{resource}.csv?{query}"))
        assert len(rows) - 1 == shown, query
    one = sheet(client.get(f"/data/export/residents.csv?q={world.resident.phone}"))
    assert [r[1] for r in one[1:]] == [world.resident.name]


def test_residents_and_people_without_the_permission_cannot_export(world):
    assert Api(world.resident_user).get("exports/units").status_code == 403
    assert web(world.resident_user).get("/data/export/residents.csv").status_code == 403
    assert Api().get("exports/units").status_code == 401
