"""Demo data of staff evaluation, called by `manage.py seed_demo` after the staff and requests exist.

Two complaints that name the person they are against; last quarter's ranking sheets (金苑小区's
reviewed and published by HQ quality, 金苑大厦's left as a draft); last quarter's service stars; and
the training seed 001 describes (全员参加"红十字会"急救培训) plus trade courses; and rewards and
penalties (奖惩) the engineering head proposed: two approved, one rejected, one waiting on the project
manager. Everything goes through the services. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from guanjia.estates.models import Project
from guanjia.evaluation import rewards, services
from guanjia.evaluation.choices import AwardKind, EvidenceKind, RewardKind, TrainingResult
from guanjia.evaluation.models import (
    RankingRow,
    RankingSheet,
    RewardPenalty,
    StaffAward,
    TrainingRecord,
    quarter_bounds,
    quarter_of,
)
from guanjia.staff.models import StaffMember
from guanjia.tickets import services as tickets
from guanjia.tickets.choices import Channel, Kind
from guanjia.tickets.models import Ticket

# username of the person complained about, description
COMPLAINTS = [
    ("tech", "维修师傅上门未穿鞋套，弄脏地板，态度生硬"),
    ("butler2", "管家答应当天回电，三天没有消息"),
]
# project code, kind, username, citation
AWARDS = [
    ("JY", AwardKind.SERVICE_STAR, "butler", "本季度受理报事 160 余件，回访满意率 100%，业主送来锦旗一面"),
    ("JY", AwardKind.SMILE_AMBASSADOR, "desk", "前台接待耐心细致，主动为老人代办缴费、借用轮椅"),
    ("JY", AwardKind.TECHNICAL_EXPERT, "tech2", "雨季连夜排除 3 号楼电梯进水故障，无人员受困"),
    ("JD", AwardKind.SERVICE_STAR, "jd_desk", "写字楼客户满意度调查得分全项目第一"),
]
# course, trainer, hours, usernames, day offset (days before today)
TRAININGS = [
    ("红十字会急救培训（理论 + 实操考核）", "市红十字会", "8.00", ["desk", "butler", "butler2", "security", "security2", "tech", "cleaning"], 75),
    ("消防设施操作与初起火灾扑救", "区消防救援站", "4.00", ["security", "security2", "tech", "tech2"], 40),
    ("电梯困人救援", "电梯维保单位", "3.00", ["tech", "tech2", "security"], 20),
    ("客户服务礼仪与投诉处理", "品质部", "2.50", ["desk", "butler", "butler2", "butler3", "butler4"], 10),
]  # fmt: skip


def seed_demo_staff_evaluation(company, *, rng: random.Random) -> dict[str, int]:
    staff = {m.user.username: m for m in StaffMember.objects.filter(company=company).select_related("user")}
    counts = {"complaints_named": 0, "ranking_sheets": 0, "awards": 0, "trainings": 0, "rewards": 0}
    today = timezone.localdate()
    last = quarter_of(quarter_bounds(quarter_of(today))[0] - datetime.timedelta(days=1))
    projects = {p.code: p for p in Project.objects.filter(company=company)}
    desk, quality, manager = staff.get("desk"), staff.get("quality"), staff.get("manager")
    if desk is None or quality is None or manager is None or "JY" not in projects:
        return counts

    if not Ticket.objects.filter(company=company, subject_staff__isnull=False).exists():
        start, _end = quarter_bounds(last)
        for index, (username, text) in enumerate(COMPLAINTS):
            member = staff.get(username)
            if member is None:
                continue
            moment = timezone.make_aware(
                datetime.datetime.combine(start, datetime.time(10))
            ) + datetime.timedelta(days=20 + 25 * index)
            with mock.patch.object(tickets, "_now", lambda moment=moment: moment):
                tickets.ticket_create(
                    actor=desk.user,
                    data={
                        "kind": Kind.COMPLAINT,
                        "channel": Channel.PHONE,
                        "project_id": projects["JY"].pk,
                        "location": "客服中心",
                        "description": text,
                        "subject_staff_id": member.pk,
                        "auto_dispatch": False,
                    },
                )
            counts["complaints_named"] += 1

    for code, reviewer, publisher in (("JY", manager, quality), ("JD", staff.get("jd_manager"), None)):
        project = projects.get(code)
        if (
            project is None
            or reviewer is None
            or RankingSheet.objects.filter(project=project, quarter=last).exists()
        ):
            continue
        sheet = services.ranking_draft(actor=reviewer.user, project=project, quarter=last)
        counts["ranking_sheets"] += 1
        for row in RankingRow.objects.filter(sheet=sheet, most_complained=True):
            services.ranking_remark(
                actor=reviewer.user, row=row, remark="本季度被投诉最多，已面谈，下季度重点跟进"
            )
        if publisher is not None:
            services.ranking_publish(actor=publisher.user, sheet=sheet, note="供季度考核面谈参考")

    for code, kind, username, citation in AWARDS:
        project, member = projects.get(code), staff.get(username)
        if project is None or member is None:
            continue
        if StaffAward.objects.filter(project=project, kind=kind, period=last).exists():
            continue
        services.award_create(
            actor=(manager if code == "JY" else quality).user,
            data={
                "project_id": project.pk,
                "kind": kind,
                "period": last,
                "staff_id": member.pk,
                "citation": citation,
            },
        )
        counts["awards"] += 1

    if not TrainingRecord.objects.filter(company=company).exists():
        for course, trainer, hours, usernames, days_ago in TRAININGS:
            for username in usernames:
                member = staff.get(username)
                if member is None:
                    continue
                failed = rng.random() < 0.08
                services.training_create(
                    actor=quality.user,
                    data={
                        "staff_id": member.pk,
                        "course": course,
                        "trained_on": today - datetime.timedelta(days=days_ago),
                        "hours": Decimal(hours),
                        "result": TrainingResult.FAILED if failed else TrainingResult.PASSED,
                        "trainer": trainer,
                    },
                )
                counts["trainings"] += 1
    counts["rewards"] = _seed_rewards(company, staff, projects.get("JY"), last)
    return counts


def _seed_rewards(company, staff: dict, project, last: str) -> int:
    """The engineering head's proposals at 金苑小区: a reward for last quarter's technical expert and a
    penalty for the named complaint (approved by the manager), a penalty rejected for lack of
    evidence, and a reward for the repair praised by a resident still waiting on the manager."""
    head, manager = staff.get("head"), staff.get("manager")
    tech, tech2 = staff.get("tech"), staff.get("tech2")
    if (
        None in (project, head, manager, tech, tech2)
        or RewardPenalty.objects.filter(company=company).exists()
    ):
        return 0
    last_day = quarter_bounds(last)[1]

    def evidence(member, kind):
        found = rewards.evidence_candidates(head.user, project, member)[kind].first()
        return [{"kind": kind, "id": found.pk}] if found else []

    complaint = evidence(tech, EvidenceKind.COMPLAINT)
    proposals = [
        (tech2, RewardKind.REWARD, "雨季连夜排除电梯进水故障，评为本季度技术能手", "500", 5,
         evidence(tech2, EvidenceKind.AWARD) + evidence(tech2, EvidenceKind.RANKING), "approve"),
        (tech, RewardKind.PENALTY, "上门维修未穿鞋套、态度生硬，业主指名投诉", "100", 2,
         complaint + evidence(tech, EvidenceKind.RANKING), "approve"),
        (tech2, RewardKind.PENALTY, "工具间未上锁", None, 1, [], "reject"),
        (tech, RewardKind.REWARD, "主动为独居老人免费疏通下水", None, 2, [], None),
    ]  # fmt: skip
    for member, kind, reason, amount, points, proof, decision in proposals:
        record = rewards.reward_propose(
            actor=head.user,
            data={
                "project_id": project.pk,
                "staff_id": member.pk,
                "kind": kind,
                "reason": reason,
                "occurred_on": last_day if decision else timezone.localdate(),
                "amount": amount,
                "points": points,
                "evidence": proof,
            },
        )
        if decision == "approve":
            rewards.reward_approve(actor=manager.user, record=record, note="同意，记入员工档案")
        elif decision == "reject":
            rewards.reward_reject(actor=manager.user, record=record, note="无记录可依，请先补充巡查记录")
    return len(proposals)
