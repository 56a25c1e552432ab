"""Scale data: one company with many projects full of units and residents, to measure with.

Measured on SQLite: ``manage.py seed_scale --projects 200 --units-per-project 1000`` (see
docs/deploy.md for the numbers). Rows go in with ``bulk_create`` and are not journaled.
"""

from __future__ import annotations

import math
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guanjia.core.context import Source, change_context
from guanjia.core.models import Company
from guanjia.core.roles import Role
from guanjia.dispatch.models import DispatchRule
from guanjia.estates.choices import ProjectKind
from guanjia.estates.models import Project, Resident
from guanjia.estates.seeding import NameMaker, PhoneMaker, seed_project_units
from guanjia.sla.services import sla_defaults_ensure
from guanjia.staff.choices import Department
from guanjia.staff.models import Skill, StaffMember, StaffRole
from guanjia.tickets.models import TicketCategory
from guanjia.tickets.services import company_defaults_ensure

# Each project's engineering team, and a dispatch rule per top-level category sending its repairs
# to them: a request created against this data is auto-dispatched, as in a company that set rules.
TECHNICIANS_PER_PROJECT = 2

CITIES = ["上海", "北京", "杭州", "南京", "苏州", "成都", "武汉", "深圳", "广州", "西安", "长沙", "重庆"]
ESTATE_WORDS = [
    "锦绣",
    "翠湖",
    "阳光",
    "滨江",
    "金桂",
    "紫荆",
    "御景",
    "星河",
    "和园",
    "春晓",
    "碧水",
    "云栖",
]


class Command(BaseCommand):
    help = (
        "生成规模测试数据：一家公司下 N 个项目 × M 套房屋及住户（批量写入，速度优先）。"
        "这些数据不写变更记录（journal），仅用于测量性能，勿在生产库运行。"
        "同时创建两个员工账号：<简码>-hq（总部24小时服务中心）与 <简码>-desk（第一个项目的客服前台），"
        "以及每个项目的工程部维修工和派工规则（新报修按规则自动派工）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=10, help="项目数（默认 10）")
        parser.add_argument(
            "--units-per-project", type=int, default=1000, help="每个项目的房屋数（默认 1000）"
        )
        parser.add_argument("--company", default="", help="公司名称；已存在则在其下追加项目，默认新建一家")
        parser.add_argument("--code", default="", help="新建公司的简码（默认 S1、S2 …）")
        parser.add_argument("--password", default="", help="两个员工账号的密码；不给则不能用密码登录")
        parser.add_argument("--seed", type=int, default=1, help="随机种子，相同参数生成相同数据")

    def handle(self, *args, projects, units_per_project, company, code, password, seed, **options):
        if projects < 1 or units_per_project < 1:
            raise CommandError("--projects 与 --units-per-project 必须大于 0")
        started = time.perf_counter()
        with change_context(source=Source.COMMAND):
            result = seed_scale(
                projects=projects,
                units_per_project=units_per_project,
                company_name=company,
                code=code,
                password=password,
                seed=seed,
                progress=lambda msg: self.stdout.write(msg) if options["verbosity"] > 1 else None,
            )
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"公司 {result['company'].name}（{result['company'].short_code}）：新增 {projects} 个项目，"
            f"{result['units']} 套房屋，{result['residents']} 位住户，{result['occupancies']} 条入住关系，"
            f"{result['technicians']} 位维修工，{result['dispatch_rules']} 条派工规则，"
            f"用时 {seconds:.1f} 秒。账号：{', '.join(result['usernames']) or '（已存在）'}"
        )


def _new_company(code: str, name: str) -> Company:
    if not code:
        number = Company.objects.filter(short_code__startswith="S").count() + 1
        while Company.objects.filter(short_code=f"S{number}").exists():
            number += 1
        code = f"S{number}"
    if Company.objects.filter(short_code=code).exists():
        raise CommandError(f"简码 {code} 已被其他公司使用")
    return Company.objects.create(name=name or f"规模测试物业{code}", short_code=code)


