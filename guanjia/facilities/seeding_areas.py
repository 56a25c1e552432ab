"""Demo data of environmental work, called by `manage.py seed_demo` after facilities' own demo.

In the first project (金苑): its common areas (lobbies, stairs, the garage, the garden, the bin
point), a daily lobby cleaning plan done by the contractor 洁美保洁 (the cleaning lead's login) and
checked by the project manager, a weekly garage cleaning, a weekly greening round and a monthly pest
control (消杀) of the bin point; then a week of history through the real services — scans, results,
photos, checks — with one lobby cleaning missed, escalated to the supervisor. Today's work is left to
do. Demo history is not news: nothing is notified while seeding (the missed task's escalation
steps are recorded as the follow-up job would take them, silently). Idempotent: a project that already
has areas is left alone.
"""

from __future__ import annotations

import datetime
import io
import random
from contextlib import ExitStack
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.core.context import Source, change_context
from guanjia.estates.models import Building, Project
from guanjia.facilities import services
from guanjia.facilities.choices import OPEN_TASK_STATUSES, AreaKind, Discipline, Frequency, TaskStatus
from guanjia.facilities.models import Area, MaintenanceTask
from guanjia.facilities.services import common

H = datetime.timedelta(hours=1)
CONTRACTOR = "洁美保洁服务有限公司"
AREAS = [
    (AreaKind.LOBBY, "{b1}大堂", "一层", "b1"),
    (AreaKind.LOBBY, "{b2}大堂", "一层", "b2"),
    (AreaKind.STAIRS, "{b1}楼梯间", "1–18层", "b1"),
    (AreaKind.LIFT, "{b1}电梯轿厢", "1号、2号梯", "b1"),
    (AreaKind.GARAGE, "地下车库", "B1 A–C区", None),
    (AreaKind.GARDEN, "中心花园", "小区中央", None),
    (AreaKind.BINS, "北门垃圾分类点", "北门", None),
]
LOBBY_CHECKLIST = [
    {"text": "地面清扫湿拖，无垃圾无水渍", "expected": "干净、无水渍"},
    {"text": "玻璃门、信报箱擦拭", "expected": "无手印、无灰尘"},
    {"text": "垃圾桶清理并更换垃圾袋", "expected": "桶内不满、无异味"},
]
MISSED_DAY = 3  # days ago: the second lobby's cleaning that day is never done


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A stand-in for the cleaner's photo: a clean lobby floor."""
    image = Image.new("RGB", (480, 360), (228, 226, 220))
    draw = ImageDraw.Draw(image)
    for x in range(0, 480, 60):
        draw.line((x, 200, x + rng.randint(-20, 20), 360), fill=(200, 198, 190), width=2)
    draw.rectangle((170, 40, 310, 200), outline=(120, 140, 160), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("lobby.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_demo_areas(company, *, rng: random.Random) -> dict[str, int]:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            company=company, username__in=["admin", "manager", "cleaning"]
        )
    }
    # The estate the cleaning lead and the project manager serve (金苑).
    project = (
        Project.objects.filter(company=company, staff__user__username="cleaning")
        .filter(staff__user__username="manager")
        .order_by("id")
        .first()
    )
    if len(users) < 3 or project is None or Area.objects.filter(project=project).exists():
        return {"areas": 0, "area_tasks": 0}
    now = timezone.now()
    clock = {"now": now}
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(common, "_now", lambda: clock["now"]))
        stack.enter_context(mock.patch("guanjia.notifications.services.notify", lambda **kw: []))
        counts = _seed(project, users, now, clock, rng)
        # What the follow-up job would do at once: the missed cleaning climbs its ladder (recorded,
        # not told: demo history is not news).
        with change_context(source=Source.JOB):
            services.escalate_overdue_tasks(now=now)
    return counts


