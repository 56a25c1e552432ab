"""Every write of the lending register (借用): items and their stock, loans, returns, and the daily
overdue reminders. Stock on hand changes only here, under the item's row lock and a conditional
update (``on_hand >= n``), so two desks lending the last wheelchair at once have one winner."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import journal
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.lending.choices import ReturnCondition
from guanjia.lending.models import LendingItem, Loan, LoanReminder
from guanjia.notifications import services as notifications
from guanjia.notifications.messages import Message


def _now() -> datetime.datetime:
    """The present moment: the one seam demo data and tests move."""
    return timezone.now()


def _today() -> datetime.date:
    """Today in Shanghai: a loan is due on, and overdue after, a Shanghai day."""
    return timezone.localdate(_now())


# Items --------------------------------------------------------------------------------------------

ITEM_FIELDS = {"name", "description", "quantity", "loan_days", "is_active"}


def _lent(item: LendingItem) -> int:
    return item.quantity - item.on_hand


@service
def item_create(*, actor, data: dict) -> LendingItem:
    """A new kind of thing to lend; all of it starts in stock."""
    require(actor, Perm.MANAGE_LENDING)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    item = LendingItem(company_id=project.company_id, project=project)
    apply_changes(item, {k: v for k, v in data.items() if v is not None}, allowed=ITEM_FIELDS)
    item.name = (item.name or "").strip()
    if item.quantity is None:
        raise ValidationError({"quantity": _("此项为必填项")})
    item.on_hand = item.quantity
    save_validated(item)
    return item


@service
def item_update(*, actor, item: LendingItem, data: dict) -> LendingItem:
    """Change an item. A new total moves the stock on hand by the same amount; the total can never
    fall below what is out on loan."""
    require(actor, Perm.MANAGE_LENDING)
    item = lock(item)
    data = dict(data)
    if data.get("quantity") is not None:
        quantity = int(data.pop("quantity"))
        if quantity < _lent(item):
            raise ValidationError({"quantity": _("总数量不能少于借出未还的 %(n)s 件") % {"n": _lent(item)}})
        item.on_hand += quantity - item.quantity
        item.quantity = quantity
    apply_changes(item, {k: v for k, v in data.items() if v is not None}, allowed=ITEM_FIELDS)
    item.name = (item.name or "").strip()
    save_validated(item)
    return item


@service
def item_delete(*, actor, item: LendingItem) -> None:
    """Soft-delete an item nothing of which is out on loan; its loans' history stays."""
    require(actor, Perm.MANAGE_LENDING)
    item = lock(item)
    if _lent(item):
        raise Conflict(_("还有 %(n)s 件借出未还，不能删除") % {"n": _lent(item)})
    item.deleted_at = _now()
    item.save()


# Loans --------------------------------------------------------------------------------------------

ID_NUMBER = re.compile(r"^[0-9A-Za-z]{6,20}$")


def mask_id_number(value: str) -> str:
    """110101********1234: the first 3 and last 4 characters; the full number is never stored."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    if not ID_NUMBER.match(value):
        raise ValidationError({"id_number": _("证件号格式无效")})
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _quantity(value) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"quantity": _("请填写借用数量")}) from None
    if quantity < 1:
        raise ValidationError({"quantity": _("借用数量至少为 1")})
    if quantity > 1000:
        raise ValidationError({"quantity": _("借用数量过大")})
    return quantity


def _borrower(unit: Unit, resident_id, actor) -> Resident | None:
    if resident_id is None:
        return None
    resident = visible_reference(Resident, resident_id, actor, field="resident_id")
    if not Occupancy.objects.current().filter(resident=resident, unit=unit).exists():
        raise ValidationError({"resident_id": _("该住户不是这套房屋的住户")})
    return resident


@service
def loan_create(*, actor, data: dict) -> Loan:
    """Lend ``quantity`` of an item to a unit of its project (the desk). The borrower's name and
    contact are required; an ID check is recorded with the masked number only. The due day is
    today or later. The item's stock goes down under its row lock: the last one goes to one loan."""
    require(actor, Perm.LEND)
    data = dict(data)
    item = visible_reference(LendingItem, data.get("item_id"), actor, field="item_id")
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    if unit.project_id != item.project_id:
        raise ValidationError({"unit_id": _("房屋不属于该物品所在项目")})
    quantity = _quantity(data.get("quantity", 1))
    name = str(data.get("borrower_name") or "").strip()
    if not name:
        raise ValidationError({"borrower_name": _("请填写借用人姓名")})
    phone = str(data.get("borrower_phone") or "").strip()
    if not re.fullmatch(r"[0-9+\-]{5,20}", phone):
        raise ValidationError({"borrower_phone": _("请填写有效的联系电话")})
    id_checked = bool(data.get("id_checked"))
    masked = mask_id_number(data.get("id_number") or "")
    if masked and not id_checked:
        raise ValidationError({"id_checked": _("填写了证件号，请勾选“已核验证件”")})
    today = _today()
    due_on = data.get("due_on") or today + datetime.timedelta(days=item.loan_days)
    if isinstance(due_on, str):
        try:
            due_on = datetime.date.fromisoformat(due_on)
        except ValueError:
            raise ValidationError({"due_on": _("日期格式无效")}) from None
    if due_on < today:
        raise ValidationError({"due_on": _("应还日期不能早于今天")})
    if due_on > today + datetime.timedelta(days=366):
        raise ValidationError({"due_on": _("借期不能超过一年")})
    resident = _borrower(unit, data.get("resident_id"), actor)
    item = lock(item)
    if not item.is_active or item.deleted_at:
        raise ValidationError({"item_id": _("该物品暂停出借")})
    if item.on_hand == 0:
        raise ValidationError({"item_id": _("“%(name)s”已全部借出，暂无库存") % {"name": item.name}})
    # The conditional update is the guard (also where row locks are not real, as on SQLite).
    before = item.on_hand
    if not LendingItem.objects.filter(pk=item.pk, on_hand__gte=quantity).update(
        on_hand=F("on_hand") - quantity
    ):
        raise ValidationError(
            {"quantity": _("库存不足：“%(name)s”仅剩 %(n)s 件") % {"name": item.name, "n": item.on_hand}}
        )
    item.refresh_from_db(fields=["on_hand"])
    journal.record(item, "update", {"on_hand": [before, item.on_hand]})
    loan = Loan(
        company_id=item.company_id,
        project_id=item.project_id,
        item=item,
        unit=unit,
        resident=resident,
        borrower_name=name[:60],
        borrower_phone=phone,
        id_checked=id_checked,
        id_number_masked=masked,
        quantity=quantity,
        lent_at=_now(),
        lent_by=actor,
        due_on=due_on,
        note=str(data.get("note") or "").strip()[:200],
    )
    save_validated(loan)
    return loan


