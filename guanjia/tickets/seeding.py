"""Demo service requests: a few hundred, in every state, laid out over the last four months.

Unlike the estates seeding (bulk rows), requests are made through the real services
(``ticket_create`` / ``ticket_act``), so every demo request has a timeline, stage moments and
journal entries exactly like one made by hand. The past is laid out by moving the services'
clock (``services._now``) from step to step: a desk receives a leak at 21:40, dispatches it ten
minutes later, the technician accepts, arrives within the hour, and the butler calls back the
next morning. Demo history is not news: no notifications are sent while seeding.
"""

from __future__ import annotations

import datetime
import random
from unittest import mock

from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy, Project, Unit
from guanjia.staff.models import StaffMember
from guanjia.tickets import services
from guanjia.tickets.choices import DESK_KINDS, FEEDBACK_KINDS, Action, Channel, Kind, Priority, Status
from guanjia.tickets.models import PaidService, Ticket, TicketCategory

DAYS_BACK = 120
S = Status

# What residents actually say, per category (child category names of choices.DEFAULT_CATEGORIES).
DESCRIPTIONS = {
    "漏水": ["厨房水槽下面的水管漏水，地上都是水", "卫生间天花板在滴水，可能是楼上漏的", "阳台地漏往上返水"],
    "停水": ["家里突然没水了，邻居家也没有", "水压很小，热水器打不着火"],
    "停电": ["家里整户停电，电表箱看着正常", "一半插座没电了"],
    "跳闸": ["一开空调就跳闸", "厨房插座一用电饭煲就跳闸"],
    "灯具": ["客厅吸顶灯不亮了，换了灯泡也不行", "楼道感应灯坏了，晚上很黑"],
    "门锁": ["入户门锁芯坏了，钥匙拧不动", "卧室门把手掉了"],
    "窗户": ["主卧窗户关不严，下雨往里渗水", "窗户合页松了，推拉很费劲"],
    "门禁": ["单元门禁刷卡没反应", "门禁对讲机听不到声音"],
    "困人": ["电梯困人！2号梯停在8楼和9楼之间", "电梯门打不开，里面有老人"],
    "故障": ["电梯按钮失灵，按了不亮", "电梯经常停在一楼不动"],
    "异响": ["电梯运行时有咯噔咯噔的声音", "电梯上行时晃得厉害，有异响"],
    "马桶": ["马桶堵了，冲不下去", "马桶水箱一直在流水"],
    "下水道": ["厨房下水道堵了，水下不去", "洗手盆下水很慢，有异味"],
    "地漏": ["卫生间地漏返臭味", "淋浴房地漏堵了，洗澡积水"],
    "垃圾": ["楼下垃圾桶满了没人清，味道很大", "楼道里有人堆放装修垃圾"],
    "楼道卫生": ["楼道好几天没拖了，很脏", "楼梯扶手上全是灰"],
    "外墙": ["外墙瓷砖有松动，怕掉下来砸到人", "外墙有大片水渍"],
    "修剪": ["楼前的树枝挡住了窗户，麻烦修剪一下", "草坪太长了，蚊子多"],
    "病虫害": ["小区桂花树上有很多虫子", "绿化带里有白蚁"],
    "装修噪音": ["楼上中午12点还在电钻装修", "隔壁周末早上7点就开始装修"],
    "设备噪音": ["楼顶水泵房晚上嗡嗡响，睡不着", "空调外机噪音太大"],
    "邻里噪音": ["楼上每天晚上11点以后还在跑跳", "邻居家狗一直叫"],
    "车位占用": ["我的车位被别人的车占了", "消防通道上长期停着一辆车"],
    "道闸": ["车库道闸识别不了我的车牌", "出口道闸抬杆很慢，排长队"],
    "消防": ["楼道灭火器过期了", "消防通道被杂物堵住了"],
    "可疑人员": ["有陌生人在单元门口挨家敲门推销", "晚上有人在地下车库转悠"],
    "高空抛物": ["楼上有人往下扔烟头", "阳台上掉下来一个花盆，差点砸到人"],
    "健身器材": ["小区健身器材的单杠松动了", "跑步机坏了"],
    "路灯": ["小区东门路灯不亮了", "3号楼前面的路灯一闪一闪的"],
    "监控": ["车库B区的监控好像坏了", "单元门口监控被树挡住了"],
    "服务态度": ["前台工作人员态度很不耐烦", "保安对访客说话很冲"],
    "其他": ["请问物业费可以开电子发票吗？", "快递柜能不能再加一组？", "小区什么时候安排消杀？"],
}
PRAISE = ["张师傅修水管又快又好，特别感谢", "管家小李帮忙联系开锁，非常负责", "保安大哥帮老人把东西搬上楼"]
SUGGESTIONS = ["建议在2号楼旁边加几个自行车棚", "建议儿童游乐区铺上软垫", "建议夏天延长泳池开放时间"]
INQUIRIES = ["请问物业费可以开电子发票吗？", "小区什么时候停水检修？", "装修需要办理什么手续？"]
RESOLUTIONS = {
    "水电": ["更换三通接头，试水无渗漏", "更换空气开关，线路检测正常", "更换灯具镇流器，已恢复照明"],
    "门窗": ["更换锁芯并交付两把新钥匙", "调整合页并更换密封条", "重置门禁控制器，刷卡正常"],
    "电梯": ["维保单位到场放人，电梯已恢复运行", "更换导靴，异响消除", "重新校准平层，试运行正常"],
    "管道疏通": ["疏通管道，清出毛发及杂物", "更换马桶进水阀", "清理地漏并加装防臭芯"],
    "保洁": ["已安排保洁清理并加强巡查", "已清运装修垃圾，通知业主规范堆放"],
    "绿化": ["已修剪枝叶", "已喷药除虫，一周后复查"],
    "噪音": ["已上门提醒装修时间规定，业主表示配合", "已调整水泵减震垫，噪音明显降低"],
    "停车": ["已联系车主挪车", "重新录入车牌，道闸识别正常"],
    "安全": ["已更换灭火器并清理通道", "秩序部已加强巡逻"],
    "服务态度": ["已约谈相关员工并向业主致歉"],
    "公共设施": ["已紧固器材螺栓", "已更换路灯灯头", "已调整监控角度"],
    "其他": ["已电话答复业主"],
}
# A praise is answered, not mended: one line, so the generator draws as for a complaint's one line.
PRAISE_RESOLUTIONS = ["已将业主的表扬转达本人，并在班组例会上通报"]
PLACES = ["1单元电梯厅", "地下车库B区", "东门岗亭旁", "2单元楼道", "中心花园", "楼顶水泵房", "南门道闸"]
CATEGORIES_BY_KIND = {
    Kind.HOME_REPAIR: ["漏水", "停水", "停电", "跳闸", "灯具", "门锁", "窗户", "马桶", "下水道", "地漏"],
    Kind.COMMON_REPAIR: ["门禁", "困人", "故障", "异响", "道闸", "路灯", "监控", "健身器材", "消防"],
    Kind.PATROL: ["楼道卫生", "外墙", "修剪", "病虫害", "消防", "路灯", "健身器材", "垃圾"],
    Kind.COMPLAINT: ["装修噪音", "设备噪音", "邻里噪音", "车位占用", "服务态度", "高空抛物", "垃圾", "可疑人员"],
    Kind.INQUIRY: ["其他"],
    Kind.SUGGESTION: ["其他"],
    Kind.PRAISE: ["服务态度"],
}  # fmt: skip
KIND_WEIGHTS = {
    Kind.HOME_REPAIR: 40,
    Kind.COMMON_REPAIR: 18,
    Kind.PATROL: 10,
    Kind.COMPLAINT: 14,
    Kind.INQUIRY: 8,
    Kind.SUGGESTION: 5,
    Kind.PRAISE: 5,
}
# Where requests end up; most are long closed, a working day's worth are still moving.
STATUS_WEIGHTS = {
    S.CLOSED: 46,
    S.CANCELLED: 5,
    S.FOLLOWED_UP: 6,
    S.COMPLETED: 7,
    S.RECEIVED: 7,
    S.DISPATCHED: 6,
    S.ACCEPTED: 5,
    S.ON_SITE: 4,
    S.ON_HOLD: 6,
    S.REWORK: 5,
}
# How many days back a request in that state was received, at most.
AGE_DAYS = {S.RECEIVED: 2, S.DISPATCHED: 2, S.ACCEPTED: 3, S.ON_SITE: 3, S.COMPLETED: 6, S.FOLLOWED_UP: 12}
M = datetime.timedelta(minutes=1)


