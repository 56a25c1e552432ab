"""A third-party auditor (Role.EXTERNAL_AUDITOR) sees the audits of the projects it is given and
nothing else: no residents, units, requests, staff, boards or exports — over the API and the console."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from guanjia.quality import services
from guanjia.quality.models import Audit, NonConformance
from guanjia.quality.tests.conftest import fill
from guanjia.testing.api import Api
from guanjia.tickets import services as ticket_services


@pytest.fixture
def leaky(qw):
    """Rows of P1 that an auditor of P1 must not see, and strings that would betray them."""
    ticket_services.company_defaults_ensure(company=qw.company)
    ticket = ticket_services.ticket_create(
        actor=qw.desk, data={"kind": "home_repair", "unit_id": qw.unit.pk, "description": "厨房漏水严重"}
    )
    own = services.audit_create(
        actor=qw.auditor, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
    )
    other = services.audit_create(
        actor=qw.quality, data={"project_id": qw.sibling_project.pk, "template_id": qw.template.pk}
    )
    fill(other, qw.quality, fail_keys={"1.1"})
    services.audit_submit(actor=qw.quality, audit=other)
    qw.ticket, qw.own_audit, qw.other_audit = ticket, own, other
    qw.secrets = [
        qw.resident.name,
        ticket.number,
        "厨房漏水严重",
        qw.unit.number,
        "金苑大厦",
        qw.staff["desk"].name,
    ]
    return qw


def _no_leak(response, secrets, where):
    body = response.content.decode("utf-8", errors="replace")
    for secret in secrets:
        assert secret not in body, f"{where} shows {secret!r} to an external auditor"


def test_api_lists_are_forbidden_or_empty(leaky):
    api = Api(leaky.auditor)
    assert api.get("tickets").status_code in (403, 200)
    tickets = api.get("tickets")
    assert tickets.status_code == 403 or tickets.json()["items"] == []
    residents = api.get("residents")
    assert residents.status_code == 403 or residents.json()["items"] == []
    assert api.get(f"tickets/{leaky.ticket.pk}").status_code == 404
    assert api.get(f"residents/{leaky.resident.pk}").status_code in (403, 404)
    schema = json.loads(Api(leaky.admin).get("openapi.json").content)
    checked = 0
    for path, ops in schema["paths"].items():
        if (
            "get" not in ops
            or "{" in path
            or "/audit" in path
            or "nonconformances" in path
            or "corrective" in path
            # Gate hardware signs in with its own device token: a person's token is 401 there.
            or "/gate/device/" in path
        ):
            continue
        response = api.get(path)
        # An operation that needs query parameters refuses their absence before anything is read.
        needs_parameters = any(p.get("required") for p in ops["get"].get("parameters", []))
        allowed = (200, 403, 404, 422) if needs_parameters else (200, 403, 404)
        assert response.status_code in allowed, (path, response.status_code)
        _no_leak(response, leaky.secrets, path)
        checked += 1
    assert checked >= 20


def test_cannot_raise_requests(leaky):
    response = Api(leaky.auditor).post(
        "tickets",
        {"kind": "common_repair", "project_id": leaky.project.pk, "location": "大堂", "description": "x"},
    )
    assert response.status_code == 403


def test_sees_only_the_audits_of_its_projects(leaky):
    api = Api(leaky.auditor)
    ids = {a["id"] for a in api.get("audits").json()["items"]}
    assert ids == {leaky.own_audit.pk}
    assert api.get(f"audits/{leaky.other_audit.pk}").status_code == 404
    assert api.get(f"audits/{leaky.other_audit.pk}/results").status_code == 404
    assert api.get("nonconformances").json()["items"] == []
    nc = NonConformance.objects.get(audit=leaky.other_audit)
    assert api.get(f"nonconformances/{nc.pk}").status_code == 404
    # It cannot audit a project it is not given, nor plan.
    created = api.post("audits", {"project_id": leaky.sibling_project.pk, "template_id": leaky.template.pk})
    assert created.status_code == 422 and "project_id" in created.json()["errors"]
    assert Audit.objects.filter(project=leaky.sibling_project).count() == 1


def _console_paths():
    # /metrics is Prometheus's, by network address (docs/operations.md), not a console page.
    skip = ("admin/", "api/", "i18n/", "logout", "login", "healthz", "media/", "static/", "metrics")

    def walk(patterns, prefix=""):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and "<" not in route and "^" not in route:
                path = "/" + prefix + route
                if not any(path.startswith("/" + s) for s in skip):
                    yield path

    return sorted(set(walk(get_resolver().url_patterns)))


def test_console_pages_show_nothing_else(leaky):
    client = Client()
    client.force_login(leaky.auditor)
    paths = _console_paths()
    assert "/tickets/" in paths and "/residents/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404, 405), (path, response.status_code)
        _no_leak(response, leaky.secrets, path)
    for path in (
        f"/tickets/{leaky.ticket.pk}/",
        f"/residents/{leaky.resident.pk}/",
        f"/units/{leaky.unit.pk}/",
        f"/projects/{leaky.project.pk}/",
        f"/quality/audits/{leaky.other_audit.pk}/",
        f"/quality/projects/{leaky.sibling_project.pk}/",
    ):
        response = client.get(path)
        assert response.status_code in (403, 404), path
    assert client.get(f"/quality/audits/{leaky.own_audit.pk}/").status_code == 200
    assert client.get(f"/quality/projects/{leaky.project.pk}/").status_code == 200


def test_home_takes_the_auditor_to_its_audits(leaky, client):
    client.force_login(leaky.auditor)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/quality/"
