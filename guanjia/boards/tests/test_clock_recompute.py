"""Every request-clock figure recomputed independently, in plain Python over the raw rows, on random
histories (holds, rework, cancellations, month boundaries, holidays of a working-hours calendar),
and compared with what the API, the boards, the request list, the Excel export, the roll-up and
the staff figures show. docs/figures.md, "Request clocks", is the definition being checked."""

import datetime
import io
import statistics
import zoneinfo

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanjia.boards import rollup, selectors
from guanjia.boards.tests.test_clock_figures import frozen
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.evaluation import figures as staff_figures
from guanjia.sla.models import Calendar, SlaPolicy, TicketDeadline
from guanjia.testing.api import Api
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 3, 28, 8, 0, tzinfo=SH)  # four days before April
NOW = datetime.datetime(2026, 4, 8, 12, 0, tzinfo=SH)  # after Qingming (4–6 April: holidays)
STAGES = ("response", "on_site", "complete", "feedback", "follow_up")
TIMED = ("response", "on_site", "complete")
ACTIONS = (
    "dispatch",
    "accept",
    "arrive",
    "complete",
    "hold",
    "resume",
    "cancel",
    "follow_up_bad",
    "follow_up_ok",
)
GAP = st.one_of(st.integers(1, 20), st.integers(20, 600), st.integers(600, 3000))  # minutes
PLAN = st.tuples(st.integers(0, 10 * 24 * 60), st.lists(st.tuples(st.sampled_from(ACTIONS), GAP), max_size=9))


def month(moment: datetime.datetime) -> str:
    return moment.astimezone(SH).strftime("%Y-%m-01")


def _do(tw, ticket, action: str, when) -> None:
    """One step of a history; steps the request's state does not allow are skipped."""
    tech = tw.staff["technician"].pk
    user, data = tw.desk, {}
    if action == "dispatch":
        a, data = Action.DISPATCH, {"assignee_id": tech, "root_cause": "复查"}
    elif action in ("accept", "arrive", "complete"):
        a, user = (
            {"accept": Action.ACCEPT, "arrive": Action.ARRIVE, "complete": Action.COMPLETE}[action],
            tw.technician,
        )
        data = {"resolution": "已修好"}
    elif action == "hold":
        a, data = Action.HOLD, {"reason": "等配件"}
    elif action == "resume":
        a = Action.RESUME
    elif action == "cancel":
        a, data = Action.CANCEL, {"reason": "业主自行处理"}
    else:
        a = Action.FOLLOW_UP
        data = {"satisfied": action == "follow_up_ok", "score": 5 if action == "follow_up_ok" else 2}
        data["root_cause"] = "没修好"
    try:
        with frozen(when), transaction.atomic():
            ticket_services.ticket_act(actor=user, ticket=ticket, action=a, data=data)
    except (Conflict, NotAllowed):
        pass


def _play(tw, plans) -> None:
    for offset, steps in plans:
        when = START + datetime.timedelta(minutes=offset)
        if when >= NOW:
            continue
        body = {
            "unit_id": tw.unit.pk,
            "kind": Kind.HOME_REPAIR,
            "description": "漏水",
            "category_id": tw.leak.pk,
        }
        with frozen(when):
            ticket = ticket_services.ticket_create(actor=tw.desk, data=body)
        for action, gap in steps:
            when += datetime.timedelta(minutes=gap)
            if when >= NOW:
                break
            _do(tw, ticket, action, when)


# The independent recomputation -----------------------------------------------------------------


