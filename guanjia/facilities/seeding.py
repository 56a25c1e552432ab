"""Demo data of facilities, called by `manage.py seed_demo` after the estates, staff and requests exist.

Every project gets a ledger (fire, lifts, water, power, lighting, CCTV), the default fire-safety
plans plus a lift plan, about three months of maintenance history done through the real services
(scans, results, a few failed lines that became repair requests), and patrol routes with two weeks
of rounds (scans, some missed checkpoints, a few findings). The past is laid out by moving the
services' clock. Demo history is not news: nothing is notified while seeding. Idempotent: a project
that already has equipment is left alone.
"""

from __future__ import annotations

import datetime
import random
from contextlib import ExitStack
from unittest import mock

from django.utils import timezone

from guanjia.core.roles import Perm, Role, permissions_for
from guanjia.estates.models import Building, Project
from guanjia.facilities import services
from guanjia.facilities.choices import OPEN_TASK_STATUSES, LineKind, LineResult, RouteKind
from guanjia.facilities.models import Equipment, EquipmentType, MaintenanceTask, PatrolRound
from guanjia.facilities.services import common
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.tickets import services as tickets

HISTORY_DAYS = 84
PATROL_DAYS = 14
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)

# (type path, name, floor, room, vendor, model) — per project; "{b}" is the first building's name.
LEDGER = [
    ("消防/消防水泵", "消防泵房（消火栓泵、喷淋泵）", "-1", "消防泵房", "上海连成", "XBD8/40"),
    ("消防/火灾自动报警", "火灾自动报警主机", "1", "消防控制室", "海湾安全", "GST200"),
    ("消防/灭火器", "{b}手提式灭火器组", "", "各层楼道", "淮海消防", "MFZ/ABC4"),
    ("消防/防火门", "{b}防火门", "", "楼梯间", "", ""),
    ("消防/疏散指示与应急照明", "{b}疏散指示与应急照明", "", "楼梯间及走道", "", ""),
    ("消防/消火栓及水带", "{b}室内消火栓", "", "各层楼道", "", ""),
    ("电梯/客梯", "{b}1号客梯", "", "井道", "日立电梯", "HGP-1000"),
    ("电梯/客梯", "{b}2号客梯", "", "井道", "日立电梯", "HGP-1000"),
    ("给排水/生活水泵", "生活水泵房变频供水设备", "-1", "生活水泵房", "格兰富", "Hydro MPC"),
    ("供配电/配电柜", "高低压配电房", "-1", "配电房", "正泰电气", "GCK"),
    ("公共照明/路灯", "小区路灯（东区）", "", "东区道路", "", ""),
    ("弱电/监控", "监控中心硬盘录像机", "1", "监控中心", "海康威视", "DS-9632N"),
]
ROUTES = [
    # name, kind, department, times, minutes, checkpoints
    ("夜间巡更", RouteKind.SECURITY_NIGHT, Department.SECURITY, "22:00,02:00", 60,
     [("东门岗", "东门"), ("地下车库A区", "B1 A区"), ("消防泵房", "B1"), ("{b}大堂", "{b}一层"), ("西门岗", "西门")]),
    ("公区日常巡查", RouteKind.COMMON_AREA, Department.SERVICE, "10:00", 90,
     [("中心花园", "中心花园"), ("{b}大堂", "{b}一层"), ("儿童游乐区", "游乐区"), ("垃圾分类点", "北门")]),
]  # fmt: skip
FINDINGS = ["地面有积水，容易滑倒", "照明灯不亮", "消防通道有杂物堆放", "井盖松动", "栏杆油漆脱落"]


def _user_with(project, *roles):
    return (
        StaffMember.objects.filter(
            projects=project, roles__role__in=roles, deleted_at__isnull=True, user__isnull=False
        )
        .select_related("user")
        .order_by("id")
        .first()
    )


def seed_demo_facilities(company, *, rng: random.Random) -> dict[str, int]:
    """Create the demo records for every project of `company`; return counts by name."""
    counts = {"equipment": 0, "maintenance_tasks": 0, "patrol_rounds": 0}
    admin = (
        StaffMember.objects.filter(company=company, roles__role=Role.COMPANY_ADMIN, user__isnull=False)
        .select_related("user")
        .first()
    )
    if admin is None:
        return counts
    services.types_ensure(company=company)
    for project in Project.objects.filter(company=company).order_by("id"):
        if Equipment.objects.filter(project=project).exists():
            continue
        made = _seed_project(project, admin.user, rng)
        for key, value in made.items():
            counts[key] += value
    return counts


