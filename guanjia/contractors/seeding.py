"""Demo data of the contractors app: the lift, fire and cleaning firms of 金苑, their contracts (the
lift contract covering the estate's lifts and ending in 20 days, undecided: reminded 60 and 30 days
ahead and now escalated to the project manager — its timeline shows it), and two outsourced people
(the lift engineer and the cleaning lead) with their company supervisors. Made through the services
with the clock moved back; nothing is notified while seeding. Idempotent: a company that already has
contracts is left alone; firms already in the register (the stores' suppliers) are reused by name."""

from __future__ import annotations

import datetime
import random
from contextlib import ExitStack
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from guanjia.contractors import services
from guanjia.contractors.choices import ContractorCategory, ServiceLevelKind, ServiceLevelUnit
from guanjia.contractors.models import Contract, Contractor
from guanjia.contractors.services import common, reminders
from guanjia.core.context import Source, change_context
from guanjia.estates.models import Project
from guanjia.facilities.models import Equipment

FIRMS = [
    ("日立电梯维保站", ContractorCategory.LIFT, "赵工", "0571-86001234"),
    ("杭州安消消防工程有限公司", ContractorCategory.FIRE, "钱经理", "0571-86005678"),
    ("洁美保洁服务有限公司", ContractorCategory.CLEANING, "孙主管", "0571-86009012"),
]


def _firm(actor, name: str, category: str, contact: str, phone: str) -> Contractor:
    found = Contractor.objects.filter(company_id=actor.company_id, name=name, deleted_at__isnull=True).first()
    if found is not None:
        return found
    return services.contractor_create(
        actor=actor,
        data={
            "name": name,
            "category": category,
            "provides_services": True,
            "contact_name": contact,
            "phone": phone,
            "address": "杭州市",
        },
    )


def seed_demo_contractors(company, *, rng: random.Random) -> dict[str, int]:
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(company=company, username__in=["admin", "manager", "head", "tech2", "cleaning"])
        .select_related("staff_member")
    }
    project = Project.objects.filter(company=company, code="JY").first()
    if len(users) < 5 or project is None or Contract.objects.filter(company=company).exists():
        return {"contractors": 0, "contracts": 0}
    now = timezone.now()
    clock = {"now": now}
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(common, "_now", lambda: clock["now"]))
        stack.enter_context(mock.patch.object(reminders, "notify", lambda **kw: []))
        with change_context(source=Source.COMMAND):
            counts = _seed(project, users, now, clock)
    return counts


def _seed(project, users, now, clock) -> dict[str, int]:
    admin, manager, head = users["admin"], users["manager"], users["head"]
    firms = {name: _firm(admin, name, category, contact, phone) for name, category, contact, phone in FIRMS}
    today = timezone.localdate(now)
    day = datetime.timedelta(days=1)
    lifts = list(
        Equipment.objects.filter(
            project=project, type__parent__name="电梯", deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    # The lift contract: signed 345 days ago for a year, ending in 20 days, nobody has decided.
    clock["now"] = now - 345 * day
    lift = services.contract_create(
        actor=admin,
        data={
            "contractor_id": firms["日立电梯维保站"].pk,
            "number": f"WB-{today.year - 1}-001",
            "title": "金苑花园电梯维保合同",
            "scope": "全部客梯、货梯的半月保养、季度/年度保养、故障维修与困人救援（不含大修更换主要部件）",
            "project_ids": [project.pk],
            "equipment_ids": lifts,
            "starts_on": today - 345 * day,
            "ends_on": today + 20 * day,
            "amount": "186000.00",
            "payment_terms": "按季度支付，每季度末经工程主管验收合格后 15 日内付款",
            "owner_id": head.staff_member.pk,
            "service_levels": [
                {
                    "kind": ServiceLevelKind.ON_SITE,
                    "target": 30,
                    "unit": ServiceLevelUnit.MINUTES,
                    "description": "困人救援接报后到场",
                },
                {
                    "kind": ServiceLevelKind.REPAIR,
                    "target": 24,
                    "unit": ServiceLevelUnit.HOURS,
                    "description": "一般故障修复",
                },
                {
                    "kind": ServiceLevelKind.MAINTENANCE_BY_DAY,
                    "target": 25,
                    "unit": ServiceLevelUnit.DAY_OF_MONTH,
                    "description": "当月保养完成",
                },
            ],
        },
    )
    services.contract_activate(actor=admin, contract=lift)
    services.worker_link(
        actor=admin,
        data={
            "staff_member_id": users["tech2"].staff_member.pk,
            "contractor_id": firms["日立电梯维保站"].pk,
            "supervisor_id": head.staff_member.pk,
            "note": "驻场电梯维保工",
        },
    )
    # The reminders and the ladder as the hourly job sent them: 60 and 30 days ahead, then today.
    for ago in (40, 10, 0):
        clock["now"] = now - ago * day
        with change_context(source=Source.JOB):
            services.remind_expiring(now=clock["now"])
            services.escalate_undecided(now=clock["now"])
    clock["now"] = now - 200 * day
    fire = services.contract_create(
        actor=admin,
        data={
            "contractor_id": firms["杭州安消消防工程有限公司"].pk,
            "number": f"WB-{today.year}-002",
            "title": "金苑花园消防设施维保合同",
            "scope": "火灾自动报警、喷淋、消火栓、防排烟系统的月度检查、季度测试与年度检测",
            "project_ids": [project.pk],
            "starts_on": today - 200 * day,
            "ends_on": today + 165 * day,
            "amount": "96000.00",
            "payment_terms": "半年支付一次",
            "owner_id": head.staff_member.pk,
            "service_levels": [
                {
                    "kind": ServiceLevelKind.ON_SITE,
                    "target": 2,
                    "unit": ServiceLevelUnit.HOURS,
                    "description": "报警故障到场",
                },
                {
                    "kind": ServiceLevelKind.MAINTENANCE_BY_DAY,
                    "target": 20,
                    "unit": ServiceLevelUnit.DAY_OF_MONTH,
                },
            ],
        },
    )
    services.contract_activate(actor=admin, contract=fire)
    clock["now"] = now - 100 * day
    cleaning = services.contract_create(
        actor=admin,
        data={
            "contractor_id": firms["洁美保洁服务有限公司"].pk,
            "number": f"BJ-{today.year}-001",
            "title": "金苑花园公共区域保洁外包合同",
            "scope": "大堂、电梯厅、楼道、地下车库及室外道路的日常保洁",
            "project_ids": [project.pk],
            "starts_on": today - 100 * day,
            "ends_on": today + 265 * day,
            "amount": "420000.00",
            "payment_terms": "按月支付，依据当月品质核查得分结算",
            "owner_id": manager.staff_member.pk,
            "service_levels": [
                {
                    "kind": ServiceLevelKind.FREQUENCY,
                    "target": 30,
                    "unit": ServiceLevelUnit.TIMES_PER_MONTH,
                    "description": "大堂每日保洁",
                },
                {
                    "kind": ServiceLevelKind.PASS_RATE,
                    "target": 95,
                    "unit": ServiceLevelUnit.PERCENT,
                    "description": "保洁检查合格率",
                },
            ],
        },
    )
    services.contract_activate(actor=admin, contract=cleaning)
    services.worker_link(
        actor=admin,
        data={
            "staff_member_id": users["cleaning"].staff_member.pk,
            "contractor_id": firms["洁美保洁服务有限公司"].pk,
            "supervisor_id": manager.staff_member.pk,
            "note": "保洁领班",
        },
    )
    clock["now"] = now
    return {"contractors": len(firms), "contracts": 3}
