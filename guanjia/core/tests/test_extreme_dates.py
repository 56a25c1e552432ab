"""Extreme but valid dates (year 1, year 9999) are bad input everywhere, never a 500.

The API sweep reads the published schema, so a list endpoint that takes a date tomorrow is
checked without anyone remembering to add it here."""

import json

import pytest
from django.test import Client

from guanjia.api import api
from guanjia.core.dates import date_range
from guanjia.testing.api import Api

EXTREME_DAYS = ("0001-01-01", "9999-12-31")
EXTREME_TIMES = ("0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00+08:00")


def date_parameters():
    """(path, parameter, values) for every query parameter of every GET operation that is a date or time."""
    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            schema = json.dumps(parameter.get("schema"))
            if '"format": "date"' in schema:
                found.append((path, parameter["name"], EXTREME_DAYS))
            elif '"format": "date-time"' in schema:
                found.append((path, parameter["name"], EXTREME_TIMES))
    return found


def test_the_sweep_covers_the_lists_the_issue_named():
    paths = {path for path, _name, _values in date_parameters()}
    for name in (
        "tickets",
        "figures",
        "staff-figures",
        "quality-figures",
        "maintenance-tasks",
        "patrol-rounds",
        "collection-visits",
        "billing/arrears",
    ):
        assert f"/api/v1/{name}" in paths


@pytest.mark.django_db
def test_every_api_list_refuses_an_extreme_date_naming_the_field(world):
    client = Api(world.admin)
    client.client.raise_request_exception = False
    failures = []
    for path, name, values in date_parameters():
        for value in values:
            response = client.get(path, **{name: value})
            body = response.json() if response["Content-Type"].startswith("application/json") else {}
            if response.status_code != 422 or name not in body.get("errors", {}):
                failures.append(f"{path}?{name}={value}: {response.status_code} {response.content[:120]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_a_sensible_date_still_filters(world):
    response = Api(world.admin).get("tickets", created_from="2020-01-01", created_to="2030-12-31")
    assert response.status_code == 200


CONSOLE_PAGES = [
    ("/tickets/", "created_from", "受理日期从"),
    ("/tickets/", "created_to", "受理日期至"),
    ("/boards/figures/", "from", None),
    ("/boards/figures/", "to", None),
    ("/boards/figures/export.xlsx", "to", None),
    ("/quality/figures/", "from", None),
    ("/quality/figures/", "to", None),
    ("/quality/figures/export.xlsx", "to", None),
    ("/staff/figures/", "to", None),
    ("/billing/arrears/", "as_of", "截至日期"),
    ("/billing/arrears/", "on", "截至日期"),
    ("/billing/collection/", "as_of", "截至日期"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url,name,label", CONSOLE_PAGES)
@pytest.mark.parametrize("value", EXTREME_DAYS)
def test_console_pages_refuse_an_extreme_date_naming_the_field(world, url, name, label, value):
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    response = client.get(url, {name: value})
    assert response.status_code == 422
    assert "1900-01-01" in response.content.decode()
    if label:
        assert label in response.content.decode()


@pytest.mark.django_db
def test_a_live_filter_gets_the_reason_as_text(world):
    client = Client()
    client.force_login(world.admin)
    response = client.get("/tickets/", {"created_to": "9999-12-31"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("受理日期至")


@pytest.mark.django_db
def test_a_form_refuses_an_extreme_date(world):
    from django import forms

    class Form(forms.Form):
        day = forms.DateField()
        moment = forms.DateTimeField()

    form = Form({"day": "0001-01-01", "moment": "9999-12-31 23:59"})
    assert not form.is_valid()
    assert set(form.errors) == {"day", "moment"}
    assert Form({"day": "2026-01-01", "moment": "2026-01-01 08:00"}).is_valid()


def test_date_range_names_the_field():
    import datetime

    from django.core.exceptions import ValidationError

    today = datetime.date(2026, 1, 1)
    for start, end, field in (("0001-01-01", "0001-01-02", "from"), (None, "9999-12-31", "to")):
        with pytest.raises(ValidationError) as caught:
            date_range(start, end, today=today, default_days=90, max_days=366)
        assert field in caught.value.message_dict
