"""The escalation ladder: each step once — however often, however late and by however many
consumers the job runs — to the right person, recorded in the timeline."""

import datetime
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.utils import timezone

from guanjia.core.context import Source
from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.sla import administration, services
from guanjia.sla.choices import Stage
from guanjia.sla.models import Escalation, SlaPolicy, TicketDeadline
from guanjia.sla.tasks import escalate_due_task
from guanjia.sla.tests.helpers import M, act, dispatch, receive
from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket, TicketEvent

DAY = 24 * 60 * M


@pytest.fixture
def tw(tw):
    """The ladder's arithmetic below is written for a repair policy with a 30-minute response and
    no on-site clock (the shipped default promises 15 minutes for both: ``test_deadlines``)."""
    SlaPolicy.objects.filter(company=tw.company, name="公司默认（一般报修）").update(
        response_minutes=30, on_site_minutes=None
    )
    return tw


def ladder_notifications(ticket):
    return Notification.objects.filter(dedup_key__startswith="escalation:", object_id=ticket.pk)


def steps(ticket):
    return sorted(Escalation.objects.filter(ticket=ticket).values_list("deadline__stage", "step"))


@pytest.mark.django_db
def test_each_step_is_taken_once_however_often_the_job_runs(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    dispatch(tw, ticket, t0 + M)
    assert services.escalate_due(now=t0 + 20 * M) == 0  # 67 % of the 30 minutes to respond
    assert services.escalate_due(now=t0 + 31 * M) == 2  # 80 % and 100 %
    assert services.escalate_due(now=t0 + 31 * M) == 0
    assert services.escalate_due(now=t0 + 32 * M) == 0
    assert steps(ticket) == [(Stage.RESPONSE, 1), (Stage.RESPONSE, 2)]
    # Step 1 tells the technician, step 2 the project's department head.
    by_step = {e.step: set(e.notified) for e in Escalation.objects.filter(ticket=ticket)}
    assert by_step == {1: {tw.technician.pk}, 2: {tw.head.pk}}
    assert set(ladder_notifications(ticket).values_list("recipient", flat=True)) == {
        tw.technician.pk,
        tw.head.pk,
    }
    assert ladder_notifications(ticket).filter(recipient=tw.technician).count() == 1  # in-app (no e-mail)
    events = TicketEvent.objects.filter(ticket=ticket, action=Action.ESCALATE).order_by("id")
    assert [(e.data["stage"], e.data["step"], e.data["auto"]) for e in events] == [
        ("response", 1, True),
        ("response", 2, True),
    ]
    assert all(e.internal for e in events)
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 2
    assert TicketDeadline.objects.get(ticket=ticket, stage=Stage.RESPONSE).escalation_step == 2


@pytest.mark.django_db
def test_after_downtime_every_missed_step_is_taken_once(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)  # nobody dispatched: first contact is told
    assert services.escalate_due(now=t0 + 5 * DAY) == 8  # response 1–4 and complete 1–4
    assert services.escalate_due(now=t0 + 6 * DAY) == 0
    assert steps(ticket) == [(Stage.COMPLETE, s) for s in range(1, 5)] + [
        (Stage.RESPONSE, s) for s in range(1, 5)
    ]
    response = {e.step: set(e.notified) for e in Escalation.objects.filter(deadline__stage=Stage.RESPONSE)}
    assert response == {1: {tw.desk.pk}, 2: {tw.head.pk}, 3: {tw.manager.pk}, 4: {tw.hq.pk}}
    # One notification per person per step: no flood.
    assert ladder_notifications(ticket).filter(recipient=tw.hq, channel="in_app").count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.ESCALATE).count() == 8
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 4


