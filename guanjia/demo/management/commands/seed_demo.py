"""Demo data: one company, a residential estate and an office tower, staff in every role, logins.

``make demo`` runs this and relies on the table of logins it prints last. Running it again does
nothing but print the table again: the company is found by its short code.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guanjia.billing.seeding import seed_demo_billing
from guanjia.committee.seeding import seed_demo_committee
from guanjia.contractors.seeding import seed_demo_contractors
from guanjia.core.context import Source, change_context
from guanjia.core.journal import journal_bulk_create
from guanjia.core.models import Company
from guanjia.core.roles import Role
from guanjia.emergencies.seeding import seed_demo_emergencies
from guanjia.estates.choices import ProjectKind, Relation
from guanjia.estates.models import Building, Occupancy, Project
from guanjia.estates.seeding import NameMaker, PhoneMaker, seed_project_units
from guanjia.evaluation.seeding import seed_demo_staff_evaluation
from guanjia.events.seeding import seed_demo_events
from guanjia.facilities.seeding import seed_demo_facilities
from guanjia.facilities.seeding_areas import seed_demo_areas
from guanjia.feedback.seeding import seed_demo_feedback
from guanjia.gate.seeding import seed_demo_gate
from guanjia.handover.seeding import seed_demo_handover
from guanjia.households.seeding import seed_demo_households
from guanjia.lending.seeding import seed_demo_lending
from guanjia.notices.seeding import seed_demo_notices
from guanjia.notifications.seeding import seed_demo_sms
from guanjia.quality.seeding import seed_demo_quality
from guanjia.renovation.seeding import seed_demo_renovation
from guanjia.residents.seeding import seed_demo_invitations
from guanjia.rotas.seeding import seed_demo_rotas
from guanjia.sla.services import sla_defaults_ensure
from guanjia.staff.choices import DEFAULT_SKILLS, Department, Weekday
from guanjia.staff.models import DutyShift, Skill, StaffMember, StaffRole
from guanjia.stores.seeding import seed_demo_stores
from guanjia.tickets.seeding import seed_demo_tickets

DEMO_PASSWORD = "guanjia-demo"
COMPANY_NAME = "金苑物业服务有限公司"
COMPANY_CODE = "JY"

# username, name, roles, department, position, projects ("JY", "JD"), skills.
# The first member holding a role is that role's demo login in the printed table.
STAFF = [
    ("admin", "沈立群", [Role.COMPANY_ADMIN], Department.MANAGEMENT, "信息化专员", ["JY", "JD"], []),
    ("hq", "韩晓雯", [Role.HQ_CENTER], Department.SERVICE, "24小时服务中心调度员", ["JY", "JD"], []),
    ("quality", "彭思远", [Role.HQ_QUALITY], Department.QUALITY, "品质督导", ["JY", "JD"], []),
    ("manager", "周建国", [Role.PROJECT_MANAGER], Department.MANAGEMENT, "项目经理", ["JY"], []),
    ("head", "马志强", [Role.DEPARTMENT_HEAD], Department.ENGINEERING, "工程主管", ["JY"], ["水电", "电梯"]),
    ("butler", "李佳怡", [Role.BUTLER], Department.SERVICE, "楼栋管家", ["JY"], []),
    ("desk", "王欣悦", [Role.DESK], Department.SERVICE, "客服前台", ["JY"], []),
    ("tech", "张伟", [Role.TECHNICIAN], Department.ENGINEERING, "维修技工", ["JY"], ["水电", "管道疏通", "门窗"]),
    ("security", "刘强", [Role.SECURITY], Department.SECURITY, "中控值班员", ["JY"], ["消防"]),
    ("cleaning", "陈秀英", [Role.CLEANING], Department.ENVIRONMENT, "保洁领班", ["JY"], ["保洁", "绿化"]),
    ("auditor", "范文博", [Role.EXTERNAL_AUDITOR], Department.QUALITY, "第三方核查员（诚信品质顾问）", ["JY"], []),
    # More people, so lists, rotas and butler coverage look like a real estate.
    ("butler2", "赵雨轩", [Role.BUTLER], Department.SERVICE, "楼栋管家", ["JY"], []),
    ("butler3", "孙梓萱", [Role.BUTLER], Department.SERVICE, "楼栋管家", ["JY"], []),
    ("butler4", "吴子涵", [Role.BUTLER], Department.SERVICE, "楼栋管家", ["JY"], []),
    ("tech2", "郭鹏", [Role.TECHNICIAN], Department.ENGINEERING, "电梯维保工", ["JY", "JD"], ["电梯", "消防", "弱电"]),
    ("security2", "黄磊", [Role.SECURITY], Department.SECURITY, "夜班秩序员", ["JY"], []),
    ("jd_manager", "林嘉诚", [Role.PROJECT_MANAGER], Department.MANAGEMENT, "项目经理", ["JD"], []),
    ("jd_desk", "许诗涵", [Role.DESK, Role.BUTLER], Department.SERVICE, "前台主管", ["JD"], []),
    ("jd_tech", "何浩然", [Role.TECHNICIAN], Department.ENGINEERING, "暖通技工", ["JD"], ["空调暖通", "水电", "土建"]),
    ("jd_security", "杨勇", [Role.SECURITY], Department.SECURITY, "中控值班员", ["JD"], ["消防"]),
]  # fmt: skip
RESIDENT_LOGINS = [("resident", Relation.OWNER), ("tenant", Relation.TENANT)]

_T = datetime.time
WEEKDAYS = list(Weekday.values)
WORKDAYS = WEEKDAYS[:5]
# username, project, weekdays, starts, ends. A shift ending before it starts runs past midnight.
ROTA = [
    ("desk", "JY", WEEKDAYS, _T(8), _T(20)),
    ("security", "JY", WEEKDAYS, _T(8), _T(20)),
    ("security2", "JY", WEEKDAYS, _T(20), _T(8)),  # night shift
    ("tech", "JY", WORKDAYS, _T(8, 30), _T(17, 30)),
    ("tech2", "JY", WEEKDAYS[5:], _T(8, 30), _T(17, 30)),
    ("butler", "JY", WORKDAYS, _T(9), _T(18)),
    ("butler2", "JY", WEEKDAYS[2:], _T(9), _T(18)),
    ("cleaning", "JY", WEEKDAYS[:6], _T(7), _T(16)),
    ("manager", "JY", WORKDAYS, _T(9), _T(18)),
    ("jd_desk", "JD", WORKDAYS, _T(8, 30), _T(18)),
    ("jd_tech", "JD", WORKDAYS, _T(8, 30), _T(17, 30)),
    ("jd_security", "JD", WEEKDAYS, _T(19), _T(7)),  # night shift
    ("tech2", "JD", WORKDAYS, _T(13), _T(17)),
]


class Command(BaseCommand):
    help = (
        "创建演示数据：金苑物业（JY）的住宅小区与写字楼、各角色员工及登录账号、值班表。"
        "可重复运行：公司已存在时只打印登录信息。"
    )

    def add_arguments(self, parser):
        # For tests: a smaller estate. The default is the full demo.
        parser.add_argument("--units", type=int, default=2000, help=argparse.SUPPRESS)
        parser.add_argument("--buildings", type=int, default=20, help=argparse.SUPPRESS)
        parser.add_argument("--office-units", type=int, default=224, help=argparse.SUPPRESS)
        parser.add_argument("--tickets", type=int, default=300, help=argparse.SUPPRESS)

    def handle(self, *args, units, buildings, office_units, tickets, **options):
        started = time.perf_counter()
        if company := Company.objects.filter(short_code=COMPANY_CODE).first():
            self.stdout.write(f"演示数据已存在（公司 {COMPANY_CODE}），未重复创建。")
            # Demo data from before service requests existed gains its requests now, once.
            with change_context(source=Source.COMMAND), transaction.atomic():
                sla_defaults_ensure(company=company)
                made = seed_demo_tickets(company, count=tickets, rng=random.Random(2026))
                made_more = seed_demo_modules(company)
            if made:
                self.stdout.write(f"已补充 {made} 条演示报事。")
            if any(made_more.values()):
                self.stdout.write(f"已补充演示数据：{made_more}")
        else:
            taken = sorted(
                get_user_model()
                .objects.filter(username__in=[s[0] for s in STAFF] + [r[0] for r in RESIDENT_LOGINS])
                .values_list("username", flat=True)
            )
            if taken:
                raise CommandError(f"用户名已被占用，无法创建演示账号：{', '.join(taken)}")
            with change_context(source=Source.COMMAND), transaction.atomic():
                counts = seed_demo(units=units, buildings=buildings, office_units=office_units)
                company = Company.objects.get(short_code=COMPANY_CODE)
                sla_defaults_ensure(company=company)
                counts["tickets"] = seed_demo_tickets(company, count=tickets, rng=random.Random(2026))
                seed_demo_modules(company)
            self.stdout.write(
                "已创建演示数据：{projects} 个项目，{buildings} 栋楼，{units} 套房屋，{residents} 位住户，"
                "{staff} 名员工，{shifts} 个值班班次，{tickets} 条报事（{seconds:.1f} 秒）。".format(
                    **counts, seconds=time.perf_counter() - started
                )
            )
        self.print_logins()

    def print_logins(self):
        rows = demo_logins()
        width = max(len(r[0]) for r in rows)
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  {'username'.ljust(width)}  {'password'.ljust(len(DEMO_PASSWORD))}  role")
        for username, role, label in rows:
            self.stdout.write(f"  {username.ljust(width)}  {DEMO_PASSWORD}  {role} ({label})")


def demo_logins() -> list[tuple[str, str, str]]:
    """One login per role: (username, role, role label); the staff's first holder of each role."""
    rows, seen = [], set()
    for username, _name, roles, *_rest in STAFF:
        for role in roles:
            if role not in seen:
                seen.add(role)
                rows.append((username, role.value, str(role.label)))
    rows.sort(key=lambda r: list(Role.values).index(r[1]))
    rows.extend((username, Role.RESIDENT.value, str(Role.RESIDENT.label)) for username, _ in RESIDENT_LOGINS)
    return rows