def _p(values, q):
    """Continuous percentile by hand: linear between the two nearest ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def expected(company_id, project_id, assignee_id=None):
    """Per month and stage, from the raw deadline rows: judged, met, stopped, and the first round's
    times; plus the requests and deadlines running late at NOW."""
    rows = list(TicketDeadline.objects.filter(company_id=company_id, project_id=project_id).values())
    status = dict(Ticket.objects.filter(project_id=project_id).values_list("id", "status"))
    assignee = dict(Ticket.objects.filter(project_id=project_id).values_list("id", "assignee_id"))
    out: dict = {}
    times: dict = {}
    staff = {"done": 0, "on_time": 0}
    for d in rows:
        done, due = d["done_at"], d["due_at"]
        met = done is not None and done <= due
        missed = (done is not None and done > due) or (done is None and d["paused_at"] is None and due < NOW)
        key = None
        if met:
            key = (month(done), d["stage"])
            counts = out.setdefault(key, {"done": 0, "on_time": 0, "stopped": 0})
            counts["stopped" if d["stopped"] else "on_time"] += 1
            counts["done"] += 0 if d["stopped"] else 1
        if missed:
            key = (month(due), d["stage"])
            counts = out.setdefault(key, {"done": 0, "on_time": 0, "stopped": 0})
            counts["done"] += 1
        in_range = (met and not d["stopped"]) or missed
        if assignee_id and assignee.get(d["ticket_id"]) == assignee_id and d["stage"] in TIMED and in_range:
            staff["done"] += 1
            staff["on_time"] += met
        if d["round"] == 0 and d["stage"] in TIMED and done is not None and not d["stopped"]:
            seconds = (done - d["started_at"]).total_seconds() - d["paused_seconds"]
            times.setdefault((month(done), d["stage"]), []).append(seconds / 60)
    late = [d for d in rows if d["done_at"] is None and d["paused_at"] is None and d["due_at"] < NOW]
    late_requests = {d["ticket_id"] for d in late}
    assert all(status[t] not in (Status.CLOSED, Status.CANCELLED) for t in late_requests)
    return out, times, len(late_requests), len(late), staff


def _api_rows(tw) -> dict:
    with frozen(NOW):
        data = (
            Api(tw.manager)
            .get("figures", period="month", **{"from": "2026-03-01", "to": "2026-04-30"})
            .json()
        )
    return {r["period"]: r for r in data["rows"] if r["key"] == str(tw.project.id)}


def _check_figures(rows, out, times) -> None:
    for m in ("2026-03-01", "2026-04-01"):
        row = rows.get(m)
        for stage in STAGES:
            want = out.get((m, stage), {"done": 0, "on_time": 0, "stopped": 0})
            got = next(s for s in row["on_time"] if s["stage"] == stage) if row else None
            if got is None:
                assert want == {"done": 0, "on_time": 0, "stopped": 0}
                continue
            assert (got["done"], got["on_time"], got["stopped"]) == (
                want["done"],
                want["on_time"],
                want["stopped"],
            )
            assert got["missed"] == want["done"] - want["on_time"]
            assert got["rate"] == (round(want["on_time"] / want["done"], 4) if want["done"] else None)
        for stage in TIMED:
            values = times.get((m, stage), [])
            got = next(t for t in row["times"] if t["stage"] == stage) if row else None
            if got is None:
                assert not values
                continue
            assert got["count"] == len(values)
            if values:
                assert got["mean"] == pytest.approx(statistics.fmean(values), abs=0.051)
                assert got["median"] == pytest.approx(statistics.median(values), abs=0.051)
                assert got["p90"] == pytest.approx(_p(values, 0.9), abs=0.051)
            else:
                assert got["mean"] is got["median"] is got["p90"] is None


def _check_export(tw, rows) -> None:
    client = Client()
    client.force_login(tw.manager)
    with frozen(NOW):
        body = client.get(
            "/boards/figures/export.xlsx", {"period": "month", "from": "2026-03-01", "to": "2026-04-30"}
        )
    assert body.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    header = list(lines[0])
    for line in lines[1:]:
        row = rows.get(line[0])
        if row is None or line[1] != tw.project.name:
            continue
        for s in row["on_time"]:
            first = header.index(f"{s['label']}时限判定数")
            assert list(line[first : first + 3]) == [s["done"], s["missed"], s["stopped"]]
        for t in row["times"]:
            first = header.index(f"{t['label']}时长均值(分钟)")
            assert list(line[first : first + 3]) == [t["mean"], t["median"], t["p90"]]


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plans=st.lists(PLAN, min_size=1, max_size=4), working_hours=st.booleans())
def test_every_clock_figure_matches_an_independent_recount(tw, plans, working_hours):
    with transaction.atomic():
        if working_hours:  # the working-hours calendar: 8:30–17:30 on working days, Qingming off
            calendar = Calendar.objects.get(company=tw.company, kind="business")
            SlaPolicy.objects.filter(company=tw.company).update(calendar=calendar)
        _play(tw, plans)
        out, times, late_requests, late_deadlines, staff = expected(
            tw.company.id, tw.project.id, tw.staff["technician"].pk
        )
        rows = _api_rows(tw)
        _check_figures(rows, out, times)
        # The boards and the request list: the same late requests.
        with frozen(NOW):
            board = selectors.project_board(tw.manager, tw.project.id)
            hq = {r["project"]["id"]: r for r in selectors.hq_board(tw.admin)["rows"]}[tw.project.id]
            listed = Api(tw.manager).get("tickets", overdue="true", limit=100).json()["items"]
        assert board["overdue_total"] == hq["overdue_total"] == len(listed) == late_requests
        assert board["overdue_deadlines"] == hq["overdue_deadlines"] == late_deadlines
        _check_export(tw, rows)
        # The staff figures: the technician's response, on-site and completion clocks.
        with frozen(NOW):
            person = next(
                r
                for r in staff_figures.project_figures(
                    tw.project, datetime.date(2026, 3, 1), datetime.date(2026, 4, 30)
                )
                if r["staff_id"] == tw.staff["technician"].pk
            )
        assert (person["deadlines_done"], person["deadlines_on_time"]) == (staff["done"], staff["on_time"])
        # The roll-up of the finished days gives the same figures as the live count.
        days = [datetime.date(2026, 3, 1) + datetime.timedelta(days=n) for n in range(38)]
        rollup.rollup(tw.company, days, now=NOW)
        assert _api_rows(tw) == rows
        transaction.set_rollback(True)
