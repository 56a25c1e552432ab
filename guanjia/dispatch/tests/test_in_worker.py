"""Auto-dispatch in the worker (production): the create only queues the repair in its own
transaction; the job dispatches it once after the commit; a lost job is swept up; the desk acting
first wins; nothing is dispatched twice."""

import datetime

import pytest

from guanjia.dispatch import services
from guanjia.dispatch.models import PendingDispatch
from guanjia.dispatch.tests.conftest import NOW, make_rule, receive
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_worker(settings):
    settings.AUTO_DISPATCH_IN_WORKER = True


@pytest.fixture
def ruled(dw):
    make_rule(dw)
    dw.tech2.skills.add(dw.water_skill)
    return dw


def dispatch_jobs(callbacks):
    """The dispatch jobs among what the commit would run (the shared cache also stores on commit)."""
    return [job for job in callbacks if job.__qualname__.startswith("dispatch_on_received")]


def dispatches(ticket):
    return TicketEvent.objects.filter(ticket=ticket, action=Action.DISPATCH)


def test_the_create_answers_received_and_the_job_dispatches_after_the_commit(
    ruled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        ticket = receive(ruled)
    assert ticket.status == Status.RECEIVED and ticket.assignee_id is None
    assert PendingDispatch.objects.filter(ticket=ticket).exists()
    assert len(dispatch_jobs(jobs)) == 1
    dispatch_jobs(jobs)[0]()  # the commit: the job runs (Huey is immediate in tests)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.assignee == ruled.tech2
    event = dispatches(ticket).get()
    assert event.actor is None and event.data["auto"] is True
    assert not PendingDispatch.objects.exists()


def test_the_job_twice_and_the_sweep_dispatch_once(ruled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        ticket = receive(ruled)
    (job,) = dispatch_jobs(jobs)
    job()
    job()
    assert services.dispatch_waiting(ticket.pk) is None
    assert services.dispatch_left_behind(now=NOW + datetime.timedelta(hours=1)) == 0
    assert dispatches(ticket).count() == 1


def test_a_lost_job_is_swept_up_after_a_minute(ruled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the job is never enqueued
        ticket = receive(ruled)
    assert services.dispatch_left_behind(now=NOW + datetime.timedelta(seconds=30)) == 0
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RECEIVED
    assert services.dispatch_left_behind(now=NOW + datetime.timedelta(minutes=2)) == 1
    assert Ticket.objects.get(pk=ticket.pk).assignee == ruled.tech2
    assert not PendingDispatch.objects.exists()


def test_the_desk_dispatching_first_wins(ruled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        ticket = receive(ruled)
        ticket_services.ticket_act(
            actor=ruled.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": ruled.tech1.pk}
        )
    assert len(dispatch_jobs(jobs)) == 1
    for job in dispatch_jobs(jobs):
        job()
    ticket.refresh_from_db()
    assert ticket.assignee == ruled.tech1
    assert dispatches(ticket).get().actor == ruled.desk
    assert not PendingDispatch.objects.exists()


def test_a_failing_dispatch_stays_queued_for_the_next_sweep(
    ruled, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        ticket = receive(ruled)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "auto_dispatch", broken)
    assert services.dispatch_left_behind(now=NOW + datetime.timedelta(minutes=2)) == 0
    assert PendingDispatch.objects.filter(ticket=ticket).exists()
    monkeypatch.undo()
    monkeypatch.setattr(ticket_services, "_now", lambda: NOW)
    assert services.dispatch_left_behind(now=NOW + datetime.timedelta(minutes=3)) == 1
    assert dispatches(ticket).count() == 1


def test_without_a_rule_or_with_the_desk_choosing_nothing_is_queued(dw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        receive(dw)  # no rule: the dispatch queue
        make_rule(dw)
        receive(dw, auto_dispatch=False)
        receive(dw, kind="complaint")
    assert not PendingDispatch.objects.exists()
    assert not dispatch_jobs(jobs)


def test_the_desk_sees_which_queued_requests_the_system_is_dispatching(
    ruled, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=False):
        queued = receive(ruled)
        waiting = receive(ruled, kind="complaint")  # no rule for complaints: the desk's to send
    client.force_login(ruled.desk)
    html = client.get(reverse("dispatch_queue")).content.decode()
    rows = {part.split('"', 1)[0]: part for part in html.split('data-ticket="')[1:]}
    assert 'data-testid="badge-auto-dispatching"' in rows[str(queued.pk)].split("</tr>")[0]
    assert 'data-testid="badge-auto-dispatching"' not in rows[str(waiting.pk)].split("</tr>")[0]


def test_the_jobs_reads_and_journal_go_in_together(ruled, django_capture_on_commit_callbacks):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanjia.core.models import ObjectChange
    from guanjia.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=False):
        ticket = receive(ruled)
    before = ObjectChange.objects.count()
    with CaptureQueriesContext(connection) as captured:
        assert services.dispatch_waiting(ticket.pk).status == Status.DISPATCHED
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "core_objectchange"')]
    assert len(inserts) == 1  # one statement for the request, its deadlines, its event's notices
    # The unit (its building decides between the rules) comes with the locked request.
    assert not [q for q in captured.captured_queries if 'FROM "estates_unit"' in q["sql"]]
    # The request is read once, under its lock: the dispatch acts on that row, not a second read.
    reads = [q for q in captured.captured_queries if q["sql"].startswith('SELECT "tickets_ticket"."id"')]
    assert len(reads) == 1
    entries = ObjectChange.objects.order_by("id")[before:]
    kinds = {(entry.content_type.model_class(), entry.action) for entry in entries}
    assert (Ticket, ObjectChange.Action.UPDATE) in kinds
    assert (Notification, ObjectChange.Action.CREATE) in kinds
    update = next(e for e in entries if e.content_type == ContentType.objects.get_for_model(Ticket))
    assert update.object_id == str(ticket.pk)
    assert update.changes["status"] == [Status.RECEIVED, Status.DISPATCHED]
    assert update.actor is None  # the system dispatched it
