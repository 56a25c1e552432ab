"""The same request sent twice — a double click, a retried API call — is received once."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from guanjia.core.errors import Conflict
from guanjia.testing.api import Api
from guanjia.tickets import services
from guanjia.tickets.models import PaidService, Ticket, TicketEvent, TicketSubmission

pytestmark = pytest.mark.django_db


def body(tw, **extra) -> dict:
    return {"unit_id": tw.unit.pk, "kind": "home_repair", "description": "厨房水管漏水，地上都是水"} | extra


def test_a_retried_api_call_returns_the_request_first_received(tw):
    api = Api(tw.desk)
    first = api.post("tickets", body(tw, idempotency_key="call-0931-a"))
    assert first.status_code == 201, first.content
    again = api.post("tickets", body(tw, idempotency_key="call-0931-a"))
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(action="create").count() == 1


def test_the_same_key_with_other_content_is_a_conflict_naming_the_first_request(tw):
    api = Api(tw.desk)
    first = api.post("tickets", body(tw, idempotency_key="k1")).json()
    response = api.post("tickets", body(tw, idempotency_key="k1", description="楼道灯不亮"))
    assert response.status_code == 409
    assert first["number"] in response.json()["detail"]
    assert Ticket.objects.count() == 1


def test_keys_are_per_person_and_without_a_key_nothing_changes(tw):
    assert Api(tw.desk).post("tickets", body(tw, idempotency_key="same")).status_code == 201
    # Another person's key is their own, even if the text is the same.
    assert Api(tw.butler).post("tickets", body(tw, idempotency_key="same")).status_code == 201
    # No key: every call is a new request, as before.
    assert Api(tw.desk).post("tickets", body(tw)).status_code == 201
    assert Api(tw.desk).post("tickets", body(tw)).status_code == 201
    assert Ticket.objects.count() == 4
    assert set(TicketSubmission.objects.values_list("actor", flat=True)) == {tw.desk.pk, tw.butler.pk}


def test_a_bad_key_is_422_naming_it(tw):
    for key in ("", "x" * 65):
        response = Api(tw.desk).post("tickets", body(tw, idempotency_key=key))
        assert response.status_code == 422
        assert "idempotency_key" in response.json()["errors"]
    assert not Ticket.objects.exists()


def test_losing_the_race_undoes_the_whole_request_and_answers_with_the_winner(tw, monkeypatch):
    """The moment two posts race: both looked and found nothing, the winner committed first. The
    unique constraint stops the loser, whose request (and its number) is rolled back."""
    winner, created = services.ticket_create_once(actor=tw.desk, key="race", data=body(tw))
    assert created
    looked = []
    real = services._submitted_before

    def not_yet_committed(*args):
        looked.append(args)
        return None if len(looked) == 1 else real(*args)

    monkeypatch.setattr(services, "_submitted_before", not_yet_committed)
    loser, created = services.ticket_create_once(actor=tw.desk, key="race", data=body(tw))
    assert not created and loser.pk == winner.pk and len(looked) == 2
    assert Ticket.objects.count() == 1
    monkeypatch.undo()
    # No number was used up by the loser.
    following = services.ticket_create(actor=tw.desk, data=body(tw, description="另一件事"))
    assert int(following.number.rsplit("-", 1)[1]) == int(winner.number.rsplit("-", 1)[1]) + 1


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_the_same_instant_have_one_winner(tw):
    """Real concurrent transactions: SQLite (a file, as deployed) serialises them, PostgreSQL races
    them on the unique constraint. Either way one request, and both answers name it."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite shares one cache between threads and refuses a second writer instead "
            "of waiting: run with GUANJIA_TEST_DB_FILE=1 (the constraint path is tested above)"
        )
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def post():
        try:
            barrier.wait()
            ticket, created = services.ticket_create_once(actor=tw.desk, key="double-click", data=body(tw))
            outcomes.append((ticket.pk, created))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(created for _pk, created in outcomes) == [False, True]
    assert len({pk for pk, _created in outcomes}) == 1
    assert Ticket.objects.count() == 1


# The web forms ----------------------------------------------------------------------------------


def test_the_desk_form_sent_twice_receives_one_request(tw, client):
    client.force_login(tw.desk)
    page = client.get(reverse("ticket_create")).content.decode()
    assert "data-submit-once" in page and 'name="form_token"' in page
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    form = {
        "form_token": token,
        "unit_id": tw.unit.pk,
        "kind": "home_repair",
        "priority": "normal",
        "channel": "phone",
        "description": "卫生间下水堵了",
        "dispatch_to": tw.staff["technician"].pk,
    }
    first = client.post(reverse("ticket_create"), form)
    second = client.post(reverse("ticket_create"), form, follow=True)
    assert first.status_code == 302
    ticket = Ticket.objects.get()
    assert first.url == second.redirect_chain[-1][0] == reverse("ticket_detail", args=[ticket.pk])
    assert "此表单已提交过" in second.content.decode()
    assert TicketEvent.objects.filter(ticket=ticket, action="dispatch").count() == 1
    # Another page shown is a new form: a second request on purpose is received.
    other = client.get(reverse("ticket_create")).content.decode()
    assert f'value="{token}"' not in other


def test_the_residents_report_sent_twice_is_one_request(tw, client):
    client.force_login(tw.resident_user)
    page = client.get(reverse("portal_report")).content.decode()
    assert "data-submit-once" in page
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    form = {"form_token": token, "unit": tw.unit.pk, "description": "阳台漏水"}
    assert client.post(reverse("portal_report"), form).status_code == 302
    assert client.post(reverse("portal_report"), form).status_code == 302
    assert Ticket.objects.count() == 1
    # Sent again after changing the text (back button): refused, with a new token to send it on purpose.
    response = client.post(reverse("portal_report"), form | {"description": "阳台漏水，还有卧室"})
    assert response.status_code == 422
    assert "已用于另一条报事" in response.content.decode()
    assert f'value="{token}"' not in response.content.decode()
    assert Ticket.objects.count() == 1


def test_conflict_from_the_service_is_a_conflict(tw):
    services.ticket_create_once(actor=tw.resident_user, key="k", data=body(tw))
    with pytest.raises(Conflict):
        services.ticket_create_once(actor=tw.resident_user, key="k", data=body(tw, description="别的"))


def test_booking_a_paid_service_twice_from_one_page_books_it_once(tw, client):
    client.force_login(tw.resident_user)
    page = client.get(reverse("portal_services")).content.decode()
    service = PaidService.objects.filter(company=tw.company, is_active=True).order_by("name")[:2]
    first, second = list(service)
    token = page.split('name="form_token" value="', 1)[1].split("-", 1)[0]
    book = {"unit": tw.unit.pk, "note": "周六上午"}
    for _ in range(2):  # a double tap
        response = client.post(
            reverse("portal_services"), book | {"service": first.pk, "form_token": f"{token}-{first.pk}"}
        )
        assert response.status_code == 302
    # Another service booked from the same page is a booking of its own.
    client.post(
        reverse("portal_services"), book | {"service": second.pk, "form_token": f"{token}-{second.pk}"}
    )
    assert sorted(Ticket.objects.values_list("paid_service", flat=True)) == sorted([first.pk, second.pk])
