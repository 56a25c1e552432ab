"""Refusals and failures: a page in the console layout for people, in their language, with the
server's reason; JSON for API clients, whatever path they got wrong; one log line per refusal."""

import io
import json
import logging

import pytest
from django.test import Client, override_settings
from django.urls import path

from guanjia import urls as project
from guanjia.api import api
from guanjia.core.errors import NotAllowed
from guanjia.testing.api import Api
from guanjia.web.helpers import console_view

pytestmark = pytest.mark.django_db


@console_view()
def _refuse(request):
    raise NotAllowed("只有项目经理可以审批退款")


def _fail(request):
    raise RuntimeError("boom")


# The project's URLs and error handlers, and two views that refuse and fail.
urlpatterns = [path("test-refuse/", _refuse), path("test-fail/", _fail), *project.urlpatterns]
handler400 = getattr(project, "handler400", None)
handler403 = getattr(project, "handler403", None)
handler404 = getattr(project, "handler404", None)
handler500 = getattr(project, "handler500", None)


def _client(user, language="zh-hans"):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_is_a_page_in_the_console_layout_with_the_servers_reason(world):
    response = _client(world.desk).get("/test-refuse/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "只有项目经理可以审批退款" in page
    assert "没有权限" in page
    assert 'id="main-nav"' in page  # the console's navigation, to find the way on
    assert "403 Forbidden" not in page


@override_settings(ROOT_URLCONF=__name__)
def test_the_refusal_page_speaks_english_in_english(world):
    page = _client(world.desk, "en").get("/test-refuse/").content.decode()
    assert "Permission denied" in page
    assert "Back to home" in page


def test_a_missing_page_is_a_page_in_the_console_layout(world):
    for language, words in (("zh-hans", "页面不存在"), ("en", "Page not found")):
        response = _client(world.desk, language).get("/no-such-page/")
        assert response.status_code == 404
        page = response.content.decode()
        assert words in page and 'id="main-nav"' in page


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_a_page_in_the_console_layout(world):
    response = _client(world.desk).get("/test-fail/")
    assert response.status_code == 500
    assert "服务器出错" in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_htmx_gets_the_reason_as_text(world):
    response = _client(world.desk).get("/test-refuse/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "只有项目经理可以审批退款"


def _api_paths_with_bad_ids():
    """Every API path with an id, the id replaced by what no route takes: -1, a word, zero."""
    for route, operations in api.get_openapi_schema()["paths"].items():
        if "{" not in route:
            continue
        for bad in ("-1", "abc", "0"):
            parts = [bad if part.startswith("{") else part for part in route.split("/")]
            for method in operations:
                yield method, "/".join(parts)


def test_every_api_path_that_falls_through_answers_json(world):
    client = Api(world.admin)
    client.client.raise_request_exception = False
    seen, failures = 0, []
    for method, url in _api_paths_with_bad_ids():
        seen += 1
        response = getattr(client.client, method)(
            url, headers=client.headers, content_type="application/json"
        )
        if not response["Content-Type"].startswith("application/json") or response.status_code >= 500:
            failures.append(f"{method.upper()} {url}: {response.status_code} {response['Content-Type']}")
    assert seen > 100
    assert not failures, "\n".join(failures)


def test_the_api_answers_json_404_for_an_id_no_route_takes_and_a_path_that_does_not_exist(world):
    client = Api(world.admin)
    for url in ("/api/v1/tickets/-1", "/api/v1/no-such-thing", "/api/v2/tickets", "/api/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json()["detail"], url


@override_settings(DEBUG=True)
def test_the_api_404_is_json_in_the_demo_too(world):
    response = Api(world.admin).get("/api/v1/tickets/-1")
    assert response.status_code == 404
    assert response.json()["detail"]


def _console_handler():
    handlers = logging.getLogger("django").handlers
    assert handlers, "the django logger writes to the console handler"
    return handlers[0]


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_is_one_line_in_the_log_and_a_fault_keeps_its_traceback(world):
    handler = _console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        _client(world.desk).get("/test-refuse/")
        refusal = stream.getvalue()
        stream.truncate(0)
        stream.seek(0)
        _client(world.desk).get("/test-fail/")
        fault = stream.getvalue()
    finally:
        handler.setStream(previous)
    assert refusal.strip().count("\n") == 0, refusal
    assert "Forbidden" in refusal and "/test-refuse/" in refusal
    assert "Traceback" in fault


def test_a_json_body_over_the_limit_is_413_json(world):
    client = Api(world.desk)
    body = json.dumps({"description": "漏水" * 1_000_000, "project_id": world.project.pk})
    response = client.client.post(
        "/api/v1/tickets", data=body, content_type="application/json", headers=client.headers
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "2.5 MB" in response.json()["errors"]["body"][0]


@override_settings(DEBUG=True)
def test_a_json_body_over_the_limit_is_413_json_in_the_demo_too(world):
    client = Api(world.desk)
    response = client.client.post(
        "/api/v1/tickets",
        data="[" + "1," * 1_500_000 + "1]",
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 413
    assert response.json()["errors"]["body"]


def test_a_form_over_the_limit_is_a_413_page(world):
    response = _client(world.desk).post("/tickets/new/", {"description": "x" * 3_000_000})
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


def test_the_documented_limit_is_the_proxys_and_the_apps():
    from pathlib import Path

    from django.conf import settings

    deploy = (Path(settings.BASE_DIR).parent / "docs" / "deploy.md").read_text()
    site = (Path(settings.BASE_DIR).parent / "deploy" / "nginx-guanjia.conf").read_text()
    assert f"client_max_body_size {settings.REQUEST_MAX_BYTES // (1024 * 1024)}m;" in site
    assert f"client_max_body_size {settings.REQUEST_MAX_BYTES // (1024 * 1024)}m" in deploy
    assert "2.5 MB" in deploy and "413" in deploy