class _People:
    """The staff of one project by role, as user objects (their scopes are cached on them)."""

    def __init__(self, project: Project):
        members = StaffMember.objects.filter(projects=project, deleted_at__isnull=True).select_related("user")

        def users(role):
            return [m.user for m in members.with_role(role).order_by("id")]

        self.staff_ids = {m.user_id: m.pk for m in members}
        self.desk = users(Role.DESK) or users(Role.BUTLER)
        self.butlers = users(Role.BUTLER) or self.desk
        self.technicians = users(Role.TECHNICIAN)
        self.heads = users(Role.DEPARTMENT_HEAD) or users(Role.PROJECT_MANAGER)
        self.patrol = users(Role.SECURITY) + users(Role.CLEANING) + self.technicians
        hq = StaffMember.objects.filter(company_id=project.company_id, deleted_at__isnull=True)
        self.hq = [m.user for m in hq.with_role(Role.HQ_CENTER).select_related("user").order_by("id")]


def seed_demo_tickets(company, *, count: int = 300, rng: random.Random) -> int:
    """Create ``count`` requests for the company's projects through the services; idempotent.

    Returns how many were created (0 when the company already has requests)."""
    if Ticket.objects.filter(company=company).exists():
        return 0
    services.company_defaults_ensure(company=company)
    projects = list(Project.objects.filter(company=company).order_by("id"))
    crews = {p.pk: _People(p) for p in projects}
    projects = [p for p in projects if crews[p.pk].desk and crews[p.pk].technicians]
    categories = {c.name: c for c in TicketCategory.objects.filter(company=company, parent__isnull=False)}
    categories.update(
        {c.name: c for c in TicketCategory.objects.filter(company=company, parent__isnull=True)}
    )
    paid = list(PaidService.objects.filter(company=company, is_active=True).order_by("id"))
    homes = {}
    for p in projects:
        lived_in = dict(
            Occupancy.objects.filter(project=p).order_by("id").values_list("unit_id", "resident_id")
        )
        units = (
            Unit.objects.filter(project=p, pk__in=list(lived_in)).select_related("building").order_by("id")
        )
        homes[p.pk] = [(u, lived_in[u.pk]) for u in units]
    # Residents with a login report through the portal themselves (the demo's resident logins).
    resident_users = {
        o.resident_id: o.resident.user
        for o in Occupancy.objects.filter(project__in=projects, resident__user__isnull=False).select_related(
            "resident__user"
        )
    }
    now = timezone.now()
    plans = []
    statuses, kinds = list(STATUS_WEIGHTS), list(KIND_WEIGHTS)
    for i in range(count):
        # Every state and every kind appears even in a small seed; then realistic proportions.
        status = statuses[i] if i < len(statuses) else rng.choices(statuses, list(STATUS_WEIGHTS.values()))[0]
        kind = (
            kinds[i % len(kinds)]
            if i < 2 * len(kinds)
            else rng.choices(kinds, list(KIND_WEIGHTS.values()))[0]
        )
        project = projects[0] if len(projects) == 1 or rng.random() < 0.8 else rng.choice(projects[1:])
        days = rng.uniform(0.05, AGE_DAYS.get(status, DAYS_BACK))
        day = timezone.localtime(now - datetime.timedelta(days=days)).replace(
            minute=0, second=0, microsecond=0
        )
        hour = rng.choices(
            range(24), [1, 1, 1, 1, 1, 1, 2, 5, 8, 9, 8, 7, 5, 6, 7, 7, 7, 7, 8, 9, 10, 8, 5, 2]
        )[0]
        received = day.replace(hour=hour) + rng.randrange(60) * M
        plans.append((received, status, kind, project))
    plans.sort(key=lambda p: p[0])  # numbers run in the order requests came in
    clock = {"now": now}
    made = 0
    with (
        mock.patch.object(services, "_now", lambda: clock["now"]),
        mock.patch.object(services, "_announce", lambda event: None),
    ):
        for index, (received, status, kind, project) in enumerate(plans):
            maker = _Maker(
                rng, clock, now, crews[project.pk], categories, paid, homes[project.pk], resident_users, index
            )
            maker.make(project, received, status, kind)
            made += 1
    return made


