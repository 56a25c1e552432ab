"""The lending register: stock that never goes negative, loans with their checks, returns with
their condition, the overdue list and the once-a-day reminders, the portal, and bad input."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.lending import services, tasks
from guanjia.lending.choices import ReturnCondition
from guanjia.lending.models import LendingItem, Loan, LoanReminder
from guanjia.lending.tests.conftest import days_ago, loan_data
from guanjia.notifications.models import Notification

pytestmark = pytest.mark.django_db


def stock(item) -> tuple[int, int]:
    item = LendingItem.objects.get(pk=item.pk)
    return item.on_hand, item.quantity


def test_lending_and_returning_moves_the_stock_and_is_journaled(lw):
    loan = services.loan_create(actor=lw.desk, data=loan_data(lw))
    assert stock(lw.wheelchair) == (1, 2)
    assert loan.due_on == timezone.localdate() + datetime.timedelta(days=7)
    assert loan.id_number_masked == "110***********1234"  # the full number is never stored
    assert "195001" not in str(list(ObjectChange.objects.values_list("changes", flat=True)))
    services.loan_return(actor=lw.desk, loan=loan, condition=ReturnCondition.GOOD)
    assert stock(lw.wheelchair) == (2, 2)
    with pytest.raises(Conflict):
        services.loan_return(actor=lw.desk, loan=loan, condition=ReturnCondition.GOOD)
    lost = services.loan_create(actor=lw.desk, data=loan_data(lw, item_id=lw.umbrella.pk, quantity=3))
    with pytest.raises(ValidationError) as err:
        services.loan_return(actor=lw.desk, loan=lost, condition=ReturnCondition.LOST)
    assert "note" in err.value.message_dict
    services.loan_return(actor=lw.desk, loan=lost, condition=ReturnCondition.LOST, note="丢了两把，坏了一把")
    assert stock(lw.umbrella) == (17, 17)  # lost ones leave the total
    journal = ObjectChange.objects.filter(content_type__model="loan", object_id=str(loan.pk))
    assert list(journal.order_by("id").values_list("action", flat=True)) == ["create", "update"]
    assert (
        ObjectChange.objects.filter(
            content_type__model="lendingitem",
            object_id=str(lw.wheelchair.pk),
            action="update",
            changes__has_key="on_hand",
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 3}, "quantity"),  # two wheelchairs only
        ({"due_on": timezone.localdate() - datetime.timedelta(days=1)}, "due_on"),
        ({"borrower_name": " "}, "borrower_name"),
        ({"borrower_phone": "abc"}, "borrower_phone"),
        ({"id_number": "12-34", "id_checked": True}, "id_number"),
        ({"id_checked": False}, "id_checked"),  # a number given without the check ticked
        ({"resident_id": None, "unit_id": None}, "unit_id"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(lw, change, field):
    with pytest.raises(ValidationError) as err:
        services.loan_create(actor=lw.desk, data=loan_data(lw, **change))
    assert field in err.value.message_dict
    assert not Loan.objects.exists() and stock(lw.wheelchair) == (2, 2)


def test_the_last_item_goes_to_one_loan_and_an_empty_shelf_is_refused_by_item(lw):
    services.loan_create(actor=lw.desk, data=loan_data(lw, quantity=1))
    services.loan_create(actor=lw.manager, data=loan_data(lw, quantity=1))
    with pytest.raises(ValidationError) as err:
        services.loan_create(actor=lw.desk, data=loan_data(lw, quantity=1))
    assert "item_id" in err.value.message_dict and "全部借出" in err.value.message_dict["item_id"][0]
    assert stock(lw.wheelchair) == (0, 2)
    # The total cannot drop below what is out.
    with pytest.raises(ValidationError) as err:
        services.item_update(actor=lw.manager, item=lw.wheelchair, data={"quantity": 1})
    assert "quantity" in err.value.message_dict
    services.item_update(
        actor=lw.manager, item=LendingItem.objects.get(pk=lw.wheelchair.pk), data={"quantity": 3}
    )
    assert stock(lw.wheelchair) == (1, 3)


def test_a_unit_of_another_project_or_company_is_refused(lw):
    from guanjia.testing import factories as f

    sibling_unit = f.UnitFactory(building=f.BuildingFactory(project=lw.sibling_project), number="0101")
    with pytest.raises(ValidationError) as err:
        services.loan_create(actor=lw.admin, data=loan_data(lw, unit_id=sibling_unit.pk, resident_id=None))
    assert "unit_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.loan_create(actor=lw.foreign_admin, data=loan_data(lw))
    assert "item_id" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.loan_create(actor=lw.desk, data=loan_data(lw, resident_id=lw.other_resident.pk))
    assert "resident_id" in err.value.message_dict
    with pytest.raises(NotAllowed):
        services.loan_create(actor=lw.technician, data=loan_data(lw))
    assert not Loan.objects.exists()


def test_overdue_reminders_go_once_per_shanghai_day_to_the_borrower(lw, clock):
    clock(days_ago(5))
    loan = services.loan_create(actor=lw.desk, data=loan_data(lw, item_id=lw.umbrella.pk))  # due 4 days ago
    on_time = services.loan_create(
        actor=lw.desk, data=loan_data(lw, due_on=timezone.localdate() + datetime.timedelta(days=30))
    )
    now = timezone.now()
    assert services.remind_overdue(now=now) == 1
    assert services.remind_overdue(now=now) == 0  # again the same day: nothing
    clock(now)
    assert tasks.run_reminders() == 0
    notes = Notification.objects.filter(kind="lending.overdue", channel="in_app")
    assert [n.recipient_id for n in notes] == [lw.resident_user.pk]
    assert "雨伞" in notes.get().subject
    assert services.remind_overdue(now=now + datetime.timedelta(days=1)) == 1  # the next day, once more
    assert list(LoanReminder.objects.filter(loan=loan).values_list("day", flat=True)) == [
        timezone.localdate(now),
        timezone.localdate(now + datetime.timedelta(days=1)),
    ]
    assert not LoanReminder.objects.filter(loan=on_time).exists()
    services.loan_return(actor=lw.desk, loan=loan, condition=ReturnCondition.GOOD)
    assert services.remind_overdue(now=now + datetime.timedelta(days=2)) == 0


def test_desk_pages_lend_return_and_list_the_overdue(lw, clock, client):
    client.force_login(lw.desk)
    bad = client.post(
        reverse("lending:loan_create"),
        {
            "item": lw.wheelchair.pk,
            "unit": lw.unit.pk,
            "borrower_name": "王阿姨",
            "borrower_phone": "13800138000",
            "quantity": 0,
        },
    )
    assert bad.status_code == 422 and "借用数量至少为 1" in bad.content.decode()
    clock(days_ago(3))
    created = client.post(
        reverse("lending:loan_create"),
        {
            "item": lw.wheelchair.pk,
            "unit": lw.unit.pk,
            "borrower_name": "王阿姨",
            "borrower_phone": "13800138000",
            "quantity": 1,
            "due_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        },
    )
    assert created.status_code == 302
    loan = Loan.objects.get()
    overdue = client.get(reverse("lending:loans"), {"state": "overdue"}).content.decode()
    assert "逾期未还" in overdue and "轮椅" in overdue
    export = client.get(reverse("dataio:export", args=["loans", "xlsx"]), {"state": "overdue"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "轮椅" and rows[1][5] == "138****8000" and rows[1][10] == "逾期未还"
    client.post(reverse("lending:loan_return", args=[loan.pk]), {"condition": "damaged", "note": "扶手松动"})
    loan.refresh_from_db()
    assert loan.return_condition == ReturnCondition.DAMAGED and loan.returned_by == lw.desk
    overdue = client.get(reverse("lending:loans"), {"state": "overdue"}).content.decode()
    assert reverse("lending:loan", args=[loan.pk]) not in overdue
    client.force_login(lw.sibling_desk)
    assert client.get(reverse("lending:loan", args=[loan.pk])).status_code == 404


def test_residents_see_their_own_loans_in_the_portal(lw, client):
    services.loan_create(actor=lw.desk, data=loan_data(lw))
    client.force_login(lw.resident_user)
    home = client.get(reverse("portal_loans")).content.decode()
    assert 'data-testid="my-loan"' in home and "轮椅" in home
    assert 'data-testid="nav-my-loans"' in home
    client.force_login(lw.other_resident_user)
    assert 'data-testid="my-loan"' not in client.get(reverse("portal_loans")).content.decode()