@service
def loan_return(*, actor, loan: Loan, condition: str, note: str = "") -> Loan:
    """Take a loan back with its condition. Good and damaged things go back into stock (a damaged
    one with a note says what to repair); lost ones leave the item's total. Once only: a second
    return is a conflict."""
    require(actor, Perm.LEND)
    loan = lock(loan)
    if loan.returned_at is not None:
        raise Conflict(_("该借用已归还"))
    if condition not in ReturnCondition.values:
        raise ValidationError({"condition": _("请选择归还状况")})
    note = (note or "").strip()[:200]
    if condition != ReturnCondition.GOOD and not note:
        raise ValidationError({"note": _("损坏或丢失请写明情况")})
    item = lock(LendingItem.objects.get(pk=loan.item_id))
    if condition == ReturnCondition.LOST:
        item.quantity -= loan.quantity
    else:
        item.on_hand += loan.quantity
    item.save()
    loan.returned_at = _now()
    loan.returned_by = actor
    loan.return_condition = condition
    loan.return_note = note
    loan.save()
    return loan


@service
def loan_extend(*, actor, loan: Loan, due_on: datetime.date) -> Loan:
    """Agree a later due day (续借)."""
    require(actor, Perm.LEND)
    loan = lock(loan)
    if loan.returned_at is not None:
        raise Conflict(_("该借用已归还"))
    if due_on < _today() or due_on < loan.due_on:
        raise ValidationError({"due_on": _("新的应还日期不能早于今天或原应还日期")})
    loan.due_on = due_on
    loan.save()
    return loan


# Overdue reminders --------------------------------------------------------------------------------


def _recipients(loan: Loan) -> list:
    """Who hears of an overdue loan: the borrowing resident, else the unit's current residents
    with a portal account."""
    if loan.resident_id and loan.resident.user_id:
        return [loan.resident.user]
    ties = Occupancy.objects.current().filter(unit_id=loan.unit_id).select_related("resident__user")
    users = []
    for tie in ties:
        user = tie.resident.user
        if user is not None and user not in users:
            users.append(user)
    return users


def remind_overdue(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: every loan still out after its due day gets one reminder per Shanghai day.
    The (loan, day) row is inserted before anyone is told, so a second run that day, a late run or
    a second worker sends nothing more. Returns how many reminders were sent."""
    now = now or _now()
    today = timezone.localdate(now)
    sent = 0
    overdue = (
        Loan.objects.filter(returned_at__isnull=True, due_on__lt=today)
        .exclude(reminders__day=today)
        .select_related("item", "project", "resident__user")
        .order_by("due_on", "id")
    )
    for loan in overdue.iterator(chunk_size=500):
        recipients = _recipients(loan)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    LoanReminder.objects.create(
                        company_id=loan.company_id,
                        project_id=loan.project_id,
                        loan=loan,
                        day=today,
                        sent_to=[u.pk for u in recipients],
                    )
            except IntegrityError:
                continue  # already reminded today
            notifications.notify(
                recipients=recipients,
                subject=Message(gettext_lazy("借用物品逾期未还：%(item)s"), item=loan.item.name),
                body=Message(
                    gettext_lazy(
                        "您在%(project)s借用的%(item)s %(quantity)s 件应于 %(due)s 归还，请尽快送还服务中心。"
                    ),
                    project=loan.project.name,
                    item=loan.item.name,
                    quantity=loan.quantity,
                    due=loan.due_on.isoformat(),
                ),
                url=reverse("portal_loans"),
                related=loan,
                dedup_key=f"lending-overdue-{loan.pk}-{today.isoformat()}",
                kind="lending.overdue",
            )
            sent += 1
    return sent