def seed_scale(
    *,
    projects: int,
    units_per_project: int,
    company_name: str = "",
    code: str = "",
    password: str = "",
    seed: int = 1,
    progress=None,
) -> dict:
    """Insert ``projects`` × ``units_per_project`` units with residents; one transaction per project."""
    rng = random.Random(seed)
    with transaction.atomic():
        company = Company.objects.filter(name=company_name).first() if company_name else None
        if company is None:
            company = _new_company(code, company_name)
        # Like a real company: request categories and deadline policies, so requests made against
        # this data carry their deadlines (the load benchmark measures creating them).
        company_defaults_ensure(company=company)
        sla_defaults_ensure(company=company)
    names = NameMaker(rng)
    phones = PhoneMaker(
        rng, taken=set(Resident.objects.filter(company=company).values_list("phone", flat=True))
    )
    used_codes = set(Project.objects.filter(company=company).values_list("code", flat=True))
    used_names = set(Project.objects.filter(company=company).values_list("name", flat=True))
    buildings = max(1, math.ceil(units_per_project / 100))
    totals = {"units": 0, "residents": 0, "occupancies": 0}
    first_project = None
    seeded_projects = []
    index = 0
    for _ in range(projects):
        index += 1
        while f"P{index:04d}" in used_codes or _estate_name(index) in used_names:
            index += 1
        city = CITIES[index % len(CITIES)]
        with transaction.atomic():
            project = Project.objects.create(
                company=company,
                name=_estate_name(index),
                code=f"P{index:04d}",
                kind=ProjectKind.RESIDENTIAL,
                city=city,
                address=f"{city}市{ESTATE_WORDS[index % 12]}路 {index} 号",
            )
            seeded = seed_project_units(
                project,
                units=units_per_project,
                buildings=buildings,
                rng=rng,
                names=names,
                phones=phones,
            )
        first_project = first_project or project
        seeded_projects.append(project)
        totals["units"] += len(seeded.units)
        totals["residents"] += len(seeded.residents)
        totals["occupancies"] += len(seeded.occupancies)
        if progress and index % 10 == 0:
            progress(f"  {index} 个项目 …")
    usernames = _staff_logins(company, first_project, password)
    totals["technicians"], totals["dispatch_rules"] = _engineering_teams(company, seeded_projects)
    return {"company": company, "usernames": usernames, **totals}


def _engineering_teams(company: Company, projects: list[Project]) -> tuple[int, int]:
    """Technicians (no password: they are chosen, not logged in as) and dispatch rules per project."""
    User = get_user_model()
    tops = list(TicketCategory.objects.filter(company=company, parent__isnull=True, is_active=True))
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=f"{company.short_code.lower()}-{project.code.lower()}-tech{n}",
                password=make_password(None),
                company=company,
                display_name=f"维修工{n}",
            )
            for project in projects
            for n in range(1, TECHNICIANS_PER_PROJECT + 1)
        )
        members = StaffMember.objects.bulk_create(
            StaffMember(
                company=company,
                user=user,
                name=user.display_name,
                department=Department.ENGINEERING,
                position="维修工",
            )
            for user in users
        )
        StaffRole.objects.bulk_create(
            StaffRole(company=company, staff=member, role=Role.TECHNICIAN) for member in members
        )
        serves = StaffMember.projects.through
        serves.objects.bulk_create(
            serves(staffmember_id=member.pk, project_id=projects[i // TECHNICIANS_PER_PROJECT].pk)
            for i, member in enumerate(members)
        )
        # The skill named like each top-level category (水电, 土建 …): what a rule without a skill asks.
        skills = [Skill.objects.get_or_create(company=company, name=top.name)[0] for top in tops]
        holds = StaffMember.skills.through
        holds.objects.bulk_create(
            holds(staffmember_id=member.pk, skill_id=skill.pk) for member in members for skill in skills
        )
        rules = DispatchRule.objects.bulk_create(
            DispatchRule(company=company, project=project, category=top, department=Department.ENGINEERING)
            for project in projects
            for top in tops
        )
    return len(members), len(rules)


def _estate_name(index: int) -> str:
    return f"{ESTATE_WORDS[index % 12]}{ESTATE_WORDS[(index // 12) % 12]}苑{index:04d}"


def _staff_logins(company: Company, project: Project, password: str) -> list[str]:
    """An HQ login (sees every project) and a desk login for the first project, for measuring."""
    User = get_user_model()
    prefix = company.short_code.lower()
    created = []
    for suffix, role, projects, name in [
        ("hq", Role.HQ_CENTER, [], "总部调度员"),
        ("desk", Role.DESK, [project], "项目前台"),
    ]:
        username = f"{prefix}-{suffix}"
        if User.objects.filter(username=username).exists():
            continue
        with transaction.atomic():
            user = User.objects.create(
                username=username,
                password=make_password(password or None),
                company=company,
                display_name=name,
            )
            member = StaffMember.objects.create(
                company=company, user=user, name=name, department=Department.SERVICE, position=name
            )
            StaffRole.objects.create(company=company, staff=member, role=role)
            member.projects.set(projects)
        created.append(username)
    return created
