"""Generators for demo and scale data: Chinese names, unique mobiles, buildings full of units.

Used by the ``seed_demo`` and ``seed_scale`` commands (and the benchmark). Seeding writes rows
directly instead of through ``services.py``: there is no acting user yet (the staff who would be
allowed to create things are created here too) and thousands of rows must go in with
``bulk_create``. Every row is still valid by the models' constraints, and the demo journals its
bulk-created rows with ``journal_bulk_create`` so their history reads "created by command".
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from guanjia.estates.choices import ContactPreference, Relation, UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

# Surnames weighted roughly by how common they are (王李张刘陈 cover about a third of people).
_WEIGHTED = {"王": 8, "李": 8, "张": 8, "刘": 6, "陈": 6, "杨": 4, "黄": 3, "赵": 3, "吴": 3, "周": 3}
SURNAMES = "".join(s * n for s, n in _WEIGHTED.items()) + (
    "徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ["欧阳", "司马", "诸葛", "上官", "东方"]
# Given-name characters by the gender they are usually chosen for.
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚飞鑫波斌宇浩凯健俊帆帅旭宁龙林晨辉鹏宏志建国文博鸣然轩诚豪峰涵"
GIVEN_FEMALE = "芳娜秀英敏静丽艳娟霞平桂玉萍红玲芬欣佳雪梅琳晓怡涵雨萱诗婷慧颖倩璐瑶琪悦"
# Mobile prefixes that carriers actually issue (China Mobile, Unicom, Telecom, broadcasting).
MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
    "172", "178", "182", "183", "184", "187", "188", "195", "197", "198", "130", "131", "132",
    "145", "155", "156", "166", "175", "176", "185", "186", "196", "133", "149", "153", "173",
    "177", "180", "181", "189", "190", "191", "193", "199", "192",
]  # fmt: skip
COMPANY_WORDS = [
    "华信",
    "博远",
    "启明",
    "瑞达",
    "恒通",
    "嘉禾",
    "中科",
    "云途",
    "致远",
    "天成",
    "鼎盛",
    "新航",
]
COMPANY_TRADES = [
    "科技有限公司", "信息技术有限公司", "贸易有限公司", "企业管理咨询有限公司", "文化传媒有限公司",
    "律师事务所", "会计师事务所", "网络科技有限公司",
]  # fmt: skip
PREFERENCES = [ContactPreference.PHONE] * 3 + [ContactPreference.WECHAT, ContactPreference.SMS]
CALL_TIMES = ["", "", "", "工作日 18:00-20:00", "周末全天", "9:00-21:00", "午休 12:00-13:30 勿扰"]


class NameMaker:
    """Plausible, repeatable Chinese names from a seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self) -> str:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
        pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
        given = rng.choice(pool)
        if rng.random() < 0.7:
            given += rng.choice(pool)
        return surname + given

    def tenant_company(self, city: str = "") -> str:
        return f"{city}{self.rng.choice(COMPANY_WORDS)}{self.rng.choice(COMPANY_TRADES)}"


class PhoneMaker:
    """Valid mainland mobiles (1[3-9]xxxxxxxxx), never the same twice within one maker."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None):
        self.rng = rng
        self.taken: set[str] = set(taken or ())

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if phone not in self.taken:
                self.taken.add(phone)
                return phone


@dataclass
class Seeded:
    """What one project's bulk seeding inserted (with primary keys), for journaling and counts."""

    buildings: list[Building] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    occupancies: list[Occupancy] = field(default_factory=list)

    def all_rows(self) -> Iterator:
        yield from self.buildings
        yield from self.units
        yield from self.residents
        yield from self.occupancies


def plan_buildings(units: int, buildings: int, units_per_floor: int) -> list[tuple[int, int]]:
    """``units`` spread over ``buildings``: a list of (floors, units in that building)."""
    buildings = max(1, min(buildings, units))
    per_building = math.ceil(units / buildings)
    plan, left = [], units
    for _ in range(buildings):
        count = min(per_building, left)
        if count <= 0:
            break
        plan.append((math.ceil(count / units_per_floor), count))
        left -= count
    return plan


def seed_project_units(
    project: Project,
    *,
    units: int,
    buildings: int,
    rng: random.Random,
    names: NameMaker,
    phones: PhoneMaker,
    units_per_floor: int = 4,
    building_name=lambda i: f"{i}栋",
    occupied_share: float = 0.88,
    office: bool = False,
    batch_size: int = 2000,
) -> Seeded:
    """Buildings, units, residents and occupancies of one project, with ``bulk_create``.

    Residential: most units have an owner; some owners rent out (a tenant lives there), some
    have family members registered. Office: each let office has a tenant company's contact.
    """
    out = Seeded()
    plan = plan_buildings(units, buildings, units_per_floor)
    for index, (floors, _count) in enumerate(plan, start=1):
        out.buildings.append(
            Building(
                company_id=project.company_id,
                project=project,
                name=building_name(index),
                floors_above=floors,
                floors_below=1 if office else 2,
            )
        )
    Building.objects.bulk_create(out.buildings, batch_size=batch_size)

    for building, (_floors, count) in zip(out.buildings, plan, strict=True):
        for n in range(count):
            floor, slot = divmod(n, units_per_floor)
            floor += 1
            sizes = [120, 160, 210, 260, 380] if office else [68, 89, 95, 110, 128, 143]
            roll = rng.random()
            if roll < occupied_share:
                status = UnitStatus.OCCUPIED
            elif roll > 0.97 and not office:
                status = UnitStatus.RENOVATING
            else:
                status = UnitStatus.VACANT
            out.units.append(
                Unit(
                    company_id=project.company_id,
                    project=project,
                    building=building,
                    floor=floor,
                    number=f"{floor}{slot + 1:02d}",
                    area=Decimal(rng.choice(sizes)) + Decimal(rng.randrange(100)) / 100,
                    status=status,
                )
            )
    Unit.objects.bulk_create(out.units, batch_size=batch_size)

    today = datetime.date.today()
    pairs: list[tuple[Resident, Unit, str, datetime.date]] = []

    def person(unit: Unit, relation: str, start_on: datetime.date, note: str = "") -> None:
        resident = Resident(
            company_id=project.company_id,
            project=project,
            name=names.person(),
            phone=phones.mobile(),
            contact_preference=rng.choice(PREFERENCES),
            preferred_call_times=rng.choice(CALL_TIMES),
            note=note,
        )
        out.residents.append(resident)
        pairs.append((resident, unit, relation, start_on))

    for unit in out.units:
        if unit.status != UnitStatus.OCCUPIED:
            continue
        start_on = today - datetime.timedelta(days=rng.randrange(30, 3650))
        if office:
            person(unit, Relation.TENANT, start_on, note=f"{names.tenant_company(project.city)} 行政联系人")
            continue
        person(unit, Relation.OWNER, start_on)
        extra = rng.random()
        if extra < 0.12:
            person(unit, Relation.TENANT, start_on + datetime.timedelta(days=rng.randrange(1, 30)))
        elif extra < 0.42:
            person(unit, Relation.FAMILY, start_on)

    Resident.objects.bulk_create(out.residents, batch_size=batch_size)
    out.occupancies = [
        Occupancy(
            company_id=project.company_id,
            project=project,
            resident=resident,
            unit=unit,
            relation=relation,
            start_on=start_on,
        )
        for resident, unit, relation, start_on in pairs
    ]
    Occupancy.objects.bulk_create(out.occupancies, batch_size=batch_size)
    return out
