"""A fresh installation's way in: manage.py create_company."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from guanjia.core.models import Company, ObjectChange
from guanjia.emergencies.models import EmergencyPlan
from guanjia.estates.models import Project
from guanjia.quality.models import ChecklistTemplate
from guanjia.sla.models import SlaPolicy
from guanjia.staff.models import Skill, StaffMember
from guanjia.testing.api import Api
from guanjia.tickets.models import TicketCategory

pytestmark = pytest.mark.django_db

GOOD = [
    "--name=绿城服务",
    "--code=LC",
    "--admin=lc_admin",
    "--admin-name=周敏",
    "--admin-phone=13900001111",
    "--project=LC1:桂花园:residential:杭州",
    "--project=LC2:中心大厦:office",
]


def _run(*args, env_password=None, monkeypatch=None):
    out = io.StringIO()
    call_command("create_company", *args, stdout=out)
    return out.getvalue()


def test_a_new_company_admin_logs_in_and_sees_its_projects_with_every_default(monkeypatch):
    monkeypatch.setenv("GUANJIA_ADMIN_PASSWORD", "Lc-admin-2026!")
    output = _run(*GOOD)
    company = Company.objects.get(short_code="LC")
    assert "LC1 桂花园" in output and "初始密码" not in output  # the given password is not echoed

    # The administrator signs in on the web and through the API, and sees exactly the new projects.
    web = Client()
    assert web.post("/login/", {"username": "lc_admin", "password": "Lc-admin-2026!"}).status_code == 302
    admin = StaffMember.objects.get(user__username="lc_admin")
    me = Api(admin.user).get("me").json()
    assert me["company_id"] == company.pk
    assert {p["name"] for p in me["projects"]} == {"桂花园", "中心大厦"}
    assert "company_admin" in me["roles"]
    assert Project.objects.get(code="LC2").kind == "office"

    # Every app's defaults: categories, calendar and deadline policies, checklist, plans, skills.
    assert TicketCategory.objects.filter(company=company, parent=None).exists()
    assert SlaPolicy.objects.filter(company=company).exists()
    assert ChecklistTemplate.objects.filter(company=company).exists()
    assert EmergencyPlan.objects.filter(company=company).exists()
    assert Skill.objects.filter(company=company, name="电梯").exists()
    # Journaled as done by a command.
    assert ObjectChange.objects.filter(
        content_type__model="company", object_id=company.pk, source="command"
    ).exists()


def test_without_a_password_one_is_generated_shown_once_and_works(monkeypatch):
    monkeypatch.delenv("GUANJIA_ADMIN_PASSWORD", raising=False)
    output = _run(*GOOD)
    line = next(line for line in output.splitlines() if line.startswith("初始密码"))
    password = line.split("：", 1)[1].strip()
    assert len(password) >= 12
    assert Client().post("/login/", {"username": "lc_admin", "password": password}).status_code == 302


def test_bad_values_are_named_and_nothing_is_created(monkeypatch):
    monkeypatch.setenv("GUANJIA_ADMIN_PASSWORD", "Lc-admin-2026!")
    _run(*GOOD)
    before = (Company.objects.count(), Project.objects.count(), StaffMember.objects.count())
    with pytest.raises(CommandError) as refused:
        _run(
            "--name=绿城服务",  # taken
            "--code=lc",  # lower case
            "--admin=lc_admin",  # taken
            "--admin-name=王",
            "--admin-phone=12345",
            "--project=X1:一期:castle",
        )
    message = str(refused.value)
    for option in ("--name", "--code", "--admin:", "--admin-phone", "--project[1]"):
        assert option in message, (option, message)
    assert "没有创建任何内容" in message
    assert (Company.objects.count(), Project.objects.count(), StaffMember.objects.count()) == before


def test_a_weak_password_is_refused(monkeypatch):
    monkeypatch.setenv("GUANJIA_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="--password"):
        _run(*GOOD)
    assert not Company.objects.filter(short_code="LC").exists()


def test_the_starters_are_idempotent_for_an_existing_company(monkeypatch):
    from guanjia.core.bootstrap import run_company_starters

    monkeypatch.setenv("GUANJIA_ADMIN_PASSWORD", "Lc-admin-2026!")
    _run(*GOOD)
    company = Company.objects.get(short_code="LC")
    counts = (TicketCategory.objects.count(), SlaPolicy.objects.count(), EmergencyPlan.objects.count())
    run_company_starters(company)
    assert (
        TicketCategory.objects.count(),
        SlaPolicy.objects.count(),
        EmergencyPlan.objects.count(),
    ) == counts
