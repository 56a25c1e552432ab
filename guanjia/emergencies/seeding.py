"""Demo data of emergencies, called by `manage.py seed_demo` after the estates, staff and requests exist.

The default plans; a command post for each demo project (the 中控值班员 in the control room, the
project managers as commanders, the engineering head leading 技术组 …, with some groups left empty
so the gaps page has something to say); a fire drill run two months ago end to end; and a power cut
three weeks ago, closed with its calls, photo, report and statement. Everything goes through the
services with their clock moved back, so the demo history looks like real use. No notification is
sent while seeding. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime
import io
import random
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.emergencies import services
from guanjia.emergencies.choices import CallResult, Position
from guanjia.emergencies.models import CommandPostMember, EmergencyPlan, FollowUpCall, Incident
from guanjia.emergencies.services import common
from guanjia.estates.models import Building, Project
from guanjia.facilities.models import Equipment
from guanjia.staff.models import StaffMember

# project code → [(username, position, leader, stand-in)]
POSTS = {
    "JY": [
        ("security", Position.CONTROL_ROOM, False, False),
        ("security2", Position.CONTROL_ROOM, False, True),
        ("security2", Position.FIRE_FIGHTING, True, False),
        ("security", Position.CORDON, True, False),
        ("head", Position.TECHNICAL, True, False),
        ("tech", Position.TECHNICAL, False, False),
        ("head", Position.ENGINEERING_DEPT, True, False),
        ("security2", Position.SECURITY_DEPT, True, False),
        ("desk", Position.EVACUATION, True, False),
        ("butler", Position.EVACUATION, False, False),
        ("desk", Position.SERVICE_DEPT, True, False),
        ("cleaning", Position.RESCUE, True, False),
        ("head", Position.DEPUTY, False, False),
    ],
    "JD": [
        ("jd_security", Position.CONTROL_ROOM, False, False),
        ("jd_security", Position.FIRE_FIGHTING, True, False),
        ("jd_tech", Position.TECHNICAL, True, False),
        ("jd_tech", Position.ENGINEERING_DEPT, True, False),
        ("jd_desk", Position.EVACUATION, True, False),
        ("jd_desk", Position.SERVICE_DEPT, True, False),
    ],
}


def _png() -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 600), (90, 90, 96))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 140, 680, 460), outline=(240, 200, 40), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("evidence.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_demo_emergencies(company, *, rng: random.Random) -> dict[str, int]:
    """Create the demo records for every project of `company`; return counts by name."""
    plans = services.plans_ensure_defaults(company=company)
    staff = {m.user.username: m for m in StaffMember.objects.filter(company=company).select_related("user")}
    members = 0
    for project in Project.objects.filter(company=company).order_by("code"):
        managers = list(services.project_managers(project))
        if not managers:
            continue
        post = services.post_ensure(actor=managers[0].user, project=project)
        for username, position, leader, standin in POSTS.get(project.code, []):
            member = staff.get(username)
            if (
                member is None
                or CommandPostMember.objects.filter(post=post, position=position, staff=member).exists()
            ):
                continue
            services.member_add(
                actor=managers[0].user,
                post=post,
                data={
                    "position": position,
                    "staff_id": member.pk,
                    "is_leader": leader,
                    "is_standin": standin,
                },
            )
            members += 1
    counts = {"emergency_plans": plans, "command_post_members": members}
    if Incident.objects.filter(company=company).exists():
        return counts
    project = Project.objects.filter(company=company, code="JY").first()
    needed = {"manager", "security", "security2", "head", "desk"}
    if project is None or not needed <= set(staff):
        return counts
    with mock.patch("guanjia.notifications.services.notify", lambda **kw: []):
        counts["drills"] = _past_drill(company, project, staff, rng)
        counts["incidents"] = _past_power_cut(company, project, staff, rng)
    return counts


class _Clock:
    def __init__(self, start: datetime.datetime):
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def tick(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def _past_drill(company, project, staff, rng) -> int:
    manager, security, security2, head = (staff[u].user for u in ("manager", "security", "security2", "head"))
    fire = EmergencyPlan.objects.get(company=company, kind="fire")
    building = Building.objects.filter(project=project).order_by("name").first()
    day = timezone.localdate() - datetime.timedelta(days=60)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    clock = _Clock(start)
    with mock.patch.object(common, "_now", clock):
        drill = services.drill_plan(
            actor=manager, data={"project_id": project.pk, "plan_id": fire.pk, "planned_for": day, "level": 1}
        )
        incident = services.drill_start(
            actor=manager,
            drill=drill,
            data={
                "building_id": building.pk if building else None,
                "floor_from": min(6, max(building.floors_above, 1)) if building else None,
                "description": "年度消防演练：烟感报警，模拟电气火灾",
            },
        )
        clock.tick(seconds=35)
        services.incident_acknowledge(actor=security, incident=incident)
        for item in incident.checklist.filter(position=Position.CONTROL_ROOM).order_by("order"):
            clock.tick(seconds=rng.randint(15, 40))
            services.checklist_tick(actor=security, incident=incident, item_id=item.pk)
            if item.order == 2:
                services.incident_acknowledge(actor=security2, incident=incident)
            if item.order == 4:
                services.incident_acknowledge(actor=head, incident=incident)
        for item in incident.checklist.filter(position=Position.FIRE_FIGHTING):
            clock.tick(seconds=50)
            services.checklist_tick(actor=security2, incident=incident, item_id=item.pk)
        clock.tick(minutes=2)
        services.incident_acknowledge(actor=manager, incident=incident)
        services.incident_log_add(
            actor=security2, incident=incident, text="灭火组到场，使用干粉灭火器扑灭模拟火点"
        )
        clock.tick(minutes=5)
        services.incident_start_aftermath(actor=manager, incident=incident)
        clock.tick(hours=1)
        services.report_write(
            actor=security,
            incident=incident,
            body="演练经过：15:00 烟感报警，中控35秒内确认并通知灭火组、警戒组、技术组；灭火组4分钟到场。\n"
            "问题：警戒组未按时响应，技术组断电用时偏长。\n改进：每月增加一次夜间通知演练。",
        )
        clock.tick(hours=2)
        services.report_approve(actor=manager, incident=incident)
        services.drill_evaluate(
            actor=manager,
            drill=drill,
            evaluation="中控室响应迅速、职责清单执行完整；警戒组、技术组响应偏慢，需加强培训。",
            score=82,
        )
        services.incident_close(actor=manager, incident=incident)
        # And next year's: the yearly fire drill is planned.
        services.drill_plan(
            actor=manager,
            data={
                "project_id": project.pk,
                "plan_id": fire.pk,
                "planned_for": timezone.localdate() + datetime.timedelta(days=30),
                "level": 2,
            },
        )
    return 2


def _power_equipment(project) -> list[int]:
    """An item of the ledger (供配电) for the demo power cut, if facilities seeded one."""
    item = (
        Equipment.objects.filter(project=project)
        .filter(Q(type__name="供配电") | Q(type__parent__name="供配电"))
        .order_by("code")
        .first()
    )
    return [item.pk] if item else []


def _past_power_cut(company, project, staff, rng) -> int:
    manager, security, head, desk = (staff[u].user for u in ("manager", "security", "head", "desk"))
    building = Building.objects.filter(project=project).order_by("name").first()
    if building is None:
        return 0
    top = max(building.floors_above, 1)
    day = timezone.localdate() - datetime.timedelta(days=21)
    clock = _Clock(timezone.make_aware(datetime.datetime.combine(day, datetime.time(22, 40))))
    with mock.patch.object(common, "_now", clock):
        incident = services.incident_open(
            actor=security,
            data={
                "project_id": project.pk,
                "kind": "power_cut",
                "level": 1,
                "building_id": building.pk,
                "floor_from": min(3, top),
                "floor_to": min(4, top),
                "description": "整层停电，走廊应急灯已亮",
                "equipment_involved": "楼层配电箱主开关",
                "equipment_ids": _power_equipment(project),
            },
        )
        clock.tick(minutes=1)
        services.incident_acknowledge(actor=security, incident=incident)
        for item in incident.checklist.filter(position=Position.CONTROL_ROOM).order_by("order")[:3]:
            clock.tick(minutes=1)
            services.checklist_tick(actor=security, incident=incident, item_id=item.pk)
        clock.tick(minutes=6)
        services.incident_acknowledge(actor=head, incident=incident)
        for item in incident.checklist.filter(position=Position.ENGINEERING_DEPT).order_by("order")[:2]:
            clock.tick(minutes=8)
            services.checklist_tick(actor=head, incident=incident, item_id=item.pk)
        services.incident_log_add(
            actor=head, incident=incident, text="楼层配电箱主开关烧蚀，已更换", photo=_png(), evidence=True
        )
        clock.tick(minutes=40)
        services.incident_start_aftermath(actor=security, incident=incident)
        clock.tick(hours=10)
        for call in FollowUpCall.objects.filter(incident=incident):
            clock.tick(minutes=3)
            result = rng.choices([CallResult.DONE, CallResult.UNREACHABLE, CallResult.DECLINED], [8, 2, 1])[0]
            services.call_record(actor=desk, call=call, result=result, note="")
        services.report_write(
            actor=head,
            incident=incident,
            body="22:40 停电，原因：楼层配电箱主开关烧蚀。23:35 更换后恢复供电，无人员受困。",
        )
        clock.tick(hours=1)
        services.report_approve(actor=manager, incident=incident)
        services.statement_issue(
            actor=manager,
            incident=incident,
            body=f"昨晚{building.name}部分楼层因配电箱故障停电约一小时，已修复，给您带来不便深表歉意。",
        )
        services.incident_close(actor=manager, incident=incident)
    return 1