@pytest.mark.django_db
def test_a_paused_clock_does_not_escalate_and_catches_up_after_resume(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    act(tw, tw.desk, ticket, Action.HOLD, when=t0 + 10 * M, reason="业主出差")
    assert services.escalate_due(now=t0 + 3 * DAY) == 0
    resumed = t0 + 3 * DAY
    act(tw, tw.desk, ticket, Action.RESUME, when=resumed)
    assert services.escalate_due(now=resumed + 13 * M) == 0  # 10 + 13 = 23 of 30 minutes: 77 %
    assert services.escalate_due(now=resumed + 15 * M) == 1  # 25 minutes: 83 %
    assert services.escalate_due(now=resumed + 2 * DAY) == 7  # the rest, once each
    assert len(steps(ticket)) == 8


@pytest.mark.django_db
def test_finished_stages_do_not_escalate(tw):
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    dispatch(tw, ticket, t0 + M)
    act(tw, tw.technician, ticket, Action.ACCEPT, when=t0 + 5 * M)
    assert services.escalate_due(now=t0 + 60 * M) == 0
    act(tw, tw.desk, ticket, Action.COMMENT, when=t0 + 61 * M, note="备件已订")
    assert services.escalate_due(now=t0 + 2 * DAY) == 4  # completion only


@pytest.mark.django_db
def test_the_periodic_job_runs_as_a_job(tw):
    ticket = receive(tw, when=timezone.now() - DAY, category_id=tw.leak.pk)
    escalate_due_task()
    assert len(steps(ticket)) == 6  # response 1–4, complete 80 % and 100 %
    change = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Escalation)).first()
    assert change is not None and change.source == Source.JOB


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
def test_two_consumers_racing_take_each_step_once(tw):
    t0 = timezone.now()
    tickets = [receive(tw, when=t0, category_id=tw.leak.pk) for _ in range(3)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.escalate_due(now=t0 + 5 * DAY))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 24
    for ticket in tickets:
        assert len(steps(ticket)) == 8
        assert TicketEvent.objects.filter(ticket=ticket, action=Action.ESCALATE).count() == 8
        assert ladder_notifications(ticket).filter(recipient=tw.hq, channel="in_app").count() == 2


def test_threshold_moments_are_shares_of_the_allowed_time_plus_the_time_paused():
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
    deadline = TicketDeadline(started_at=start, allowed_minutes=30, paused_seconds=600, policy=None)
    assert services.threshold_moment(deadline, 80) == start + 24 * M + 10 * M
    assert services.threshold_moment(deadline, 200) == start + 60 * M + 10 * M


@pytest.mark.django_db
def test_the_job_looks_again_only_at_deadlines_with_a_step_due(tw, monkeypatch):
    """Each run reads the deadlines whose next threshold has come (stored by the previous run), not
    every running deadline; a resume or a calendar change makes it look again."""
    t0 = timezone.now()
    ticket = receive(tw, when=t0, category_id=tw.leak.pk)
    assert services.escalate_due(now=t0 + M) == 0
    response = TicketDeadline.objects.get(ticket=ticket, stage=Stage.RESPONSE)
    assert response.next_step_at == services.threshold_moment(response, 80)  # 24 of 30 minutes

    looked_at = []
    real = services.threshold_moment
    monkeypatch.setattr(
        services, "threshold_moment", lambda d, p, **kw: looked_at.append(d.pk) or real(d, p, **kw)
    )
    assert services.escalate_due(now=t0 + 2 * M) == 0
    assert looked_at == []  # nothing due: nothing read
    assert services.escalate_due(now=t0 + 25 * M) == 1  # 80 % of the response time
    assert set(looked_at) == {response.pk}

    act(tw, tw.desk, ticket, Action.HOLD, when=t0 + 26 * M, reason="业主出差")
    act(tw, tw.desk, ticket, Action.RESUME, when=t0 + 2 * DAY)
    assert TicketDeadline.objects.get(pk=response.pk).next_step_at is None
    services.escalate_due(now=t0 + 2 * DAY + M)
    assert TicketDeadline.objects.get(pk=response.pk).next_step_at is not None
    from guanjia.sla.models import Calendar

    business = Calendar.objects.get(company=ticket.company, name=services.BUSINESS_CALENDAR)
    administration.calendar_day_add(
        actor=tw.admin, calendar=business, date=datetime.date(t0.year + 2, 3, 3), is_working=True
    )
    assert not TicketDeadline.objects.filter(ticket=ticket, next_step_at__isnull=False).exists()
