"""What each figure column is called and the one sentence that says what it counts.

The page shows the sentence beside the number (the header's hint and the "指标口径" list under the
table), the export uses the same names, and docs/figures.md says the same at length: one meaning per
label. Complaints by handler and complaints naming a person are two figures with two names; for a
person or a department both are shown.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PEOPLE_GROUPS = frozenset({"person", "department"})

HINTS = {
    "follow_up_rate": _("本期完工的工单中，本轮已回访的比例。"),
    "follow_up_calls": _("本期内打出的每一次回访（满意或不满意都算），计入被回访那一轮工作的处理人。"),
    "follow_up_satisfied_rate": _("本期回访中满意的次数 ÷ 本期回访次数；不满意转返工的回访也在分母里。"),
    "follow_up_score": _("本期内每一次回访的评分（1–5）的平均值，含不满意的回访。"),
    "rework": _("本期内退回重做的次数：回访不满意或业主要求返工，计入出问题那一轮的处理人。"),
    "rework_rate": _("本期完工的工单中，曾经返工过的比例。"),
    "complaints": _("本期受理的投诉，按投诉工单的处理人（派给谁，无人派工时为办结人）及其部门归属。"),
    "complaints_named": _("本期受理的投诉中指名投诉某位员工的，按被指名的人及其部门归属。"),
    "households": _(
        "该行最后一天（周期末、所选截止日或今天，取最早）在住的房屋数；按人为其服务项目的在住户数，按部门/类别为全部可见项目。"
    ),
    "complaints_per_1000": _("投诉数 × 1000 ÷ 在住户数。"),
    "handler": _("工单归属：处理人；无处理人而由前台等自行办结的，归办结人及其部门，不再显示为“未指派”。"),
}


def complaint_label(group_by: str) -> str:
    """By person or department the complaints are those they handle (负责投诉); by project or
    category, every complaint of the group (投诉)."""
    return str(_("负责投诉") if group_by in PEOPLE_GROUPS else _("投诉"))


def named_label() -> str:
    return str(_("被投诉(指名)"))
