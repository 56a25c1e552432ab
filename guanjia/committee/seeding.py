"""Demo data of the committee app, in the company's first residential project: a committee of five
owners in office, a meeting with its minutes and two resolutions (one late), three owners' votes —
one closed that failed on participation, one closed that passed, one open in which the demo owner
(``resident``) can still vote — and the suggestion box with an answered and a waiting suggestion."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from guanjia.accounts.models import User
from guanjia.committee import services
from guanjia.committee.choices import BallotChannel, BallotChoice, MemberRole
from guanjia.committee.models import Ballot, CommitteeMember, Resolution, Vote, VoteElector
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Role
from guanjia.estates.choices import ProjectKind, Relation
from guanjia.estates.models import Occupancy, Project
from guanjia.staff.models import StaffMember

EMPTY = {"committee_members": 0, "votes": 0, "ballots": 0, "suggestions": 0}


def _staff(company, project, role):
    staff = StaffMember.objects.filter(company=company, projects=project, deleted_at__isnull=True).with_role(
        role
    )
    return staff.select_related("user").order_by("id").first()


def _paper_ballots(vote: Vote, recorder, *, share: float, yes: float, rng: random.Random) -> int:
    """Ballots for ``share`` of the units, ``yes`` of them for, recorded as paper ballots (in bulk:
    thousands of units; each row journaled)."""
    electors = list(VoteElector.objects.filter(vote=vote).prefetch_related("voters").order_by("id"))
    chosen = [e for e in electors if rng.random() < share and e.voters.all()]
    when = vote.starts_at + datetime.timedelta(hours=2)
    ballots = [
        Ballot(
            company_id=vote.company_id,
            project_id=vote.project_id,
            vote=vote,
            elector=e,
            unit_id=e.unit_id,
            choice=BallotChoice.FOR
            if rng.random() < yes
            else rng.choice([BallotChoice.AGAINST, BallotChoice.ABSTAIN]),
            channel=BallotChannel.PAPER,
            cast_by_id=e.voters.all()[0].resident_id,
            recorded_by=recorder,
            cast_at=when + datetime.timedelta(minutes=i),
        )
        for i, e in enumerate(chosen)
    ]
    Ballot.objects.bulk_create(ballots, batch_size=500)
    journal_bulk_create(ballots)
    return len(ballots)


def _closed_vote(manager, desk, project, data, *, share, yes, rng, days_ago) -> int:
    now = timezone.now()
    vote = services.vote_create(
        actor=manager,
        project=project,
        data={
            **data,
            "starts_at": now - datetime.timedelta(days=days_ago),
            "ends_at": now + datetime.timedelta(days=1),
        },
    )
    services.vote_open(actor=manager, vote=vote)
    count = _paper_ballots(vote, desk, share=share, yes=yes, rng=rng)
    Vote.objects.filter(pk=vote.pk).update(ends_at=now - datetime.timedelta(days=days_ago - 7))
    vote.refresh_from_db()
    services.vote_close(actor=manager, vote=vote)
    return count


def seed_demo_committee(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when the company has a committee."""
    if CommitteeMember.objects.filter(company=company).exists():
        return dict(EMPTY)
    project = Project.objects.filter(company=company, kind=ProjectKind.RESIDENTIAL).order_by("id").first()
    manager = _staff(company, project, Role.PROJECT_MANAGER) if project else None
    desk = _staff(company, project, Role.DESK) if project else None
    if manager is None or desk is None:
        return dict(EMPTY)
    manager, desk = manager.user, desk.user
    today = timezone.localdate()
    owners = list(
        Occupancy.objects.current()
        .filter(project=project, relation=Relation.OWNER)
        .order_by("id")
        .values_list("resident_id", flat=True)
    )
    owners = list(dict.fromkeys(owners))[:5]
    roles = [MemberRole.CHAIR, MemberRole.VICE, MemberRole.MEMBER, MemberRole.MEMBER, MemberRole.MEMBER]
    members = [
        services.member_add(
            actor=manager,
            project=project,
            data={
                "resident_id": resident_id,
                "role": role,
                "term_start": today - datetime.timedelta(days=400),
                "term_end": today + datetime.timedelta(days=1425),
            },
        )
        for resident_id, role in zip(owners, roles, strict=False)
    ]
    now = timezone.now()
    meeting = services.meeting_create(
        actor=manager,
        project=project,
        data={
            "title": "业委会第 12 次例会",
            "held_at": now - datetime.timedelta(days=10),
            "place": "物业服务中心二楼会议室",
            "agenda": "1. 地下车库照明改造方案\n2. 门禁系统更换的业主表决安排\n3. 物业服务季度报告",
        },
    )
    services.meeting_update(
        actor=manager,
        meeting=meeting,
        data={
            "minutes": "一、同意物业提交的车库照明改造方案，由物业工程部在两周内报价。\n"
            "二、门禁系统更换事项提交全体业主表决。\n三、物业服务季度报告无异议。",
            "attendee_ids": [m.pk for m in members[:4]],
        },
    )
    engineering = _staff(company, project, Role.DEPARTMENT_HEAD) or StaffMember.objects.get(user=manager)
    late = services.resolution_create(
        actor=manager,
        project=project,
        data={
            "title": "车库照明改造报价",
            "meeting_id": meeting.pk,
            "owner_staff_id": engineering.pk,
            "due_at": now + datetime.timedelta(minutes=1),
        },
    )
    Resolution.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(days=1))
    if members:
        services.resolution_create(
            actor=manager,
            project=project,
            data={
                "title": "张贴门禁表决公告并上门发放纸质表决票",
                "meeting_id": meeting.pk,
                "owner_member_id": members[0].pk,
                "due_at": now + datetime.timedelta(days=5),
            },
        )
    ballots = _closed_vote(
        manager,
        desk,
        project,
        {
            "title": "增设电动自行车集中充电棚",
            "question": "是否同意在 3 号楼北侧绿地旁增设电动自行车集中充电棚？",
        },
        share=0.45,
        yes=0.8,
        rng=rng,
        days_ago=40,
    )
    ballots += _closed_vote(
        manager,
        desk,
        project,
        {"title": "续聘物业服务企业", "question": "是否同意续聘本物业服务企业，服务期三年？"},
        share=0.8,
        yes=0.75,
        rng=rng,
        days_ago=20,
    )
    current = services.vote_create(
        actor=manager,
        project=project,
        data={
            "title": "更换小区门禁系统",
            "question": "是否同意使用公共收益约 38 万元更换小区门禁系统（人脸识别 + 刷卡）？",
            "starts_at": now - datetime.timedelta(days=1),
            "ends_at": now + datetime.timedelta(days=13),
        },
    )
    services.vote_open(actor=manager, vote=current)
    suggestions = _suggestions(company, project, desk)
    return {"committee_members": len(members), "votes": 3, "ballots": ballots, "suggestions": suggestions}


def _suggestions(company, project, desk) -> int:
    people = list(
        User.objects.filter(company=company, resident__isnull=False, resident__occupancies__project=project)
        .distinct()
        .order_by("id")[:2]
    )
    if not people:
        return 0
    first = services.suggestion_submit(
        actor=people[0], data={"body": "建议在儿童游乐区加装遮阳棚，夏天滑梯太烫。", "public": True}
    )
    services.suggestion_answer(
        actor=desk,
        suggestion=first,
        answer="感谢建议！遮阳棚已列入下月公共设施改造计划，预计 6 月底前完成安装。",
        public=True,
    )
    services.suggestion_submit(
        actor=people[-1], data={"body": "晚上 10 点后广场舞音响仍然很响，希望物业协调。", "public": False}
    )
    return 2