def seed_demo_modules(company) -> dict[str, int]:
    """The modules' demo data (quality … staff evaluation); each seeder does nothing when run again."""
    counts: dict[str, int] = {}
    for seeder in (
        seed_demo_quality,
        seed_demo_facilities,
        seed_demo_emergencies,
        seed_demo_billing,
        seed_demo_feedback,
        seed_demo_staff_evaluation,
        seed_demo_sms,
        seed_demo_invitations,
        seed_demo_households,
        seed_demo_notices,
        seed_demo_renovation,
        seed_demo_events,
        seed_demo_committee,
        seed_demo_handover,
        seed_demo_areas,
        seed_demo_lending,
        seed_demo_gate,
        seed_demo_contractors,
        seed_demo_rotas,
        seed_demo_stores,
    ):
        counts.update(seeder(company, rng=random.Random(2026)))
    return counts


def seed_demo(*, units: int = 2000, buildings: int = 20, office_units: int = 224) -> dict:
    rng = random.Random(2026)
    names, phones = NameMaker(rng), PhoneMaker(rng)
    company = Company.objects.create(name=COMPANY_NAME, short_code=COMPANY_CODE)
    garden = Project.objects.create(
        company=company,
        name="金苑花园",
        code="JY",
        kind=ProjectKind.RESIDENTIAL,
        city="杭州",
        address="杭州市西湖区文一西路 588 号",
        service_phone="0571-88886000",
    )
    tower = Project.objects.create(
        company=company,
        name="金苑大厦",
        code="JD",
        kind=ProjectKind.OFFICE,
        city="杭州",
        address="杭州市上城区富春路 188 号",
        service_phone="0571-88886100",
    )
    projects = {"JY": garden, "JD": tower}
    homes = seed_project_units(garden, units=units, buildings=buildings, rng=rng, names=names, phones=phones)
    offices = seed_project_units(
        tower,
        units=office_units,
        buildings=1,
        units_per_floor=8,
        building_name=lambda i: "A座",
        occupied_share=0.8,
        office=True,
        rng=rng,
        names=names,
        phones=phones,
    )
    # Bulk inserts send no signals; journal them so their history says "created by command".
    journal_bulk_create([*homes.all_rows(), *offices.all_rows()])

    skills = [Skill(company=company, name=name) for name in DEFAULT_SKILLS]
    Skill.objects.bulk_create(skills)
    journal_bulk_create(skills)
    skill_by_name = {s.name: s for s in skills}

    User = get_user_model()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
    members: dict[str, StaffMember] = {}
    for number, (username, name, roles, department, position, codes, skill_names) in enumerate(STAFF, 1):
        user = User.objects.create(
            username=username,
            password=password_hash,
            company=company,
            display_name=name,
            is_staff=Role.COMPANY_ADMIN in roles,  # administrators may use the scoped Django admin
        )
        member = StaffMember.objects.create(
            company=company,
            user=user,
            name=name,
            phone=phones.mobile(),
            employee_no=f"JY{number:04d}",
            department=department,
            position=position,
        )
        for role in roles:
            StaffRole.objects.create(company=company, staff=member, role=role)
        member.projects.set([projects[c] for c in codes])
        member.skills.set([skill_by_name[s] for s in skill_names])
        members[username] = member

    # Butlers share the estate's buildings between them, in order.
    garden_butlers = [m for u, m in members.items() if u.startswith("butler")]
    for index, building in enumerate(homes.buildings):
        garden_butlers[index * len(garden_butlers) // len(homes.buildings)].butler_buildings.add(building)
    members["jd_desk"].butler_buildings.set(offices.buildings)

    shifts = [
        DutyShift(
            company=company,
            project=projects[code],
            staff=members[username],
            weekday=day,
            starts_at=starts,
            ends_at=ends,
        )
        for username, code, days, starts, ends in ROTA
        for day in days
    ]
    DutyShift.objects.bulk_create(shifts)
    journal_bulk_create(shifts)

    for (username, relation), project in zip(RESIDENT_LOGINS, [garden, garden], strict=True):
        occupancy = (
            Occupancy.objects.filter(project=project, relation=relation, resident__user__isnull=True)
            .select_related("resident")
            .order_by("id")
            .first()
        )
        if occupancy is None:  # a tiny test estate may have no tenant
            continue
        resident = occupancy.resident
        resident.user = User.objects.create(
            username=username, password=password_hash, company=company, display_name=resident.name
        )
        resident.save()

    return {
        "projects": 2,
        "buildings": Building.objects.filter(company=company).count(),
        "units": len(homes.units) + len(offices.units),
        "residents": len(homes.residents) + len(offices.residents),
        "staff": len(members),
        "shifts": len(shifts),
    }
