"""What renovation tells people: one kind per step (registered from ``ready``) and the messages."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

SUBMITTED = "renovation.submitted"
REVIEW = "renovation.review"
DECIDED = "renovation.decided"
BILLED = "renovation.billed"
PERMIT = "renovation.permit"
OVERDUE = "renovation.overdue"
VIOLATION = "renovation.violation"
VIOLATION_OVERDUE = "renovation.violation_overdue"
STOPPED = "renovation.stopped"
COMPLETED = "renovation.completed"
REFUND = "renovation.refund"


def register_kinds() -> None:
    register_kind(SUBMITTED, _("装修申请待工程审核"), params=("number", "unit", "due"))
    register_kind(REVIEW, _("装修申请待项目经理审批"), params=("number", "unit", "due"))
    register_kind(DECIDED, _("装修申请审批结果"), params=("number", "unit", "result"))
    register_kind(BILLED, _("装修押金与管理费待缴"), params=("number", "unit", "total"))
    register_kind(PERMIT, _("装修施工许可证已发放"), params=("number", "unit", "until"))
    register_kind(OVERDUE, _("装修审批超期"), params=("number", "unit", "step", "due"))
    register_kind(VIOLATION, _("装修违规整改通知"), params=("number", "unit", "kind", "deadline"))
    register_kind(VIOLATION_OVERDUE, _("装修违规整改超期"), params=("number", "unit", "kind", "deadline"))
    register_kind(STOPPED, _("装修已停工"), params=("number", "unit", "reason"))
    register_kind(COMPLETED, _("装修竣工验收"), params=("number", "unit"))
    register_kind(REFUND, _("装修押金退还"), params=("number", "unit", "amount"))


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _unit(renovation) -> str:
    unit = renovation.unit
    return f"{unit.building.name}-{unit.number}" if "building" in unit._state.fields_cache else str(unit)


def _send(renovation, recipients, notice_kind, subject, body, key, *, portal=False, **params) -> None:
    url = reverse("portal_renovations") if portal else reverse("renovation:detail", args=[renovation.pk])
    params = {"number": renovation.number, "unit": _unit(renovation), **params}
    notify(
        recipients=recipients,
        subject=Message(subject, **params),
        body=Message(body, **params),
        url=url,
        related=renovation,
        dedup_key=f"renovation-{renovation.pk}-{key}",
        kind=notice_kind,
    )


def submitted(renovation, recipients) -> None:
    _send(
        renovation,
        recipients,
        SUBMITTED,
        _("装修申请待工程审核：%(unit)s"),
        _("装修申请 %(number)s（%(unit)s）请在 %(due)s 前完成工程审核。"),
        "submitted",
        due=_when(renovation.step_due_at),
    )


def review(renovation, recipients) -> None:
    _send(
        renovation,
        recipients,
        REVIEW,
        _("装修申请待项目经理审批：%(unit)s"),
        _("装修申请 %(number)s（%(unit)s）涉及结构或外立面，工程已审核，请在 %(due)s 前审批。"),
        "review",
        due=_when(renovation.step_due_at),
    )


def decided(renovation, recipients, result) -> None:
    _send(
        renovation,
        recipients,
        DECIDED,
        _("装修申请%(result)s：%(unit)s"),
        _("您的装修申请 %(number)s（%(unit)s）%(result)s。"),
        f"decided-{renovation.status}",
        portal=True,
        result=result,
    )


def billed(renovation, recipients, total) -> None:
    _send(
        renovation,
        recipients,
        BILLED,
        _("请缴纳装修押金与管理费：%(unit)s"),
        _("装修申请 %(number)s 已通过审批，请缴纳装修押金与管理费共 %(total)s 元，缴费后领取施工许可证。"),
        "billed",
        portal=True,
        total=str(total),
    )


def permit(renovation, recipients) -> None:
    _send(
        renovation,
        recipients,
        PERMIT,
        _("施工许可证已发放：%(unit)s"),
        _("装修 %(number)s 的施工许可证已发放，有效期至 %(until)s。请遵守装修管理规定。"),
        "permit",
        portal=True,
        until=str(renovation.permit_until),
    )


def overdue(renovation, recipients, stage_label, step) -> None:
    _send(
        renovation,
        recipients,
        OVERDUE,
        _("装修审批超期（%(step)s）：%(unit)s"),
        _("装修申请 %(number)s（%(unit)s）应于 %(due)s 前完成审批，至今未处理。"),
        f"overdue-{renovation.status}-{int(step)}",
        step=stage_label,
        due=_when(renovation.step_due_at),
    )


def violation(violation, recipients, *, portal: bool) -> None:
    renovation = violation.renovation
    _send(
        renovation,
        recipients,
        VIOLATION,
        _("装修违规整改通知：%(unit)s"),
        _("装修 %(number)s（%(unit)s）巡查发现违规：%(kind)s。请在 %(deadline)s 前整改。"),
        f"violation-{violation.pk}-{'portal' if portal else 'staff'}",
        portal=portal,
        kind=violation.get_kind_display(),
        deadline=_when(violation.rectify_by),
    )


def violation_overdue(violation, recipients, step) -> None:
    renovation = violation.renovation
    _send(
        renovation,
        recipients,
        VIOLATION_OVERDUE,
        _("装修违规整改超期：%(unit)s"),
        _("装修 %(number)s（%(unit)s）的违规（%(kind)s）应于 %(deadline)s 前整改，至今未确认整改。"),
        f"violation-{violation.pk}-overdue-{int(step)}",
        kind=violation.get_kind_display(),
        deadline=_when(violation.rectify_by),
    )


def stopped(renovation, recipients, *, portal: bool) -> None:
    _send(
        renovation,
        recipients,
        STOPPED,
        _("装修已停工：%(unit)s"),
        _("装修 %(number)s（%(unit)s）已停工：%(reason)s"),
        f"stopped-{'portal' if portal else 'staff'}",
        portal=portal,
        reason=renovation.stopped_reason,
    )


def completed(renovation, recipients) -> None:
    _send(
        renovation,
        recipients,
        COMPLETED,
        _("装修已竣工验收：%(unit)s"),
        _("装修 %(number)s（%(unit)s）已通过竣工验收，押金将按规定退还。"),
        "completed",
        portal=True,
    )


def refund(renovation, recipients, amount, *, portal: bool) -> None:
    _send(
        renovation,
        recipients,
        REFUND,
        _("装修押金退还：%(unit)s"),
        _("装修 %(number)s（%(unit)s）押金退还 %(amount)s 元。"),
        f"refund-{renovation.status}-{'portal' if portal else 'staff'}",
        portal=portal,
        amount=str(amount),
    )