def _seed_project(project: Project, admin, rng: random.Random) -> dict[str, int]:
    now = timezone.now()
    clock = {"now": now}
    start = timezone.localdate(now) - datetime.timedelta(days=HISTORY_DAYS)
    start -= datetime.timedelta(days=start.weekday())  # plans begin on a Monday
    clock["now"] = services.local_midnight(start) + 8 * H
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(common, "_now", lambda: clock["now"]))
        stack.enter_context(mock.patch.object(tickets, "_now", lambda: clock["now"]))
        stack.enter_context(mock.patch.object(tickets, "_announce", lambda event: None))
        stack.enter_context(mock.patch("guanjia.notifications.services.notify", lambda **kw: []))
        items = _ledger(project, admin, rng)
        services.fire_plans_apply(actor=admin, project=project, starts_on=start)
        roots = services.types_ensure(company=project.company)
        services.plan_create(
            actor=admin,
            data={
                "project_id": project.pk,
                "name": "电梯月度保养",
                "equipment_type_id": roots["电梯"].pk,
                "frequency": "monthly",
                "starts_on": start,
                "window_days": 15,
                "checklist": [
                    {"text": "曳引机运行", "expected": "无异响、无渗油"},
                    {"text": "制动器", "expected": "动作可靠"},
                    {"text": "轿厢平层", "expected": "平层准确"},
                    {"text": "曳引机温度", "kind": LineKind.READING, "unit": "℃", "min": "0", "max": "80"},
                ],
            },
        )
        tasks = _maintenance_history(project, start, now, clock, rng)
        rounds = _patrol_history(project, admin, now, clock, rng)
    return {"equipment": len(items), "maintenance_tasks": tasks, "patrol_rounds": rounds}


def _ledger(project: Project, admin, rng: random.Random) -> list[Equipment]:
    building = Building.objects.filter(project=project).order_by("id").first()
    bname = building.name if building else ""
    items = []
    for path, name, floor, room, vendor, model in LEDGER:
        root, child = path.split("/")
        kind = EquipmentType.objects.get(company=project.company, parent__name=root, name=child)
        installed = datetime.date(2018 + rng.randrange(5), rng.randrange(1, 13), rng.randrange(1, 28))
        items.append(
            services.equipment_create(
                actor=admin,
                data={
                    "project_id": project.pk,
                    "type_id": kind.pk,
                    "name": name.format(b=bname),
                    "building_id": building.pk if building and "{b}" in name else None,
                    "floor": floor,
                    "room": room,
                    "vendor": vendor,
                    "model_no": model,
                    "serial_no": f"SN{rng.randrange(10**7, 10**8)}",
                    "contractor": "杭州安消消防工程有限公司"
                    if root == "消防"
                    else ("日立电梯维保站" if root == "电梯" else ""),
                    "contract_starts": datetime.date(2026, 1, 1) if root in ("消防", "电梯") else None,
                    "contract_ends": datetime.date(2026, 12, 31) if root in ("消防", "电梯") else None,
                    "installed_on": installed,
                    "warranty_until": installed + datetime.timedelta(days=365 * 2),
                },
            )
        )
    for item in items[:3]:
        services.cost_create(
            actor=admin,
            data={
                "equipment_id": item.pk,
                "kind": "running",
                "incurred_on": timezone.localdate() - datetime.timedelta(days=rng.randrange(10, 80)),
                "amount": f"{rng.randrange(800, 6000)}.00",
                "contractor": item.contractor or "维保单位",
                "invoice_no": f"No.{rng.randrange(10**7, 10**8)}",
                "description": "季度维保费",
            },
        )
    return items


def _maintenance_history(project, start, now, clock, rng: random.Random) -> int:
    worker = _user_with(project, Role.TECHNICIAN)
    if worker is None:
        return 0
    day = start
    today = timezone.localdate(now)
    while day <= today:
        clock["now"] = min(services.local_midnight(day) + 8 * H, now - M)
        services.generate_tasks(now=clock["now"], project=project)
        due = MaintenanceTask.objects.filter(
            project=project, status__in=OPEN_TASK_STATUSES, period_start__lte=day
        ).select_related("equipment")
        for task in due.order_by("due_at", "id"):
            last_day = timezone.localdate(task.due_at) - datetime.timedelta(days=1)
            odds = 0.35 if day < last_day else 0.9
            if (day == today and rng.random() < 0.5) or rng.random() > odds or rng.random() < 0.01:
                continue  # not today (and now and then never: overdue work for the demo)
            _do_task(task, worker.user, clock, day, now, rng)
        day += datetime.timedelta(days=1)
    return MaintenanceTask.objects.filter(project=project).count()


