"""The lending API: the scoping battery for items, loans for the desk and for residents, the
return action, and 422 naming the field."""

import datetime

import pytest
from django.utils import timezone

from guanjia.lending import services
from guanjia.lending.models import LendingItem, Loan
from guanjia.lending.tests.conftest import loan_data
from guanjia.testing.api import Api, ScopedResourceBattery, ids

pytestmark = pytest.mark.django_db


class TestLendingItems(ScopedResourceBattery):
    resource = "lending-items"
    update_payload = {"name": "折叠轮椅", "quantity": 5}

    def make(self, world, project):
        return LendingItem.objects.create(
            company=project.company,
            project=project,
            name=f"梯子{LendingItem.objects.count()}",
            quantity=2,
            on_hand=2,
        )

    def create_payload(self, world):
        return {"project_id": world.project.pk, "name": "工具箱", "quantity": 3}


def test_desk_lends_and_takes_back_through_the_api(lw):
    desk = Api(lw.desk)
    payload = loan_data(lw)
    payload["due_on"] = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    created = desk.post("loans", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["borrower_phone"] == "138****8000" and body["overdue"] is False and body["item_name"] == "轮椅"
    )
    returned = desk.post(f"loans/{body['id']}/return", {"condition": "good"})
    assert returned.status_code == 200 and returned.json()["return_condition"] == "good"
    assert desk.post(f"loans/{body['id']}/return", {"condition": "good"}).status_code == 409
    assert desk.post(f"loans/{body['id']}/return", {"condition": "broken"}).status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"due_on": "2000-01-01"}, "due_on"),
        ({"quantity": 5}, "quantity"),
    ],
)
def test_bad_loans_are_422_naming_the_field(lw, change, field):
    response = Api(lw.desk).post("loans", {**loan_data(lw), **change})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Loan.objects.exists()


def test_an_item_not_in_stock_is_422_on_the_item(lw):
    services.item_update(actor=lw.manager, item=lw.wheelchair, data={"quantity": 0})
    response = Api(lw.desk).post("loans", loan_data(lw))
    assert response.status_code == 422 and "item_id" in response.json()["errors"]


def test_loans_are_scoped(lw):
    loan = services.loan_create(actor=lw.desk, data=loan_data(lw))
    assert ids(Api(lw.resident_user).get("loans")) == {loan.pk}
    assert ids(Api(lw.other_resident_user).get("loans")) == set()
    assert Api(lw.other_resident_user).get(f"loans/{loan.pk}").status_code == 404
    assert Api(lw.resident_user).post(f"loans/{loan.pk}/return", {"condition": "good"}).status_code == 403
    assert ids(Api(lw.sibling_desk).get("loans")) == set()
    hidden = Api(lw.foreign_admin).get(f"loans/{loan.pk}")
    missing = Api(lw.foreign_admin).get("loans/999999")
    assert hidden.status_code == missing.status_code == 404
    assert Api(lw.foreign_admin).post(f"loans/{loan.pk}/return", {"condition": "good"}).status_code == 404
    assert Api(lw.technician).get("loans").status_code == 403
    assert ids(Api(lw.hq).get("loans", state="out")) == {loan.pk}
    assert Loan.objects.get(pk=loan.pk).returned_at is None