def _seed(project, users, now, clock, rng: random.Random) -> dict[str, int]:
    admin, manager, cleaner = users["admin"], users["manager"], users["cleaning"]
    today = timezone.localdate(now)
    start = today - datetime.timedelta(days=7)
    clock["now"] = services.local_midnight(start) + 7 * H
    buildings = list(Building.objects.filter(project=project).order_by("id")[:2])
    names = {"b1": buildings[0] if buildings else None, "b2": buildings[1] if len(buildings) > 1 else None}
    areas = []
    for kind, name, place, building in AREAS:
        b = names.get(building) if building else None
        areas.append(
            services.area_create(
                actor=admin,
                data={
                    "project_id": project.pk,
                    "kind": kind,
                    "name": name.format(
                        b1=names["b1"].name if names["b1"] else "1栋",
                        b2=names["b2"].name if names["b2"] else "2栋",
                    ),
                    "place": place,
                    "building_id": b.pk if b else None,
                },
            )
        )
    garage = next(a for a in areas if a.kind == AreaKind.GARAGE)
    garden = next(a for a in areas if a.kind == AreaKind.GARDEN)
    bins = next(a for a in areas if a.kind == AreaKind.BINS)
    doer = cleaner.staff_member.pk
    checker = manager.staff_member.pk
    common_fields = {"project_id": project.pk, "starts_on": start, "assignee_id": doer, "checker_id": checker}
    lobby_plan = services.plan_create(
        actor=admin,
        data={
            **common_fields,
            "name": "大堂日常保洁",
            "discipline": Discipline.CLEANING,
            "area_kind": AreaKind.LOBBY,
            "frequency": Frequency.DAILY,
            "contractor": CONTRACTOR,
            "checklist": LOBBY_CHECKLIST,
        },
    )
    services.plan_create(
        actor=admin,
        data={
            **common_fields,
            "name": "地下车库每周冲洗",
            "discipline": Discipline.CLEANING,
            "area_id": garage.pk,
            "frequency": Frequency.WEEKLY,
            "contractor": CONTRACTOR,
            "checklist": [{"text": "车道冲洗、排水沟清淤", "expected": "无油污、排水通畅"}],
        },
    )
    services.plan_create(
        actor=admin,
        data={
            **common_fields,
            "name": "中心花园绿化养护",
            "discipline": Discipline.GREENING,
            "area_id": garden.pk,
            "frequency": Frequency.WEEKLY,
            "window_days": 3,
            "checklist": [
                {"text": "草坪修剪", "expected": "高度 5–8 cm"},
                {"text": "灌木浇水、病虫害检查", "expected": "无枯枝、无虫害"},
            ],
        },
    )
    services.plan_create(
        actor=admin,
        data={
            **common_fields,
            "name": "垃圾分类点月度消杀",
            "discipline": Discipline.PEST_CONTROL,
            "area_id": bins.pk,
            "frequency": Frequency.MONTHLY,
            "window_days": 7,
            "contractor": "绿盾有害生物防治公司",
            "checklist": [
                {"text": "喷洒消毒药剂", "expected": "全覆盖、登记药剂名称"},
                {"text": "鼠饵站检查补药", "expected": "饵站完好、无鼠迹"},
            ],
        },
    )
    missed: set[int] = set()
    day = start
    while day < today:
        clock["now"] = services.local_midnight(day) + 7 * H
        services.generate_tasks(now=clock["now"])
        due = MaintenanceTask.objects.filter(
            project=project, area__isnull=False, status__in=OPEN_TASK_STATUSES, period_start__lte=day
        ).select_related("area", "plan")
        for task in due.order_by("due_at", "id"):
            if task.pk in missed or (
                task.plan_id == lobby_plan.pk
                and (today - day).days == MISSED_DAY
                and task.area_id == areas[1].pk
            ):
                missed.add(task.pk)
                continue  # missed, and never done later: it escalates
            if (
                task.plan_id != lobby_plan.pk
                and timezone.localdate(task.due_at) - datetime.timedelta(days=1) > day
                and rng.random() < 0.6
            ):
                continue  # a weekly round done later in its window
            _do(task, cleaner, manager, clock, day, rng)
        day += datetime.timedelta(days=1)
    clock["now"] = now
    services.generate_tasks(now=now)
    return {
        "areas": len(areas),
        "area_tasks": MaintenanceTask.objects.filter(project=project, area__isnull=False).count(),
    }


def _do(task, cleaner, checker, clock, day, rng: random.Random) -> None:
    moment = services.local_midnight(day) + datetime.timedelta(hours=rng.uniform(8, 11))
    clock["now"] = moment
    services.task_start(actor=cleaner, task=task, code=task.area.qr_token)
    clock["now"] = moment + rng.uniform(20, 50) * datetime.timedelta(minutes=1)
    results = [{"position": i, "result": "pass"} for i in range(1, len(task.checklist) + 1)]
    photos = [_photo(rng)] if task.plan.discipline != Discipline.CLEANING or rng.random() < 0.3 else []
    services.task_complete(actor=cleaner, task=task, results=results, photos=photos)
    clock["now"] = moment + 3 * H
    task = MaintenanceTask.objects.get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        services.task_check(actor=checker, task=task, passed=True)