def _do_task(task, user, clock, day, now, rng: random.Random) -> None:
    moment = services.local_midnight(day) + datetime.timedelta(hours=rng.uniform(9, 16.5))
    if moment >= now:
        return
    clock["now"] = moment
    services.task_start(actor=user, task=task, code=task.equipment.qr_token)
    results = []
    for position, line in enumerate(task.checklist, start=1):
        fail = rng.random() < 0.025
        if line.get("kind") == LineKind.READING:
            low, high = float(line.get("min") or 0), float(line.get("max") or 100)
            value = high * 1.2 if fail else rng.uniform(low + (high - low) * 0.2, low + (high - low) * 0.8)
            results.append({"position": position, "reading": f"{value:.2f}"})
        else:
            results.append(
                {
                    "position": position,
                    "result": LineResult.FAIL if fail else LineResult.PASS,
                    "note": "现场检查发现问题，需维修" if fail else "",
                }
            )
    clock["now"] = moment + rng.uniform(10, 40) * M
    services.task_complete(actor=user, task=task, results=results)


def _patrol_history(project, admin, now, clock, rng: random.Random) -> int:
    building = Building.objects.filter(project=project).order_by("id").first()
    bname = building.name if building else ""
    first_day = timezone.localdate(now) - datetime.timedelta(days=PATROL_DAYS)
    clock["now"] = services.local_midnight(first_day)
    routes = []
    for name, kind, department, times, minutes, points in ROUTES:
        people = [
            s
            for s in StaffMember.objects.filter(
                projects=project, department=department, deleted_at__isnull=True
            )
            .prefetch_related("roles")
            .select_related("user")
            if Perm.DO_FACILITIES_WORK in permissions_for(r.role for r in s.roles.all()) and s.user_id
        ]
        if not people:
            continue
        supervisor = _user_with(project, Role.DEPARTMENT_HEAD, Role.PROJECT_MANAGER)
        route = services.route_create(
            actor=admin,
            data={
                "project_id": project.pk,
                "name": name,
                "kind": kind,
                "department": department,
                "round_times": times,
                "window_minutes": minutes,
                "supervisor_id": supervisor.pk if supervisor else None,
                "checkpoints": [
                    {
                        "name": n.format(b=bname),
                        "place": p.format(b=bname),
                        "building_id": building.pk if "{b}" in n and building else None,
                    }
                    for n, p in points
                ],
            },
        )
        routes.append((route, people))
    people_of = {route.pk: people for route, people in routes}
    day = first_day
    while day <= timezone.localdate(now):
        for route, _people in routes:
            services.generate_rounds_for(route, now=services.local_midnight(day) + M)
        todays = PatrolRound.objects.filter(
            route_id__in=people_of,
            closed_at__isnull=True,
            window_start__gte=services.local_midnight(day),
            window_start__lt=services.local_midnight(day + datetime.timedelta(days=1)),
            window_end__lt=now,
        ).select_related("route", "assignee")
        for patrol in todays.order_by("window_start", "id"):
            _walk(patrol, patrol.route, people_of[patrol.route_id], clock, rng)
        day += datetime.timedelta(days=1)
    clock["now"] = now - M
    services.close_rounds(now=now - M)
    return PatrolRound.objects.filter(project=project).count()


def _walk(patrol, route, people, clock, rng: random.Random) -> None:
    walker = (patrol.assignee if patrol.assignee and patrol.assignee in people else rng.choice(people)).user
    points = list(route.checkpoints.filter(is_active=True).order_by("position"))
    if rng.random() < 0.06:
        points = []  # the round was not walked at all
    elif rng.random() < 0.15:
        points.pop(rng.randrange(len(points)))  # one point skipped
    elif rng.random() < 0.08 and len(points) > 2:
        points[0], points[1] = points[1], points[0]  # walked out of order
    span = (patrol.window_end - patrol.window_start).total_seconds() / 60
    moment = patrol.window_start + rng.uniform(0, 8) * M
    for point in points:
        moment += rng.uniform(3, max(4, span / (len(points) + 1))) * M
        if rng.random() < 0.04:
            moment = patrol.window_end + rng.uniform(1, 10) * M  # late
        clock["now"] = moment
        if moment < patrol.window_end + 15 * M:
            services.round_scan(actor=walker, patrol=patrol, code=point.qr_token)
        if rng.random() < 0.03:
            services.finding_report(
                actor=walker, patrol=patrol, checkpoint_id=point.pk, description=rng.choice(FINDINGS)
            )
    clock["now"] = patrol.window_end + M
    services.close_rounds(now=patrol.window_end + M)
