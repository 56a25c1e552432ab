"""Red/yellow/blue cards (红黄蓝牌): a household casts each colour once per month and target, in its own
month only; a yellow card for the company gets an owner (the project manager) and a rectification
deadline, is answered and closed by the estate, and is reported to HQ quality once when overdue."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Unit
from guanjia.feedback.choices import CardColour, CardTarget
from guanjia.feedback.models import CardVote
from guanjia.feedback.services import common
from guanjia.feedback.services.common import month_of, parse_month
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember
from guanjia.staff.selectors import hq_quality_users

# Days the estate has to rectify after a yellow card for the company (限期整改); stored on the card.
YELLOW_CARD_DAYS = 7


def _card_owner(project_id: int) -> StaffMember | None:
    """Who answers a yellow card: the project manager, else a department head of the project."""
    members = StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True).order_by("id")
    for role in (Role.PROJECT_MANAGER, Role.DEPARTMENT_HEAD):
        member = members.with_role(role).select_related("user").first()
        if member is not None:
            return member
    return None


def _notify_card(card: CardVote) -> None:
    recipients = [card.owner.user] if card.owner_id else []
    if not recipients:
        return
    if card.colour == CardColour.YELLOW:
        subject = Message(
            gettext_lazy("黄牌：%(unit)s 要求限期整改，期限 %(deadline)s"),
            unit=str(card.unit),
            deadline=timezone.localtime(card.deadline).strftime("%Y-%m-%d %H:%M"),
        )
    else:
        subject = Message(gettext_lazy("红牌：%(unit)s 对物业服务不满意"), unit=str(card.unit))
    notify(
        recipients=recipients,
        subject=subject,
        body=card.reason[:500],
        url=reverse("feedback:cards"),
        related=card,
        dedup_key=f"feedback-card-{card.pk}-cast",
        kind="feedback.card",
    )


@service
def card_cast(*, actor, data: dict) -> CardVote:
    """A household casts one of this month's cards (Asia/Shanghai month): one blue, one yellow and one
    red per target and month; a card of another month cannot be cast (422 on ``month``). A yellow
    card for the company gets an owner (the project manager) and a rectification deadline."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有业主/住户可以投红黄蓝牌"))
    now = common._now()
    current = month_of(now)
    errors: dict = {}
    unit = None
    try:
        unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id", related=("building",))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    month = parse_month(data.get("month")) if data.get("month") not in (None, "") else current
    if month is None:
        errors["month"] = [_("月份格式应为 YYYY-MM")]
    elif month != current:
        errors["month"] = [
            _("只能投本月（%(month)s）的牌，不能跨月补投") % {"month": current.strftime("%Y-%m")}
        ]
    target = data.get("target")
    if target not in CardTarget.values:
        errors["target"] = [_("对象须为物业公司或业主委员会")]
    colour = data.get("colour")
    if colour not in CardColour.values:
        errors["colour"] = [_("颜色须为蓝、黄、红之一")]
    reason = str(data.get("reason") or "").strip()
    if len(reason) > 2000:
        errors["reason"] = [_("意见不超过 2000 字")]
    elif not reason and colour in (CardColour.YELLOW, CardColour.RED):
        errors["reason"] = [_("黄牌和红牌请写明意见")]
    if errors:
        raise ValidationError(errors)
    if CardVote.objects.filter(unit=unit, month=month, target=target, colour=colour).exists():
        raise Conflict(_("本月已投过这张牌"))
    card = CardVote(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        resident_id=scope.resident_id,
        month=month,
        target=target,
        colour=colour,
        reason=reason,
        cast_at=now,
    )
    if target == CardTarget.COMPANY and colour in (CardColour.YELLOW, CardColour.RED):
        card.owner = _card_owner(unit.project_id)
        if colour == CardColour.YELLOW:
            card.deadline = now + datetime.timedelta(days=YELLOW_CARD_DAYS)
    try:
        save_validated(card)
    except ValidationError as exc:
        if "__all__" in exc.message_dict:  # the unique constraint, found by full_clean
            raise Conflict(_("本月已投过这张牌")) from exc
        raise
    if card.owner_id:
        _notify_card(card)  # written with the change: the outbox
    return card


def escalate_overdue_cards(*, now: datetime.datetime | None = None) -> int:
    """The hourly job: a yellow card for the company still open past its stored deadline is reported
    to HQ quality (and reminded to its owner), exactly once: ``escalated_at`` is set under the card's
    row lock before anyone is told, and the notification's dedup key holds on a retry. Returns how
    many cards were reported."""
    now = now or common._now()
    overdue = CardVote.objects.filter(
        colour=CardColour.YELLOW,
        target=CardTarget.COMPANY,
        closed_at__isnull=True,
        escalated_at__isnull=True,
        deadline__lt=now,
    ).order_by("deadline", "id")
    reported = 0
    for card_id in overdue.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            # The row alone is locked (PostgreSQL cannot lock the nullable side of the owner join).
            card = CardVote.objects.select_for_update().get(pk=card_id)
            if card.escalated_at is not None or card.closed_at is not None:
                continue  # another consumer reported it, or the estate answered it, a moment ago
            card.escalated_at = now
            save_validated(card)
            recipients = {user.pk: user for user in hq_quality_users(card.company_id)}
            if card.owner_id and card.owner.user_id:
                recipients[card.owner.user_id] = card.owner.user
            notify(
                recipients=list(recipients.values()),
                subject=Message(
                    gettext_lazy("黄牌逾期未整改：%(unit)s，期限 %(deadline)s"),
                    unit=str(card.unit),
                    deadline=timezone.localtime(card.deadline).strftime("%Y-%m-%d %H:%M"),
                ),
                body=card.reason[:500],
                url=reverse("feedback:cards"),
                related=card,
                dedup_key=f"feedback-card-{card.pk}-overdue",
                kind="feedback.card_overdue",
                urgent=True,
            )
            reported += 1
    return reported


def may_answer_card(user, card: CardVote) -> bool:
    scope = scope_for(user)
    if not scope.is_staff:
        return False
    return scope.staff_id == card.owner_id or Perm.ANSWER_CARDS in scope.permissions


@service
def card_close(*, actor, card: CardVote, response: str) -> CardVote:
    """The estate answers a yellow card for the company with what was rectified, and closes it. Only
    staff (the owner, a project manager or HQ quality) — never the resident who cast it."""
    if not may_answer_card(actor, card):
        raise NotAllowed(_("只有整改责任人、项目经理或总部品质部可以回复黄牌"))
    card = lock(card)
    if card.colour != CardColour.YELLOW or card.target != CardTarget.COMPANY:
        raise Conflict(_("只有对物业公司的黄牌需要整改回复"))
    if card.closed_at is not None:
        raise Conflict(_("该黄牌已关闭"))
    response = str(response or "").strip()
    if not response:
        raise ValidationError({"response": _("请填写整改情况")})
    card.response = response[:2000]
    card.closed_at = common._now()
    card.closed_by = actor
    return save_validated(card)
