"""Ringing the caller back: the request page, the follow-up list and the API show the caller's
number masked; whoever may call gets it in full on a tap, as a ``tel:`` link, and every look is
journaled. Colleagues' numbers are shown as tap-to-call links directly."""

import pytest
from django.urls import reverse

from guanjia.core.models import ObjectChange
from guanjia.testing.api import Api
from guanjia.tickets import services
from guanjia.tickets.choices import Action
from guanjia.tickets.models import FollowUpTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        client.force_login(user)
        return client

    return login


def reported(tw):
    data = {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"}
    return services.ticket_create(actor=tw.resident_user, data=data)


def dispatched(tw):
    ticket = reported(tw)
    return services.ticket_act(
        actor=tw.butler,
        ticket=ticket,
        action=Action.DISPATCH,
        data={"assignee_id": tw.staff["technician"].pk},
    )


def reveals(ticket):
    return ObjectChange.objects.filter(
        object_id=str(ticket.pk), action="reveal", changes__has_key="contact_phone"
    )


def test_the_technician_sent_taps_to_see_and_call_the_number_and_the_look_is_journaled(as_user, tw):
    ticket = dispatched(tw)
    tw.staff["butler"].phone = "13900001111"
    tw.staff["butler"].save()
    client = as_user(tw.technician)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert tw.resident.phone not in page  # masked until asked for
    assert 'data-testid="reveal-contact-phone"' in page
    # The first-contact colleague's number is a tap-to-call link at once.
    assert 'href="tel:13900001111"' in page
    assert not reveals(ticket).exists()

    response = client.post(reverse("ticket_reveal_phone", args=[ticket.pk]))
    assert response.status_code == 200
    assert f'href="tel:{tw.resident.phone}"' in response.content.decode()
    entry = reveals(ticket).get()
    assert entry.actor == tw.technician and entry.source == "web"


def test_a_technician_not_on_the_request_may_not_see_the_number(as_user, tw):
    ticket = dispatched(tw)
    client = as_user(tw.technician2)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="reveal-contact-phone"' not in page
    response = client.post(reverse("ticket_reveal_phone", args=[ticket.pk]))
    assert response.status_code == 403
    assert tw.resident.phone not in response.content.decode()
    assert not reveals(ticket).exists()


def test_someone_who_cannot_see_the_request_gets_404_and_nothing_is_journaled(as_user, tw):
    ticket = dispatched(tw)
    for user in (tw.sibling_desk, tw.foreign_admin):
        response = as_user(user).post(reverse("ticket_reveal_phone", args=[ticket.pk]))
        assert response.status_code == 404
        assert tw.resident.phone not in response.content.decode()
    assert not reveals(ticket).exists()


def test_the_api_reveals_the_number_once_per_call_and_journals_it(tw):
    ticket = dispatched(tw)
    response = Api(tw.technician).post(f"tickets/{ticket.pk}/reveal-phone")
    assert response.status_code == 200 and response.json() == {"phone": tw.resident.phone}
    assert Api(tw.desk).post(f"tickets/{ticket.pk}/reveal-phone").status_code == 200
    assert [e.actor for e in reveals(ticket).order_by("id")] == [tw.technician, tw.desk]
    assert all(e.source == "api" for e in reveals(ticket))
    # Out of scope: the same 404 as a missing request; not one's to call: 403. Nothing journaled.
    assert Api(tw.sibling_desk).post(f"tickets/{ticket.pk}/reveal-phone").status_code == 404
    assert Api(tw.foreign_admin).post(f"tickets/{ticket.pk}/reveal-phone").status_code == 404
    assert Api(tw.technician2).post(f"tickets/{ticket.pk}/reveal-phone").status_code == 403
    assert Api(tw.resident_user).post(f"tickets/{ticket.pk}/reveal-phone").status_code == 403
    assert reveals(ticket).count() == 2


def test_the_follow_up_list_masks_the_number_and_offers_the_call(as_user, tw):
    ticket = dispatched(tw)
    services.ticket_act(actor=tw.technician, ticket=ticket, action=Action.ACCEPT)
    services.ticket_act(actor=tw.technician, ticket=ticket, action=Action.ARRIVE)
    services.ticket_act(
        actor=tw.technician, ticket=ticket, action=Action.COMPLETE, data={"resolution": "换了阀门"}
    )
    client = as_user(tw.butler)  # the first contact, who calls back
    FollowUpTask.objects.update(scheduled_for=ticket.received_at)
    page = client.get(reverse("ticket_followups")).content.decode()
    assert ticket.number in page
    assert tw.resident.phone not in page
    assert reverse("ticket_reveal_phone", args=[ticket.pk]) in page
    response = client.post(reverse("ticket_reveal_phone", args=[ticket.pk]))
    assert f'href="tel:{tw.resident.phone}"' in response.content.decode()
    assert reveals(ticket).get().actor == tw.butler
