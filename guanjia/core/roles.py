"""The roles of SPEC's table and what each may do.

Roles are data on a staff member (``staff.StaffRole``); permissions are the verbs later features
check with ``core.scoping.user_can(user, Perm.X)`` or ``require(user, Perm.X)``. One table, so the web, the API
and the admin can never disagree about who may do what.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("业主/住户")
    BUTLER = "butler", _("楼栋管家")
    DESK = "desk", _("客服前台")
    TECHNICIAN = "technician", _("维修技工")
    SECURITY = "security", _("秩序/中控")
    CLEANING = "cleaning", _("环境/保洁")
    DEPARTMENT_HEAD = "department_head", _("部门主管")
    PROJECT_MANAGER = "project_manager", _("项目经理")
    HQ_CENTER = "hq_center", _("总部24小时服务中心")
    HQ_QUALITY = "hq_quality", _("总部品质部")
    COMPANY_ADMIN = "company_admin", _("系统管理员")
    # An account of a third-party quality company: sees only the projects it is given, and only audits.
    EXTERNAL_AUDITOR = "external_auditor", _("第三方核查员")


STAFF_ROLES = [r for r in Role if r != Role.RESIDENT]
# Roles that see every project of their company, not only the ones they serve.
HQ_ROLES = frozenset({Role.HQ_CENTER, Role.HQ_QUALITY, Role.COMPANY_ADMIN})


class Perm(models.TextChoices):
    VIEW_ESTATES = "estates.view", _("查看项目、楼栋、房屋")
    CHANGE_ESTATES = "estates.change", _("维护项目、楼栋、房屋")
    VIEW_RESIDENTS = "residents.view", _("查看住户")
    CHANGE_RESIDENTS = "residents.change", _("维护住户与入住关系")
    REVEAL_PHONE = "residents.reveal_phone", _("查看住户完整电话")
    IMPORT = "estates.import", _("批量导入")
    VIEW_STAFF = "staff.view", _("查看员工")
    CHANGE_STAFF = "staff.change", _("维护员工、排班")
    REVIEW_STAFF = "staff.review", _("员工考核：业绩、排名表、服务之星、培训记录")
    VIEW_HISTORY = "history.view", _("查看变更记录")
    VIEW_QUALITY = "quality.view", _("查看品质核查")
    AUDIT = "quality.audit", _("执行品质核查")
    MANAGE_QUALITY = "quality.manage", _("维护核查表与核查计划")
    VIEW_FACILITIES = "facilities.view", _("查看设备、维保与巡查")
    DO_FACILITIES_WORK = "facilities.work", _("执行维保任务与巡查")
    CHANGE_FACILITIES = "facilities.change", _("维护设备台账、维保计划与巡查路线")
    VIEW_EMERGENCIES = "emergencies.view", _("查看应急预案与突发事件")
    OPEN_INCIDENT = "emergencies.open", _("上报突发事件")
    CHANGE_EMERGENCIES = "emergencies.change", _("维护应急预案与应急组织")
    VIEW_BILLING = "billing.view", _("查看收费、账单与欠费")
    CHANGE_BILLING = "billing.change", _("维护收费标准、抄表、出账")
    POST_PAYMENT = "billing.post_payment", _("收款")
    ADJUST_BILLING = "billing.adjust", _("申请退款与调账")
    APPROVE_BILLING = "billing.approve", _("审批退款与调账")
    VIEW_FEEDBACK = "feedback.view", _("查看满意度调查与红黄蓝牌")
    MANAGE_SURVEYS = "feedback.manage", _("发起与管理满意度调查")
    ANSWER_CARDS = "feedback.answer_cards", _("回复并关闭黄牌")
    VIEW_DELIVERY = "notifications.delivery", _("查看消息发送统计")
    VIEW_NOTICES = "notices.view", _("查看公告与阅读情况")
    DRAFT_NOTICES = "notices.draft", _("起草公告、维护管家名片")
    PUBLISH_NOTICES = "notices.publish", _("发布与撤回公告")
    REVIEW_RENOVATION = "renovation.review", _("工程审核装修申请、竣工验收")
    APPROVE_RENOVATION = "renovation.approve", _("审批涉及结构或外立面的装修")
    VIEW_COMMITTEE = "committee.view", _("查看业委会、业主表决与意见箱")
    MANAGE_COMMITTEE = "committee.manage", _("维护业委会、会议与决议，发起与结束业主表决")
    RECORD_BALLOTS = "committee.record_ballot", _("录入纸质表决票")
    ANSWER_SUGGESTIONS = "committee.answer", _("答复意见箱")
    HANDOVER = "handover.work", _("办理收楼交付与验房、接管验收")
    ACCEPT_TAKEOVER = "handover.accept_takeover", _("签署接管验收")
    ADMIN = "company.admin", _("系统管理")
    VIEW_EVENTS = "events.view", _("查看社区活动")
    MANAGE_EVENTS = "events.manage", _("策划、发布、总结社区活动")
    CHECK_IN_EVENTS = "events.check_in", _("社区活动现场签到")
    LEND = "lending.lend", _("物品借用登记与归还")
    MANAGE_LENDING = "lending.manage", _("维护借用物品")
    GATE_DUTY = "gate.duty", _("门岗值守：访客核验、车辆进出、临时车收费、门禁卡停用")
    MANAGE_GATE = "gate.manage", _("维护门岗、住户车辆、车位、门禁卡与车辆黑名单")
    PROPOSE_REWARDS = "staff.propose_reward", _("提出本部门员工的奖惩")
    DECIDE_REWARDS = "staff.decide_reward", _("审批员工奖惩")
    VIEW_CONTRACTS = "contractors.view", _("查看外包单位、合同与外包考核")
    MANAGE_CONTRACTS = "contractors.manage", _("维护外包单位、合同、外包人员，决定续签")
    VIEW_ROTAS = "rotas.view", _("查看排班表、缺员与考勤")
    PLAN_ROTAS = "rotas.plan", _("排班、维护岗位与班次、审批换班、更正考勤")
    VIEW_STORES = "stores.view", _("查看物料库存与采购")
    ISSUE_STORES = "stores.issue", _("领料、退料与请购")
    MANAGE_STORES = "stores.manage", _("维护物料与仓库：入库、调拨、盘点、采购下单与收货")
    APPROVE_PURCHASE = "stores.approve", _("审批采购申请（项目经理限额内）")
    APPROVE_PURCHASE_HQ = "stores.approve_hq", _("总部审批超限额采购申请")


_ALL_STAFF = {
    # Every staff member may own a corrective action (整改) and sees the audits of the projects served.
    Perm.VIEW_QUALITY,
    Perm.VIEW_ESTATES,
    Perm.VIEW_RESIDENTS,
    Perm.VIEW_STAFF,
    Perm.VIEW_FACILITIES,
    Perm.VIEW_EMERGENCIES,
    Perm.OPEN_INCIDENT,
    Perm.VIEW_FEEDBACK,
    Perm.VIEW_NOTICES,
    Perm.VIEW_EVENTS,
    Perm.VIEW_COMMITTEE,
}
_FIELD_WORK = _ALL_STAFF | {Perm.DO_FACILITIES_WORK}
_FRONT_LINE = _ALL_STAFF | {
    Perm.CHANGE_RESIDENTS,
    Perm.REVEAL_PHONE,
    Perm.VIEW_HISTORY,
    Perm.DRAFT_NOTICES,
    Perm.CHECK_IN_EVENTS,
    Perm.RECORD_BALLOTS,
    Perm.ANSWER_SUGGESTIONS,
}
# Takes money at the desk or door to door and may ask for a refund or adjustment, never approve one.
_CASHIER = {Perm.VIEW_BILLING, Perm.POST_PAYMENT, Perm.ADJUST_BILLING}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.BUTLER: frozenset(_FRONT_LINE | _CASHIER | {Perm.DO_FACILITIES_WORK, Perm.HANDOVER, Perm.LEND}),
    Role.DESK: frozenset(
        _FRONT_LINE | _CASHIER | {Perm.IMPORT, Perm.HANDOVER, Perm.LEND, Perm.GATE_DUTY, Perm.MANAGE_GATE}
    ),
    Role.TECHNICIAN: frozenset(_FIELD_WORK | {Perm.VIEW_STORES, Perm.ISSUE_STORES}),
    Role.SECURITY: frozenset(_FIELD_WORK | {Perm.CHECK_IN_EVENTS, Perm.GATE_DUTY}),
    Role.CLEANING: frozenset(_FIELD_WORK | {Perm.VIEW_STORES, Perm.ISSUE_STORES}),
    Role.DEPARTMENT_HEAD: frozenset(
        _FIELD_WORK
        | {Perm.VIEW_HISTORY, Perm.VIEW_QUALITY, Perm.CHANGE_FACILITIES, Perm.REVIEW_RENOVATION}
        # The customer-service head (客服主管) publishes the estate's notices.
        | {Perm.DRAFT_NOTICES, Perm.PUBLISH_NOTICES}
        # …and runs its community events (they are published as notices).
        | {Perm.MANAGE_EVENTS, Perm.CHECK_IN_EVENTS}
        | {Perm.HANDOVER}
        # The security head (秩序主管) runs the gates.
        | {Perm.GATE_DUTY, Perm.MANAGE_GATE}
        # Proposes rewards and penalties (奖惩) for the people of the department.
        | {Perm.PROPOSE_REWARDS}
        # The engineering / environment heads follow their contractors' work.
        | {Perm.VIEW_CONTRACTS}
        # Heads plan their department's rota, approve swaps and correct attendance.
        | {Perm.VIEW_ROTAS, Perm.PLAN_ROTAS}
        # The engineering head (工程主管) keeps the project's store.
        | {Perm.VIEW_STORES, Perm.ISSUE_STORES, Perm.MANAGE_STORES}
    ),
    Role.PROJECT_MANAGER: frozenset(
        _FRONT_LINE
        | _FIELD_WORK
        | {
            Perm.CHANGE_ESTATES,
            Perm.IMPORT,
            Perm.CHANGE_STAFF,
            Perm.REVIEW_STAFF,
            Perm.VIEW_QUALITY,
            Perm.CHANGE_FACILITIES,
            Perm.CHANGE_EMERGENCIES,
            *_CASHIER,
            Perm.CHANGE_BILLING,
            Perm.APPROVE_BILLING,
            Perm.ANSWER_CARDS,
            Perm.VIEW_DELIVERY,
            Perm.PUBLISH_NOTICES,
            Perm.REVIEW_RENOVATION,
            Perm.APPROVE_RENOVATION,
            Perm.MANAGE_EVENTS,
            Perm.MANAGE_COMMITTEE,
            Perm.HANDOVER,
            Perm.ACCEPT_TAKEOVER,
            Perm.LEND,
            Perm.MANAGE_LENDING,
            Perm.GATE_DUTY,
            Perm.MANAGE_GATE,
            Perm.PROPOSE_REWARDS,
            Perm.DECIDE_REWARDS,
            Perm.VIEW_CONTRACTS,
            Perm.MANAGE_CONTRACTS,
            Perm.VIEW_ROTAS,
            Perm.PLAN_ROTAS,
            Perm.VIEW_STORES,
            Perm.ISSUE_STORES,
            Perm.MANAGE_STORES,
            Perm.APPROVE_PURCHASE,
        }
    ),
    Role.HQ_CENTER: frozenset(
        _FRONT_LINE
        | {Perm.VIEW_QUALITY, Perm.VIEW_BILLING, Perm.PUBLISH_NOTICES, Perm.MANAGE_EVENTS, Perm.LEND}
        | {Perm.VIEW_ROTAS}
    ),
    Role.HQ_QUALITY: frozenset(
        _ALL_STAFF
        | {Perm.VIEW_HISTORY, Perm.VIEW_QUALITY, Perm.AUDIT, Perm.MANAGE_QUALITY, Perm.REVIEW_STAFF}
        | {Perm.MANAGE_SURVEYS, Perm.ANSWER_CARDS}
        | {Perm.VIEW_CONTRACTS}
    ),
    # Sees audits of the projects it is given and nothing else of theirs: no residents, no requests.
    Role.EXTERNAL_AUDITOR: frozenset({Perm.VIEW_QUALITY, Perm.AUDIT}),
    Role.COMPANY_ADMIN: frozenset(set(Perm)),
}


def permissions_for(roles) -> frozenset[str]:
    perms: set[str] = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(perms)
