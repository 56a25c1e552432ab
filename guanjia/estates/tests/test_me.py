"""``/api/v1/me`` reports exactly the projects whose data the user can read.

A client builds its project picker from ``me``; when it says "no projects" while the user can read a
project's audits, the third-party auditor's app shows nothing to audit.
"""

from guanjia.core.roles import Role
from guanjia.quality import services as quality
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.testing.api import Api


def _projects(user) -> set[int]:
    response = Api(user).get("me")
    assert response.status_code == 200
    return {p["id"] for p in response.json()["projects"]}


def test_an_external_auditor_is_told_the_projects_whose_audits_it_reads(world):
    auditor = f.make_staff(
        company=world.company,
        roles=[Role.EXTERNAL_AUDITOR],
        projects=[world.project],
        department=Department.QUALITY,
        name="第三方核查员",
    ).user
    template = quality.template_install_default(company=world.company)
    for project in (world.project, world.sibling_project):
        quality.audit_create(actor=world.admin, data={"project_id": project.pk, "template_id": template.pk})

    audits = Api(auditor).get("audits").json()["items"]
    readable = {a["project_id"] for a in audits}
    assert readable == {world.project.pk}
    assert _projects(auditor) == readable
    me = Api(auditor).get("me").json()
    assert me["projects"] == [
        {"id": world.project.pk, "name": world.project.name, "code": world.project.code}
    ]
    assert me["is_hq"] is False


def test_everyone_else_is_told_the_projects_they_see(world):
    assert _projects(world.admin) == {world.project.pk, world.sibling_project.pk}
    assert _projects(world.desk) == {world.project.pk}
    assert _projects(world.sibling_desk) == {world.sibling_project.pk}
    assert _projects(world.resident_user) == {world.project.pk}
    assert _projects(world.foreign_admin) == {world.foreign_project.pk}