class _Maker:
    """Lays out one request's life: each step a realistic while after the one before."""

    def __init__(self, rng, clock, now, crew, categories, paid, homes, resident_users, index):
        self.rng, self.clock, self.real_now, self.crew = rng, clock, now, crew
        self.categories, self.paid, self.homes, self.resident_users = categories, paid, homes, resident_users
        self.index = index

    def at(self, when):
        # Never in the future: a step that would land after now happens "just now" instead.
        self.clock["now"] = min(when, self.real_now - M)
        return self.clock["now"]

    def later(self, low, high):
        return self.at(self.clock["now"] + self.rng.uniform(low, high) * M)

    def act(self, actor, action, **data):
        self.ticket = services.ticket_act(actor=actor, ticket=self.ticket, action=action, data=data)

    def staff_id(self, user):
        return self.crew.staff_ids.get(user.pk) or StaffMember.objects.get(user=user).pk

    def make(self, project, received, status, kind):
        rng, crew = self.rng, self.crew
        self.at(received)
        category_name = rng.choice(CATEGORIES_BY_KIND[kind])
        if kind == Kind.PRAISE:
            description = rng.choice(PRAISE)
        elif kind == Kind.SUGGESTION:
            description = rng.choice(SUGGESTIONS)
        elif kind == Kind.INQUIRY:
            description = rng.choice(INQUIRIES)
        else:
            description = rng.choice(DESCRIPTIONS[category_name])
        # The demo residents (those with a login) report often enough to have a history to follow.
        own = [h for h in self.homes if h[1] in self.resident_users]
        pool = own if own and self.index % 5 == 0 else self.homes
        unit, resident_id = rng.choice(pool) if pool else (None, None)
        data = {
            "kind": kind,
            "category_id": self.categories[category_name].pk,
            "description": description,
            "priority": Priority.URGENT
            if category_name in ("困人", "漏水", "停电") and rng.random() < 0.6
            else "",
        }
        resident_user = self.resident_users.get(resident_id)
        if kind in (Kind.COMMON_REPAIR, Kind.PATROL) or unit is None:
            data.update(location=rng.choice(PLACES), project_id=project.pk)
            if unit is not None:
                data["building_id"] = unit.building_id
            resident_user = None
        else:
            data.update(unit_id=unit.pk, resident_id=resident_id)
        if kind == Kind.HOME_REPAIR and self.paid and rng.random() < 0.1:
            data["paid_service_id"] = rng.choice(self.paid).pk

        if kind == Kind.PATROL:
            actor = rng.choice(crew.patrol)
            data["channel"] = Channel.PATROL
        elif resident_user is not None and rng.random() < 0.6:
            actor = resident_user  # the demo resident's own portal report
            data.pop("resident_id")
        else:
            channel = rng.choices(
                [Channel.PHONE, Channel.FRONT_DESK, Channel.PORTAL, Channel.HQ_CENTER], [40, 25, 25, 10]
            )[0]
            data["channel"] = channel
            if channel == Channel.HQ_CENTER and crew.hq:
                actor = rng.choice(crew.hq)
            elif channel == Channel.PORTAL:
                actor = rng.choice(crew.butlers)  # the building butler picks up portal reports
            else:
                actor = rng.choice(crew.desk)
        if not data["priority"]:
            data.pop("priority")
        self.ticket = services.ticket_create(actor=actor, data=data)
        self.reporter = resident_user if actor is resident_user else None
        owner = actor if actor is not resident_user else None
        if data.get("channel") == Channel.HQ_CENTER and rng.random() < 0.7:
            # The night centre hands the request to the building butler in the morning.
            self.later(5, 60)
            butler = rng.choice(crew.butlers)
            self.act(
                actor, Action.HANDOVER, first_contact_id=self.staff_id(butler), reason="转交楼栋管家跟进"
            )
            owner = butler
        self.owner = owner or self._first_contact_user()
        self.drive(status, kind)

    def _first_contact_user(self):
        return StaffMember.objects.select_related("user").get(pk=self.ticket.first_contact_id).user

    def drive(self, status, kind):
        rng = self.rng
        if status == S.RECEIVED:
            return
        if status == S.CANCELLED:
            if rng.random() < 0.4:
                self.dispatch()
            self.later(10, 300)
            reason = rng.choice(["业主已自行处理", "重复报事", "业主联系不上，已电话确认取消", "误报"])
            if self.reporter is not None and self.ticket.status == S.RECEIVED and rng.random() < 0.5:
                self.act(self.reporter, Action.CANCEL, reason="问题已经好了，不用来了")
            else:
                self.act(self.owner, Action.CANCEL, reason=reason)
            return
        if status == S.ON_HOLD:
            if rng.random() < 0.6:
                self.dispatch()
                if rng.random() < 0.5:
                    self.later(2, 30)
                    self.act(self.ticket_assignee, Action.ACCEPT)
            self.later(10, 240)
            reason = rng.choice(["等待配件到货", "业主出差，约下周上门", "需要楼上业主配合，暂联系不上"])
            self.act(self.owner, Action.HOLD, reason=reason)
            return
        if kind in FEEDBACK_KINDS and rng.random() < 0.8:
            self.later(15, 180)
            self.act(
                self.owner,
                Action.FIRST_FEEDBACK,
                feedback="您反映的情况我们已收到，已安排专人处理，今天内给您回复。",
            )
        if kind in DESK_KINDS and rng.random() < 0.7 and status not in (S.DISPATCHED, S.ACCEPTED, S.ON_SITE):
            # Answered by the people who talk to residents; no technician goes anywhere.
            self.later(30, 600)
            self.act(self.owner, Action.COMPLETE, resolution=self.resolution())
        else:
            self.dispatch()
            if status == S.DISPATCHED:
                return
            if rng.random() < 0.08:
                self.later(3, 20)
                self.act(self.ticket_assignee, Action.REJECT, reason="不在我负责的楼栋，请重新派单")
                self.dispatch()
            self.later(2, 30)
            self.act(self.ticket_assignee, Action.ACCEPT)
            if status == S.ACCEPTED:
                return
            self.later(10, 90)
            self.act(self.ticket_assignee, Action.ARRIVE)
            if status == S.ON_SITE:
                return
            self.complete()
        if rng.random() < 0.05 and self.ticket.status == S.COMPLETED:
            self.later(60, 600)
            self.act(self.owner, Action.ESCALATE, reason="业主多次来电催促")
        if status == S.COMPLETED:
            return
        redo = status == S.REWORK or (status == S.CLOSED and rng.random() < 0.1)
        if redo:
            self.follow_up(satisfied=False)
            if status == S.REWORK:
                return
            self.dispatch(root_cause="上次维修只做了临时处理，未更换损坏部件")
            self.later(2, 30)
            self.act(self.ticket_assignee, Action.ACCEPT)
            self.later(10, 90)
            self.act(self.ticket_assignee, Action.ARRIVE)
            self.complete()
        self.follow_up(satisfied=True)
        if status == S.FOLLOWED_UP:
            return
        self.later(30, 1800)
        if self.reporter is not None and rng.random() < 0.7:
            comment = rng.choice(["师傅很专业，谢谢", "处理及时", "", "还可以"])
            self.act(self.reporter, Action.RATE, score=rng.choice([5, 5, 5, 4, 4, 3]), comment=comment)
        else:
            self.act(self.owner, Action.CLOSE)
        if self.ticket.charges.exists() and rng.random() < 0.8:
            self.later(60, 2880)
            self.act(self.owner, Action.CONFIRM_CHARGES)

    @property
    def ticket_assignee(self):
        return self.assignee_user

    def dispatch(self, **extra):
        rng = self.rng
        urgent = self.ticket.priority == Priority.URGENT
        self.later(2, 10) if urgent else self.later(5, 45)
        technician = rng.choice(self.crew.technicians)
        self.assignee_user = technician
        dispatcher = rng.choice([self.owner, *self.crew.desk])
        self.act(dispatcher, Action.DISPATCH, assignee_id=self.staff_id(technician), **extra)

    def complete(self):
        self.later(20, 180)
        data = {"resolution": self.resolution()}
        if (
            self.ticket.paid_service_id is None
            and self.ticket.kind == Kind.HOME_REPAIR
            and self.rng.random() < 0.2
        ):
            data["materials"] = [{"name": "三通接头", "quantity": "1", "unit": "个", "cost": "12.50"}]
            data["charges"] = [
                {"description": "更换三通接头（含材料）", "quantity": "1", "unit_price": "45.00"}
            ]
        self.act(self.ticket_assignee if self.ticket.assignee_id else self.owner, Action.COMPLETE, **data)

    def follow_up(self, *, satisfied: bool):
        # The butler (or the desk) calls back, usually within the day.
        self.later(60, 1200)
        caller = self.owner if self.ticket.assignee_id != self.staff_id(self.owner) else self.crew.desk[0]
        if satisfied:
            self.act(
                caller,
                Action.FOLLOW_UP,
                satisfied=True,
                score=self.rng.choice([5, 5, 4, 4, 3]),
                comment="业主表示满意",
            )
        else:
            self.act(
                caller,
                Action.FOLLOW_UP,
                satisfied=False,
                score=self.rng.choice([1, 2]),
                comment="业主反映问题没有解决",
                root_cause="维修不彻底，配件未更换",
            )

    def resolution(self) -> str:
        if self.ticket.kind == Kind.PRAISE:
            return self.rng.choice(PRAISE_RESOLUTIONS)
        category = self.categories_parent()
        return self.rng.choice(RESOLUTIONS.get(category, RESOLUTIONS["其他"]))

    def categories_parent(self) -> str:
        category = self.ticket.category
        if category is None:
            return "其他"
        return category.parent.name if category.parent_id else category.name
