"""Staff and the duty rota through the API: the scoping battery plus who may hand out which role."""

import datetime

import pytest

from guanjia.core.models import ObjectChange
from guanjia.core.roles import Role
from guanjia.estates.models import Project
from guanjia.staff import services
from guanjia.staff.models import DutyShift, StaffMember
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ScopedResourceBattery, ids

pytestmark = pytest.mark.django_db


class TestStaff(ScopedResourceBattery):
    resource = "staff"
    update_payload = {"position": "维修主管"}

    def make(self, world, project):
        return f.make_staff(company=project.company, roles=[Role.TECHNICIAN], projects=[project])

    def create_payload(self, world):
        return {
            "username": "new.tech",
            "password": "a-long-password-1",
            "name": "新技工",
            "department": "engineering",
            "roles": ["technician"],
            "project_ids": [world.project.pk],
            "skills": ["水电", "门窗"],
        }


class TestDutyShifts(ScopedResourceBattery):
    resource = "shifts"
    update_payload = {}
    updatable = False

    def make(self, world, project):
        member = f.make_staff(company=project.company, roles=[Role.SECURITY], projects=[project])
        return DutyShift.objects.create(
            company=project.company,
            project=project,
            staff=member,
            weekday=0,
            starts_at=datetime.time(8),
            ends_at=datetime.time(20),
        )

    def create_payload(self, world):
        member = StaffMember.objects.get(user=world.technician)
        return {
            "project_id": world.project.pk,
            "staff_id": member.pk,
            "weekday": 2,
            "starts_at": "20:00",
            "ends_at": "08:00",
        }


def test_created_staff_can_log_in_and_has_the_roles_and_skills(world):
    response = Api(world.manager).post("staff", TestStaff().create_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["technician"]
    assert body["skills"] == ["水电", "门窗"]
    assert body["project_ids"] == [world.project.pk]
    assert (
        Api().post("auth/token", {"username": "new.tech", "password": "a-long-password-1"}).status_code == 201
    )


def test_project_manager_cannot_hand_out_hq_roles(world):
    payload = TestStaff().create_payload(world) | {"roles": ["company_admin"]}
    response = Api(world.manager).post("staff", payload)
    assert response.status_code == 403
    assert not StaffMember.objects.filter(user__username="new.tech").exists()


def test_project_manager_cannot_assign_staff_to_a_project_they_do_not_serve(world):
    payload = TestStaff().create_payload(world) | {"project_ids": [world.sibling_project.pk]}
    response = Api(world.manager).post("staff", payload)
    assert response.status_code == 422
    assert "project_ids" in response.json()["errors"]


def test_role_and_project_changes_are_journaled(world):
    member = StaffMember.objects.get(user=world.technician)
    response = Api(world.admin).patch(
        f"staff/{member.pk}",
        {
            "roles": ["technician", "department_head"],
            "project_ids": [world.project.pk, world.sibling_project.pk],
        },
    )
    assert response.status_code == 200, response.content
    entry = ObjectChange.objects.filter(object_id=str(member.pk), action="update").latest("id")
    assert entry.changes["roles"] == [["technician"], ["department_head", "technician"]]
    assert entry.changes["projects"][1] == sorted([world.project.pk, world.sibling_project.pk])


def test_staff_who_leave_are_soft_deleted_and_cannot_log_in(world):
    member = StaffMember.objects.get(user=world.technician)
    assert Api(world.admin).delete(f"staff/{member.pk}").status_code == 204
    member = StaffMember.objects.get(pk=member.pk)
    assert member.deleted_at is not None
    login = Api().post("auth/token", {"username": world.technician.username, "password": f.PASSWORD})
    assert login.status_code == 403
    assert member.pk not in ids(Api(world.admin).get("staff", page_size=200))


def test_staff_filters_by_role_and_skill(world):
    plumber = f.make_staff(company=world.company, roles=[Role.TECHNICIAN], projects=[world.project])
    services.staff_update(actor=world.admin, staff=plumber, data={"skills": ["水电"]})
    api = Api(world.manager)
    assert ids(api.get("staff", skill="水电")) == {plumber.pk}
    assert StaffMember.objects.get(user=world.technician).pk in ids(api.get("staff", role="technician"))


def test_on_duty_follows_the_rota_across_midnight(world):
    guard = f.make_staff(company=world.company, roles=[Role.SECURITY], projects=[world.project])
    # Monday 20:00 → Tuesday 08:00
    DutyShift.objects.create(
        company=world.company,
        project=world.project,
        staff=guard,
        weekday=0,
        starts_at=datetime.time(20),
        ends_at=datetime.time(8),
    )
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    monday_night = datetime.datetime(2026, 11, 23, 23, 30, tzinfo=shanghai)
    tuesday_dawn = datetime.datetime(2026, 11, 24, 7, 59, tzinfo=shanghai)
    tuesday_morning = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=shanghai)
    assert guard in services.on_duty(project=world.project, at=monday_night)
    assert guard in services.on_duty(project=world.project, at=tuesday_dawn)
    assert guard not in services.on_duty(project=world.project, at=tuesday_morning)


def test_me_describes_roles_and_visible_projects(world):
    body = Api(world.desk).get("me").json()
    assert body["roles"] == ["desk"]
    assert [p["id"] for p in body["projects"]] == [world.project.pk]
    assert body["is_hq"] is False
    hq = Api(world.hq).get("me").json()
    assert {p["id"] for p in hq["projects"]} == set(
        Project.objects.filter(company=world.company).values_list("id", flat=True)
    )
    resident = Api(world.resident_user).get("me").json()
    assert resident["roles"] == ["resident"] and resident["resident_id"] == world.resident.pk
