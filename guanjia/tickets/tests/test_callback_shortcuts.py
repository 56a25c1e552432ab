"""The call-back list's shortcuts keep the choice; actions that cannot be taken back ask first."""

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.tickets import services
from guanjia.tickets.choices import Action
from guanjia.tickets.models import FollowUpTask, Ticket

pytestmark = pytest.mark.django_db


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def completed_with_charges(tw) -> Ticket:
    ticket = services.ticket_create(
        actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "厨房水管漏水"}
    )
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    act(tw.technician, ticket, Action.ACCEPT)
    act(tw.technician, ticket, Action.ARRIVE)
    return act(
        tw.technician,
        ticket,
        Action.COMPLETE,
        resolution="更换三通接头",
        charges=[{"description": "三通接头", "quantity": "1", "unit_price": "25.00"}],
    )


def radio(page: str, name: str, value: str) -> str:
    start = page.index(f'name="{name}" value="{value}"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


@pytest.mark.parametrize(("shortcut", "chosen", "other"), [("1", "1", "0"), ("0", "0", "1")])
def test_tapping_satisfied_on_the_list_opens_the_form_with_it_chosen(tw, client, shortcut, chosen, other):
    ticket = completed_with_charges(tw)
    # Due now, whatever the hour the test runs (calls wait out the residents' quiet hours).
    FollowUpTask.objects.filter(ticket=ticket).update(scheduled_for=timezone.now())
    client.force_login(tw.butler)
    listing = client.get(reverse("ticket_followups")).content.decode()
    link = reverse("ticket_detail", args=[ticket.pk]) + f"?action=follow_up&amp;satisfied={shortcut}"
    assert link in listing
    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'data-action-form="follow_up" open' in page
    assert "checked" in radio(page, "follow_up-satisfied", chosen)
    assert "checked" not in radio(page, "follow_up-satisfied", other)
    # Chosen, not sent: nothing happened until the person confirms the form.
    assert Ticket.objects.get(pk=ticket.pk).followed_up_at is None


def test_confirming_charges_asks_first(tw, client):
    ticket = completed_with_charges(tw)
    client.force_login(tw.butler)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    button_form = page[page.rindex("<form", 0, page.index('data-action="confirm_charges"')) :]
    assert 'data-confirm="确认后收费明细锁定' in button_form.split(">", 1)[0]
    # The follow-up form right below does not ask: choosing an answer is not irreversible.
    follow_up = page[page.rindex("<form", 0, page.index('name="follow_up-satisfied"')) :]
    assert "data-confirm" not in follow_up.split(">", 1)[0]
