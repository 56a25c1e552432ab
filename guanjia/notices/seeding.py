"""Demo data of notices: two months of regular publication per project (the weekly tip, the monthly fee
notice) for the calendar, today's water outage in one building with most households having read it
(the butler's unread list), a power cut scheduled for tomorrow, a draft, the company's pinned house
rules, and the service team's cards."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates.models import Building, Occupancy, Project
from guanjia.notices import selectors, services
from guanjia.notices.models import Notice, NoticeRead, ServiceCard
from guanjia.staff.models import StaffMember

CARD_TITLES = {
    Role.BUTLER: ("楼栋管家", "每天 8:30-18:00，急事 24 小时"),
    Role.DESK: ("客服前台", "24 小时"),
    Role.PROJECT_MANAGER: ("项目经理", "工作日 9:00-17:30"),
    Role.DEPARTMENT_HEAD: ("部门主管", "工作日 9:00-17:30"),
}


def _first(company, role, project=None):
    staff = StaffMember.objects.filter(company=company, deleted_at__isnull=True).with_role(role)
    if project is not None:
        staff = staff.filter(projects=project)
    return staff.select_related("user").order_by("id").first()


def _backdate(notice: Notice, when: datetime.datetime) -> None:
    Notice.objects.filter(pk=notice.pk).update(
        published_at=when, pushed_at=when if notice.is_urgent else None
    )


def seed_demo_notices(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when the company has notices."""
    if Notice.objects.filter(company=company).exists():
        return {"notices": 0, "notice_reads": 0, "service_cards": 0}
    hq = _first(company, Role.COMPANY_ADMIN)
    if hq is None:
        return {"notices": 0, "notice_reads": 0, "service_cards": 0}
    now = timezone.now()
    count = 0
    rules = services.notice_create(
        actor=hq.user,
        data={
            "kind": "rules",
            "title": "《装修管理规定》（2026 年修订）",
            "body": "装修施工时间：工作日 8:00-12:00、14:00-18:00，周末及节假日禁止产生噪声的施工。\n"
            "装修前请到客服中心办理装修登记，缴纳装修押金。",
            "pinned": True,
        },
    )
    services.notice_publish(actor=hq.user, notice=rules)
    _backdate(rules, now - datetime.timedelta(days=40))
    count += 1
    reads = 0
    for project in Project.objects.filter(company=company).order_by("id"):
        manager = _first(company, Role.PROJECT_MANAGER, project) or hq
        # Two months of regular publication: the weekly tip on Mondays, the fee notice on the 1st.
        today = timezone.localdate()
        for weeks in range(1, 9):
            day = today - datetime.timedelta(days=today.weekday() + 7 * weeks)
            tip = services.notice_create(
                actor=manager.user,
                data={
                    "kind": "tip",
                    "title": f"温馨提示（{day:%m月%d日}）",
                    "body": rng.choice(
                        [
                            "天气转凉，请关好门窗，出门随手关闭燃气阀门。",
                            "请勿高空抛物，违者将依法追究责任。",
                            "电动车请在指定区域充电，切勿带入电梯和楼道。",
                            "本周末进行园区绿化修剪，请照看好小孩和宠物。",
                        ]
                    ),
                    "project_id": project.pk,
                },
            )
            services.notice_publish(actor=manager.user, notice=tip)
            _backdate(tip, timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0))))
            count += 1
        for months in (1, 2):
            first = (today.replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
            fee = services.notice_create(
                actor=manager.user,
                data={
                    "kind": "fee",
                    "title": f"{first:%Y年%m月}物业费缴费通知",
                    "body": "本月物业费账单已生成，可在业主端“缴费”中在线缴纳，或到客服中心缴纳。",
                    "project_id": project.pk,
                },
            )
            services.notice_publish(actor=manager.user, notice=fee)
            _backdate(fee, timezone.make_aware(datetime.datetime.combine(first, datetime.time(10, 0))))
            count += 1
        building = Building.objects.filter(project=project).order_by("sort_key", "id").first()
        if building is None:
            continue
        outage = services.notice_create(
            actor=manager.user,
            data={
                "kind": "outage_water",
                "title": f"{building.name}今日 13:00-17:00 停水通知",
                "body": "因二次供水水箱清洗，今日 13:00-17:00 停水，请提前储水。恢复供水初期水质可能浑浊，请放水片刻后使用。",
                "project_id": project.pk,
                "building_id": building.pk,
                "expires_at": now + datetime.timedelta(days=1),
            },
        )
        services.notice_publish(actor=manager.user, notice=outage)
        Notice.objects.filter(pk=outage.pk).update(published_at=now - datetime.timedelta(hours=3))
        count += 1
        # Most households have read it; the rest are the butler's calls.
        units = list(selectors.addressed_units(outage).order_by("id").values_list("id", flat=True))
        readers = dict(
            Occupancy.objects.current()
            .filter(unit_id__in=units)
            .order_by("-id")
            .values_list("unit_id", "resident_id")
        )
        receipts = [
            NoticeRead(
                company=company,
                notice=outage,
                unit_id=unit_id,
                resident_id=readers[unit_id],
                read_at=now - datetime.timedelta(minutes=rng.randint(5, 170)),
            )
            for unit_id in units
            if unit_id in readers and rng.random() < 0.7
        ]
        NoticeRead.objects.bulk_create(receipts)
        reads += len(receipts)
        power = services.notice_create(
            actor=manager.user,
            data={
                "kind": "outage_power",
                "title": "明日 9:00-11:00 配电房检修停电",
                "body": "配电房年度检修，明日 9:00-11:00 全小区停电，电梯同时停运，请合理安排出行。",
                "project_id": project.pk,
            },
        )
        services.notice_publish(
            actor=manager.user, notice=power, publish_at=now + datetime.timedelta(hours=18)
        )
        services.notice_create(
            actor=manager.user,
            data={
                "kind": "event",
                "title": "周末便民服务日（草稿）",
                "body": "磨刀、家电维修、旧物回收。",
                "project_id": project.pk,
            },
        )
        count += 2
    cards = 0
    for role, (title, hours) in CARD_TITLES.items():
        for staff in (
            StaffMember.objects.filter(company=company, deleted_at__isnull=True)
            .with_role(role)
            .order_by("id")
        ):
            if ServiceCard.objects.filter(staff=staff).exists():
                continue
            services.card_save(
                actor=hq.user,
                staff=staff,
                data={
                    "title": title,
                    "phone": staff.phone or "0571-88886000",
                    "hours": hours,
                    "intro": "有事请找我，随时为您服务。" if role == Role.BUTLER else "",
                    "order": list(CARD_TITLES).index(role) * 10,
                },
            )
            cards += 1
    return {"notices": count, "notice_reads": reads, "service_cards": cards}
