"""The dispatch-rules resource runs the scoping battery; the dispatch queue is scoped too."""

import pytest

from guanjia.dispatch.models import DispatchRule
from guanjia.dispatch.tests.conftest import make_rule, receive
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ScopedResourceBattery, ids
from guanjia.tickets import services as ticket_services
from guanjia.tickets.models import TicketCategory

pytestmark = pytest.mark.django_db


def _category(world):
    ticket_services.company_defaults_ensure(company=world.company)
    return TicketCategory.objects.get(company=world.company, name="水电", parent=None)


class TestDispatchRules(ScopedResourceBattery):
    resource = "dispatch-rules"
    update_payload = {"priority": 5, "department": "security"}

    def make(self, world, project):
        return DispatchRule.objects.create(
            company=project.company, project=project, category=_category(world), department="engineering"
        )

    def create_payload(self, world):
        return {
            "department": "engineering",
            "project_id": world.project.pk,
            "category_id": _category(world).pk,
            "building_id": world.building.pk,
            "priority": 1,
        }


def test_the_desk_reads_rules_but_cannot_write_them(world):
    payload = TestDispatchRules().create_payload(world)
    response = Api(world.desk).post("dispatch-rules", payload)
    assert response.status_code == 403
    assert not DispatchRule.objects.exists()


def test_a_building_of_another_project_is_refused_naming_the_field(world):
    payload = TestDispatchRules().create_payload(world) | {
        "building_id": f.BuildingFactory(project=world.sibling_project).pk
    }
    response = Api(world.admin).post("dispatch-rules", payload)
    assert response.status_code == 422
    assert "building_id" in response.json()["errors"]


def test_a_rule_can_be_cleared_of_its_building_and_skill(world):
    rule = TestDispatchRules().make(world, world.project)
    rule.building = world.building
    rule.save()
    response = Api(world.manager).patch(f"dispatch-rules/{rule.pk}", {"building_id": None})
    assert response.status_code == 200, response.content
    assert response.json()["building_id"] is None
    assert Api(world.manager).patch(f"dispatch-rules/{rule.pk}", {"category_id": None}).status_code == 422


def test_the_dispatch_queue_lists_received_unassigned_requests_oldest_first(dw):
    first = receive(dw)
    second = receive(dw, description="卫生间漏水")
    make_rule(dw, department=Department.ENGINEERING)
    dw.tech1.skills.add(dw.water_skill)
    dispatched = receive(dw, description="阳台漏水")  # now a rule matches: not in the queue
    assert dispatched.assignee_id
    sibling_unit = f.UnitFactory(building=f.BuildingFactory(project=dw.sibling_project))
    hidden = receive(dw, actor=dw.hq, unit_id=sibling_unit.pk)

    response = Api(dw.desk).get("dispatch-queue")
    assert response.status_code == 200, response.content
    assert [t["id"] for t in response.json()["items"]] == [first.pk, second.pk]
    assert hidden.pk in ids(Api(dw.hq).get("dispatch-queue"))
    assert Api(dw.resident_user).get("dispatch-queue").status_code == 403
    assert Api().get("dispatch-queue").status_code == 401
    assert Api(dw.foreign_admin).get("dispatch-queue").json()["items"] == []
