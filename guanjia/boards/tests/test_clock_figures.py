"""The request clocks' figures mean one thing everywhere (docs/figures.md, "Request clocks"): a
held request with time left is not late, the boards count late requests as the list does,
cancelling is not finishing, a clock running late counts as missed, and the times are the first
round's, hold excluded, with median and 90th percentile. Requests are made through the services
with a controlled clock."""

import contextlib
import datetime
import zoneinfo
from unittest import mock

import pytest

from guanjia.boards import selectors
from guanjia.sla.choices import Stage
from guanjia.sla.models import TicketDeadline
from guanjia.testing.api import Api
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Kind

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
M = datetime.timedelta(minutes=1)
H = datetime.timedelta(hours=1)
T0 = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SH)


@contextlib.contextmanager
def frozen(moment):
    """Everything happens at ``moment``: the services' clock and "now" of every read (in UTC, as
    ``timezone.now`` gives it)."""
    moment = moment.astimezone(datetime.UTC)
    with (
        mock.patch.object(ticket_services, "_now", lambda: moment),
        mock.patch("django.utils.timezone.now", lambda: moment),
    ):
        yield


def receive(tw, when, **data):
    body = {"unit_id": tw.unit.pk, "kind": Kind.HOME_REPAIR, "description": "厨房水管漏水"} | data
    with frozen(when):
        return ticket_services.ticket_create(actor=tw.desk, data=body | {"category_id": tw.leak.pk})


def act(tw, user, ticket, action, when, **data):
    with frozen(when):
        return ticket_services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def work(tw, ticket, start, *, accept, arrive, complete, **dispatch):
    """Dispatch at ``start``; accept, arrive, complete ``accept``/``arrive``/``complete`` later."""
    tech = tw.staff["technician"]
    act(tw, tw.desk, ticket, Action.DISPATCH, start, assignee_id=tech.pk, **dispatch)
    if accept is not None:
        act(tw, tw.technician, ticket, Action.ACCEPT, start + accept)
    if arrive is not None:
        act(tw, tw.technician, ticket, Action.ARRIVE, start + arrive)
    if complete is not None:
        act(tw, tw.technician, ticket, Action.COMPLETE, start + complete, resolution="已修好")


def overdue_everywhere(tw, when) -> tuple[int, int, int]:
    """Late requests at ``when``: the project board, the HQ board's row, the request list's filter."""
    with frozen(when):
        board = selectors.project_board(tw.manager, tw.project.id)
        hq = {r["project"]["id"]: r for r in selectors.hq_board(tw.admin)["rows"]}[tw.project.id]
        listed = Api(tw.manager).get("tickets", overdue="true", project_id=tw.project.id).json()["items"]
    return board["overdue_total"], hq["overdue_total"], len(listed)


def month_row(tw, month: int, *, when=None) -> dict:
    """The project's figures row of 2026-``month`` from the API (``when``: the moment read)."""
    with frozen(when or datetime.datetime(2026, 5, 1, 9, tzinfo=SH)):
        data = (
            Api(tw.manager)
            .get("figures", group_by="project", period="month", **{"from": "2026-03-01"})
            .json()
        )
    rows = [
        r for r in data["rows"] if r["period"] == f"2026-{month:02d}-01" and r["key"] == str(tw.project.id)
    ]
    assert len(rows) == 1, data
    return rows[0]


def stage(row, name) -> dict:
    return next(s for s in row["on_time"] if s["stage"] == name)


def test_a_held_request_with_time_left_is_late_nowhere_and_resuming_moves_its_due_time(tw):
    ticket = receive(tw, T0)
    act(tw, tw.desk, ticket, Action.HOLD, T0 + 5 * M, reason="业主不在家")
    # An hour later its stored response due time (T0 + 15 min) has passed, but the clock is held.
    assert overdue_everywhere(tw, T0 + H) == (0, 0, 0)
    act(tw, tw.desk, ticket, Action.RESUME, T0 + H)
    response = TicketDeadline.objects.get(ticket=ticket, stage=Stage.RESPONSE)
    assert response.due_at == T0 + H + 10 * M  # 10 minutes were left when it was held
    assert overdue_everywhere(tw, T0 + H + 9 * M) == (0, 0, 0)
    assert overdue_everywhere(tw, T0 + H + 11 * M) == (1, 1, 1)


def test_a_hold_does_not_pause_a_clock_already_late(tw):
    ticket = receive(tw, T0)
    act(tw, tw.desk, ticket, Action.HOLD, T0 + 20 * M, reason="等配件")
    clocks = {d.stage: d for d in TicketDeadline.objects.filter(ticket=ticket)}
    assert clocks[Stage.RESPONSE].paused_at is None  # 5 minutes late already: keeps running
    assert clocks[Stage.COMPLETE].paused_at == T0 + 20 * M  # a day allowed: paused
    assert overdue_everywhere(tw, T0 + H) == (1, 1, 1)


