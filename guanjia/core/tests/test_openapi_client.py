"""A client generated from the published OpenAPI works against a running server.

What an integrator does on day one: download ``/api/v1/openapi.json``, run a standard generator
(openapi-python-client, pinned as a test dependency; it runs offline) and call the API through the
typed client. A request, an audit plan and a maintenance plan are created and read back, so every
body and every answer must be described by the schema exactly as the server speaks it.
"""

import datetime
import importlib
import subprocess
import sys
import urllib.request

import pytest

from guanjia.core.roles import Role
from guanjia.facilities import services as facilities
from guanjia.quality import services as quality
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.testing.world import build_world
from guanjia.tickets import services as tickets

PACKAGE = "guanjia_client"


@pytest.fixture
def generated_client(live_server, tmp_path):
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json") as response:
        (tmp_path / "openapi.json").write_bytes(response.read())
    # No post hooks: the generated code is used as written, with nothing fetched or formatted.
    (tmp_path / "config.yaml").write_text(
        f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"
    )
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # The generator reports what it could not understand as warnings and still exits 0.
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_creates_and_reads_back(generated_client, live_server):
    world = build_world()
    tickets.company_defaults_ensure(company=world.company)
    template = quality.template_install_default(company=world.company)
    inspector = f.make_staff(
        company=world.company, roles=[Role.HQ_QUALITY], department=Department.QUALITY, name="品质专员"
    )
    fire = facilities.types_ensure(company=world.company)["消防"]
    pump = facilities.equipment_create(
        actor=world.manager,
        data={"project_id": world.project.pk, "type_id": fire.pk, "name": "1栋消防泵房"},
    )
    models = _module("models")

    def login(user):
        anonymous = generated_client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
        token = _module("api.auth.auth_token").sync(
            client=anonymous, body=models.TokenIn(username=user.username, password=f.PASSWORD)
        )
        assert isinstance(token, models.TokenOut), token
        return generated_client.AuthenticatedClient(
            base_url=live_server.url, token=token.token, raise_on_unexpected_status=True
        )

    # The desk records a resident's repair call and reads it back.
    desk = login(world.desk)
    created = _module("api.tickets.ticket_create").sync(
        client=desk,
        body=models.TicketIn(
            kind=models.Kind.HOME_REPAIR, unit_id=world.unit.pk, description="卫生间地漏反水"
        ),
    )
    assert isinstance(created, models.TicketDetailOut), created
    read = _module("api.tickets.ticket_get").sync(client=desk, pk=created.id)
    assert (read.number, read.unit_id, read.description) == (created.number, world.unit.pk, "卫生间地漏反水")
    assert read.photos == []

    # HQ quality plans monthly open audits of P1 against the default checklist.
    hq = login(inspector.user)
    plan = _module("api.quality.audit_plan_create").sync(
        client=hq,
        body=models.AuditPlanIn(
            project_id=world.project.pk,
            template_id=template.pk,
            auditor_id=inspector.pk,
            frequencies=[models.AuditFrequency.MONTHLY],
        ),
    )
    assert isinstance(plan, models.AuditPlanOut), plan
    listed = _module("api.quality.audit_plan_list").sync(client=hq, project_id=world.project.pk)
    assert isinstance(listed, models.PagedAuditPlanOut), listed
    [again] = listed.items
    assert (again.id, again.template_name, again.auditor_name) == (plan.id, template.name, "品质专员")
    assert again.frequencies == [models.AuditFrequency.MONTHLY]

    # The project manager plans the pump room's weekly check.
    manager = login(world.manager)
    maintenance = _module("api.facilities.maintenance_plan_create").sync(
        client=manager,
        body=models.MaintenancePlanIn(
            project_id=world.project.pk,
            name="泵房周检",
            equipment_id=pump.pk,
            frequency=models.Frequency.WEEKLY,
            starts_on=datetime.date(2026, 1, 5),
            checklist=[models.ChecklistLine(text="无渗漏", expected="无")],
        ),
    )
    assert isinstance(maintenance, models.MaintenancePlanOut), maintenance
    back = _module("api.facilities.maintenance_plan_get").sync(client=manager, pk=maintenance.id)
    assert (back.name, back.equipment_id, back.frequency) == ("泵房周检", pump.pk, models.Frequency.WEEKLY)
    assert [line.text for line in back.checklist] == ["无渗漏"]
