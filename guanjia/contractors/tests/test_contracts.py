"""Contracts with outside firms: the register and contracts through the API and the pages, scoped
(another company's firms and contracts are 404, another estate's contracts too), bad input named,
expiry reminders once however often the job runs, the ladder when the owner has not decided,
renewal, the equipment ledger's maintainer, and outsourced doers checked by their supervisor."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.contractors import services
from guanjia.contractors.choices import ContractStatus
from guanjia.contractors.models import Contract, ContractEscalation, Contractor, ContractReminder
from guanjia.contractors.tests.conftest import contract_data, days
from guanjia.core.roles import Role
from guanjia.facilities import services as facilities
from guanjia.facilities.choices import Frequency
from guanjia.facilities.models import Equipment, EquipmentType
from guanjia.notifications.models import Notification
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ids

pytestmark = pytest.mark.django_db


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_register_and_contracts_are_scoped(cw):
    admin, foreign = Api(cw.admin), Api(cw.foreign_admin)
    made = admin.post(
        "contractors", {"name": "洁美保洁", "category": "cleaning", "credit_code": "91330100MA2AAAAA1X"}
    )
    assert made.status_code == 201, made.content
    assert {cw.firm.pk, made.json()["id"]} == ids(admin.get("contractors"))
    # Another company: the same answer as a missing id, lists without them, nothing changed.
    assert ids(foreign.get("contractors")) == set() and ids(foreign.get("contracts")) == set()
    assert foreign.get(f"contractors/{cw.firm.pk}").status_code == 404
    assert foreign.get(f"contracts/{cw.contract.pk}").status_code == 404
    assert foreign.get(f"contracts/{cw.contract.pk}/performance").status_code == 404
    assert foreign.post(f"contracts/{cw.contract.pk}/activate").status_code == 404
    assert foreign.patch(f"contractors/{cw.firm.pk}", {"name": "改名"}).status_code == 404
    assert web(cw.foreign_admin).get(f"/contracts/{cw.contract.pk}/").status_code == 404
    # A head of the sibling estate sees contracts of that estate only; the desk has no permission.
    sibling_head = f.make_staff(
        company=cw.company, roles=[Role.DEPARTMENT_HEAD], projects=[cw.sibling_project], name="大厦主管"
    ).user
    assert ids(Api(sibling_head).get("contracts")) == set()
    assert Api(sibling_head).get(f"contracts/{cw.contract.pk}").status_code == 404
    assert ids(Api(cw.head).get("contracts")) == {cw.contract.pk}
    assert Api(cw.desk).get("contracts").status_code == 403
    assert Contract.objects.get(pk=cw.contract.pk).status == ContractStatus.DRAFT
    # The register's .xlsx export, with the page's filter.
    response = web(cw.admin).get("/data/export/contractors.xlsx", {"category": "cleaning"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = admin.get(f"contracts/{cw.contract.pk}").json()
    assert body["equipment_ids"] == [cw.lift.pk] and len(body["service_levels"]) == 2


def test_bad_input_is_named_and_nothing_is_saved(cw):
    api = Api(cw.admin)
    before = Contract.objects.count()
    late = api.post(
        "contracts", {**contract_data(cw, number="WB-002"), "ends_on": days(-301), "starts_on": days(-300)}
    )
    assert late.status_code == 422 and "ends_on" in late.json()["errors"], late.content
    sibling_type = EquipmentType.objects.create(company=cw.company, name="水泵")
    elsewhere = Equipment.objects.create(
        company=cw.company,
        project=cw.sibling_project,
        type=sibling_type,
        code="SB-1",
        name="水泵",
        qr_token="x1",
    )
    outside = api.post("contracts", contract_data(cw, number="WB-003", equipment_ids=[elsewhere.pk]))
    assert outside.status_code == 422 and "equipment_ids" in outside.json()["errors"]
    taken = api.post("contracts", contract_data(cw))  # WB-001 again
    assert taken.status_code == 422 and "number" in taken.json()["errors"]
    bad_level = api.post(
        "contracts",
        contract_data(
            cw, number="WB-004", service_levels=[{"kind": "on_site", "target": 30, "unit": "weeks"}]
        ),
    )
    assert bad_level.status_code == 422
    assert Contract.objects.count() == before
    # The web form: a form error on the end date, status 422, nothing saved.
    page = web(cw.admin).post(
        "/contracts/new/",
        {
            "contractor": cw.firm.pk,
            "number": "WB-005",
            "title": "电梯维保",
            "owner": cw.head_member.pk,
            "starts_on": days(10).isoformat(),
            "ends_on": days(1).isoformat(),
            "amount": "100",
            "projects": [cw.project.pk],
            "sl-TOTAL_FORMS": "2",
            "sl-INITIAL_FORMS": "0",
        },
    )
    assert page.status_code == 422
    assert "结束日期不能早于开始日期" in page.content.decode()
    assert 'data-field="ends_on"' in page.content.decode()
    assert Contract.objects.count() == before
    # A firm with a contract in force cannot be deactivated (409); without one it can.
    services.contract_activate(actor=cw.admin, contract=cw.contract)
    assert api.post(f"contractors/{cw.firm.pk}/deactivate").status_code == 409
    assert Contractor.objects.get(pk=cw.firm.pk).is_active


def test_reminders_once_then_the_ladder_then_renewal(cw):
    manager_member = StaffMember.objects.get(user=cw.manager)
    assert manager_member.projects.filter(pk=cw.project.pk).exists()
    services.contract_activate(actor=cw.admin, contract=cw.contract)  # ends in 65 days
    now = timezone.now()
    step = datetime.timedelta(days=1)
    assert services.remind_expiring(now=now) == 0
    # 60 days left: the 60-day reminder, once however often the job runs.
    assert services.remind_expiring(now=now + 5 * step) == 1
    assert services.remind_expiring(now=now + 5 * step) == 0
    assert services.remind_expiring(now=now + 6 * step) == 0
    owner_told = Notification.objects.filter(recipient=cw.head, kind="contractors.expiring")
    assert owner_told.filter(channel="in_app").count() == 1
    # 30 days left, still undecided: the 30-day reminder, and the project manager is told.
    later = now + 35 * step
    assert services.remind_expiring(now=later) == 1
    assert services.escalate_undecided(now=later) == 1
    assert services.escalate_undecided(now=later) == 0
    assert (
        Notification.objects.filter(
            recipient=cw.manager, kind="contractors.undecided", channel="in_app"
        ).count()
        == 1
    )
    # 7 days left: the administrators.
    assert services.escalate_undecided(now=now + 58 * step) == 1
    assert (
        Notification.objects.filter(
            recipient=cw.admin, kind="contractors.undecided", channel="in_app"
        ).count()
        == 1
    )
    assert list(
        ContractReminder.objects.filter(contract=cw.contract).values_list("days_before", flat=True)
    ) == [60, 30]
    assert ContractEscalation.objects.filter(contract=cw.contract).count() == 2
    kinds = list(cw.contract.events.values_list("kind", flat=True))
    assert kinds == ["created", "activated", "reminded", "reminded", "escalated", "escalated"]
    page = web(cw.head).get(f"/contracts/{cw.contract.pk}/").content.decode()
    assert "到期未决升级" in page and "通知项目经理" in page
    # The owner decides to renew: a successor draft for the next year, linked; reminders stop.
    assert Api(cw.desk).post(f"contracts/{cw.contract.pk}/decide", {"decision": "renew"}).status_code == 403
    decided = Api(cw.head).post(f"contracts/{cw.contract.pk}/decide", {"decision": "renew"})
    assert decided.status_code == 200, decided.content
    successor = Contract.objects.get(renewed_from=cw.contract)
    assert successor.status == ContractStatus.DRAFT and successor.starts_on == cw.contract.ends_on + step
    assert list(successor.equipment.all()) == [cw.lift] and successor.service_levels.count() == 2
    assert decided.json()["successor_id"] == successor.pk
    assert services.remind_expiring(now=now + 60 * step) == 0
    assert Api(cw.admin).post(f"contracts/{cw.contract.pk}/renew", {}).status_code == 409


def test_the_ledger_names_the_maintainer_from_the_active_contract(cw):
    client = web(cw.admin)
    assert "旧维保单位" in client.get(f"/facilities/equipment/{cw.lift.pk}/").content.decode()
    services.contract_activate(actor=cw.admin, contract=cw.contract)
    detail = client.get(f"/facilities/equipment/{cw.lift.pk}/").content.decode()
    assert "日立电梯维保站" in detail and "WB-001" in detail
    assert "日立电梯维保站" in client.get("/facilities/equipment/").content.decode()
    form = client.get(f"/facilities/equipment/{cw.lift.pk}/edit/").content.decode()
    assert 'name="contractor"' not in form and "日立电梯维保站" in form
    services.contract_terminate(actor=cw.admin, contract=cw.contract, reason="服务不达标")
    assert "日立电梯维保站" not in client.get(f"/facilities/equipment/{cw.lift.pk}/").content.decode()
    assert Equipment.objects.get(pk=cw.lift.pk).contractor == "旧维保单位"


def test_outsourced_doer_is_checked_by_the_company_supervisor(cw):
    cleaner = f.make_staff(
        company=cw.company,
        roles=[Role.CLEANING],
        projects=[cw.project],
        department=Department.ENVIRONMENT,
        name="保洁员",
    )
    linked = Api(cw.admin).post(
        "outsourced-workers",
        {"staff_member_id": cleaner.pk, "contractor_id": cw.firm.pk, "supervisor_id": cw.head_member.pk},
    )
    assert linked.status_code == 201, linked.content
    self_check = Api(cw.admin).post(
        "outsourced-workers",
        {"staff_member_id": cleaner.pk, "contractor_id": cw.firm.pk, "supervisor_id": cleaner.pk},
    )
    assert self_check.status_code == 422 and "supervisor_id" in self_check.json()["errors"]
    plan = facilities.plan_create(
        actor=cw.manager,
        data={
            "project_id": cw.project.pk,
            "name": "电梯月度保养",
            "equipment_id": cw.lift.pk,
            "frequency": Frequency.MONTHLY,
            "starts_on": timezone.localdate(),
            "assignee_id": cleaner.pk,
            "contractor": "",
            "checklist": [{"text": "曳引机无异响", "expected": "正常"}],
        },
    )
    assert plan.checker_id == cw.head_member.pk and plan.contractor == "日立电梯维保站"
    assert all(t.checker_id == cw.head_member.pk for t in plan.tasks.all())
    page = web(cw.admin).get(f"/staff/{cleaner.pk}/").content.decode()
    assert 'data-testid="staff-outsourced"' in page and "日立电梯维保站" in page


def test_hq_sets_the_company_s_reminder_days_and_the_job_follows_them(cw):
    assert Api(cw.manager).get("contract-settings").json() == {"reminder_days": [60, 30, 7]}
    # A project manager manages contracts but not the company's settings.
    refused = Api(cw.manager).put("contract-settings", {"reminder_days": [45]})
    assert refused.status_code == 403
    for bad in ([], [0], [400], [1, 2, 3, 4, 5, 6]):
        answer = Api(cw.admin).put("contract-settings", {"reminder_days": bad})
        assert answer.status_code == 422, (bad, answer.content)
        assert "reminder_days" in answer.json()["errors"] or "reminder_days" in answer.json()["detail"]
    saved = Api(cw.admin).put("contract-settings", {"reminder_days": [14, 45, 45]})
    assert saved.status_code == 200 and saved.json() == {"reminder_days": [45, 14]}
    assert Api(cw.foreign_admin).get("contract-settings").json() == {"reminder_days": [60, 30, 7]}
    # The job reminds at 45 days left (the contract ends in 65), not at 60.
    services.contract_activate(actor=cw.admin, contract=cw.contract)
    now = timezone.now()
    assert services.remind_expiring(now=now + datetime.timedelta(days=5)) == 0
    assert services.remind_expiring(now=now + datetime.timedelta(days=20)) == 1
    assert list(ContractReminder.objects.values_list("days_before", flat=True)) == [45]
    # The page shows them; HQ changes them there, a bad value comes back as a message.
    client = web(cw.admin)
    assert "45/14" in client.get("/contracts/").content.decode()
    client.post("/contracts/reminder-days/", {"reminder_days": "30，7"})
    assert services.reminder_days(cw.company.pk) == [30, 7]
    page = client.post("/contracts/reminder-days/", {"reminder_days": "abc"}, follow=True).content.decode()
    assert "请填写整数天数" in page
    assert services.reminder_days(cw.company.pk) == [30, 7]
    assert "reminder_days" not in web(cw.manager).get("/contracts/").content.decode()


def test_the_contract_page_buttons_act_through_the_services(cw):
    client = web(cw.admin)
    page = f"/contracts/{cw.contract.pk}/"
    assert client.post(f"{page}activate/").url == page
    cw.contract.refresh_from_db()
    assert cw.contract.status == ContractStatus.ACTIVE
    said = client.post(f"{page}decide/", {}, follow=True).content.decode()
    assert "请选择续签或到期终止" in said  # the form is incomplete: nothing decided
    assert client.post(f"{page}nonsense/", follow=True).status_code == 200
    cw.contract.refresh_from_db()
    assert cw.contract.decision == ""
    renewed = client.post(f"{page}decide/", {"decision": "renew", "note": "续签一年"})
    successor = Contract.objects.get(renewed_from=cw.contract)
    assert renewed.url == f"/contracts/{successor.pk}/"  # the successor's page opens
    assert web(cw.desk).post(f"{page}terminate/", {"reason": "x"}).status_code == 403