def test_boards_count_late_requests_as_the_list_does_and_late_deadlines_apart(tw):
    receive(tw, T0)  # never accepted: response and on-site both late a day later
    late_later = receive(tw, T0 + 23 * H)
    work(tw, late_later, T0 + 23 * H, accept=2 * M, arrive=None, complete=None)  # on site late
    assert overdue_everywhere(tw, T0 + 24 * H) == (2, 2, 2)
    with frozen(T0 + 24 * H):
        board = selectors.project_board(tw.manager, tw.project.id)
    assert board["overdue_deadlines"] == 3
    assert {s["stage"]: s["count"] for s in board["overdue_by_stage"]}[Stage.ON_SITE] == 2


def test_cancelling_is_not_finishing(tw):
    early = receive(tw, T0)
    act(tw, tw.desk, early, Action.CANCEL, T0 + 5 * M, reason="业主自行处理")
    # Never accepted, cancelled two hours later: response and on site had run out, completion not.
    late = receive(tw, T0 + H)
    act(tw, tw.desk, late, Action.CANCEL, T0 + 3 * H, reason="业主自行处理")
    row = month_row(tw, 3)
    assert {k: stage(row, Stage.RESPONSE)[k] for k in ("done", "on_time", "missed", "stopped")} == {
        "done": 1,
        "on_time": 0,
        "missed": 1,
        "stopped": 1,
    }
    complete = stage(row, Stage.COMPLETE)
    assert (complete["done"], complete["stopped"], complete["rate"]) == (0, 2, None)


def test_a_clock_still_running_late_counts_as_missed_in_the_period_it_ran_out(tw):
    done = receive(tw, T0)
    work(tw, done, T0, accept=2 * M, arrive=10 * M, complete=H)
    running = receive(tw, datetime.datetime(2026, 3, 30, 10, tzinfo=SH))
    work(tw, running, running.received_at, accept=2 * M, arrive=10 * M, complete=None)
    # Its completion was due on 31 March and is still not done in May.
    march = stage(month_row(tw, 3), Stage.COMPLETE)
    assert (march["done"], march["on_time"], march["missed"], march["rate"]) == (2, 1, 1, 0.5)
    # Read on 31 March at noon, when it had not yet run out: nothing judged against it yet.
    noon = stage(month_row(tw, 3, when=datetime.datetime(2026, 3, 31, 9, tzinfo=SH)), Stage.COMPLETE)
    assert (noon["done"], noon["on_time"]) == (1, 1)


def test_times_are_the_first_rounds_from_receipt_without_hold_with_median_and_p90(tw):
    held = receive(tw, T0)
    work(tw, held, T0, accept=5 * M, arrive=10 * M, complete=None)
    act(tw, tw.technician, held, Action.HOLD, T0 + 20 * M, reason="等配件")
    act(tw, tw.technician, held, Action.RESUME, T0 + 20 * M + 24 * H)
    act(tw, tw.technician, held, Action.COMPLETE, T0 + 50 * M + 24 * H, resolution="已修好")
    quick = receive(tw, T0 + H)
    work(tw, quick, T0 + H, accept=3 * M, arrive=8 * M, complete=30 * M)
    reworked = receive(tw, T0 + 2 * H)
    work(tw, reworked, T0 + 2 * H, accept=10 * M, arrive=12 * M, complete=40 * M)
    act(tw, tw.desk, reworked, Action.FOLLOW_UP, T0 + 3 * H, satisfied="false", score=2, root_cause="没修好")
    work(tw, reworked, T0 + 4 * H, accept=10 * M, arrive=20 * M, complete=3 * H, root_cause="没修好")
    row = month_row(tw, 3)
    times = {t["stage"]: t for t in row["times"]}
    # Completion: 50 (24 h held excluded), 30, 40 minutes — the rework round is not measured.
    assert times[Stage.COMPLETE] == {
        "stage": "complete",
        "label": str(Stage.COMPLETE.label),
        "count": 3,
        "mean": 40.0,
        "median": 40.0,
        "p90": 48.0,
    }
    assert (times[Stage.RESPONSE]["mean"], times[Stage.RESPONSE]["median"], times[Stage.RESPONSE]["p90"]) == (
        6.0,
        5.0,
        9.0,
    )
    assert (row["response_minutes"], row["arrive_minutes"], row["complete_minutes"]) == (6.0, 10.0, 40.0)
