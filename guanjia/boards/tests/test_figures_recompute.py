"""Follow-ups, rework, complaints, households and departments, recomputed independently.

Random histories are built through the request services with a controlled clock (holds, rework
after an unsatisfied call or a reopen, cancellations, complaints the desk resolves itself or names a
person in, move-ins and move-outs, month boundaries). Plain Python then recomputes each figure from
the raw rows — the timeline's events, the requests' own columns and the occupancies, never the
production functions or the follow-up/rework rows they read — and compares it with the figures
(selector and API), the page, the export, the roll-up and the staff figures (docs/figures.md).
"""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from guanjia.boards import rollup, selectors
from guanjia.estates.models import Occupancy
from guanjia.evaluation import figures as staff_figures
from guanjia.sla.tests.helpers import act, receive
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.tests import conftest as tickets

pytestmark = pytest.mark.django_db
tw = tickets.tw  # the service-request world

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
M = datetime.timedelta(minutes=1)
FIRST, LAST = datetime.date(2026, 2, 1), datetime.date(2026, 4, 30)
MONTHS = (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))


def at(day, hour, minute=0, month=3):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SH)


def month_of(moment: datetime.datetime) -> datetime.date:
    local = moment.astimezone(SH)
    return datetime.date(local.year, local.month, 1)


def month_end(first: datetime.date) -> datetime.date:
    nxt = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


# Histories through the services ---------------------------------------------------------------


def drive(tw, choose, clock: list, *, complaint: bool, named: bool) -> None:
    """One request from receipt to wherever the drawn choices stop it; ``clock[0]`` moves on."""

    def later():
        clock[0] += choose(st.integers(min_value=1, max_value=36 * 60)) * M
        return clock[0]

    body = {"resident_id": tw.resident.pk}
    if complaint:
        body |= {"kind": Kind.COMPLAINT, "description": "投诉服务"}
        if named:
            body["subject_staff_id"] = tw.staff[choose(st.sampled_from(["technician", "technician2"]))].pk
    t = receive(tw, when=later(), **body)
    techs = {"technician": tw.technician, "technician2": tw.technician2}
    worker = None
    for _step in range(14):
        options = {
            Status.RECEIVED: ["dispatch", "cancel", "hold"] + (["desk_complete"] if complaint else []),
            Status.DISPATCHED: ["accept", "hold"],
            Status.ACCEPTED: ["arrive"],
            Status.ON_SITE: ["complete", "hold"],
            Status.COMPLETED: ["follow_up", "follow_up", "reopen", "stop"],
            Status.REWORK: ["dispatch", "cancel"] + (["desk_complete"] if complaint else []),
            Status.ON_HOLD: ["resume", "cancel"],
        }.get(t.status)
        if not options:
            return
        step = choose(st.sampled_from(options))
        if step == "stop":
            return
        when = later()
        if step == "dispatch":
            name = choose(st.sampled_from(sorted(techs)))
            worker = techs[name]
            extra = {"root_cause": "未修好"} if t.status == Status.REWORK else {}
            t = act(tw, tw.desk, t, Action.DISPATCH, when=when, assignee_id=tw.staff[name].pk, **extra)
        elif step in ("accept", "arrive"):
            t = act(tw, worker, t, step, when=when)
        elif step == "complete":
            t = act(tw, worker, t, Action.COMPLETE, when=when, resolution="已修好")
        elif step == "desk_complete":
            t = act(tw, tw.desk, t, Action.COMPLETE, when=when, resolution="已答复")
        elif step == "follow_up":
            satisfied = choose(st.booleans())
            score = choose(st.integers(min_value=3, max_value=5) if satisfied else st.integers(1, 2))
            extra = {} if satisfied else {"root_cause": "业主不满意"}
            t = act(tw, tw.desk, t, Action.FOLLOW_UP, when=when, satisfied=satisfied, score=score, **extra)
        elif step == "reopen":
            t = act(tw, tw.resident_user, t, Action.REOPEN, when=when, reason="还在漏")
        elif step in ("cancel", "hold"):
            t = act(tw, tw.desk, t, step, when=when, reason="业主不在家")
        elif step == "resume":
            t = act(tw, tw.desk, t, Action.RESUME, when=when)


def move(tw, choose) -> None:
    """A unit of P1 occupied from a drawn day, perhaps moved out of later."""
    start = FIRST + datetime.timedelta(days=choose(st.integers(-20, 85)))
    stay = choose(st.one_of(st.none(), st.integers(0, 60)))
    unit = f.UnitFactory(building=tw.building)
    for _resident in range(choose(st.integers(1, 2))):  # a family: still one household
        f.OccupancyFactory(
            unit=unit,
            start_on=start,
            end_on=None if stay is None else start + datetime.timedelta(days=stay),
        )


# The independent recompute ----------------------------------------------------------------------


def recompute(tw) -> dict:
    """Every figure under test, from the raw rows (events, request columns, occupancies)."""
    staff_of = dict(StaffMember.objects.values_list("user_id", "id"))
    dept_of = dict(StaffMember.objects.values_list("id", "department"))
    calls, reworks = [], []  # (moment, project, handler, satisfied, score) / (moment, project, handler)
    handler_now = {}
    for ticket_id, time, actor, action, data, project in TicketEvent.objects.order_by(
        "ticket_id", "time", "id"
    ).values_list("ticket_id", "time", "actor_id", "action", "data", "project_id"):
        if action == Action.COMPLETE:
            handler_now[ticket_id] = staff_of.get(actor)
        elif action == Action.FOLLOW_UP:
            calls.append((time, project, handler_now.get(ticket_id), data["satisfied"], data["score"]))
            if not data["satisfied"]:
                reworks.append((time, project, handler_now.pop(ticket_id, None)))
        elif action == Action.REOPEN:
            reworks.append((time, project, handler_now.pop(ticket_id, None)))
    tickets = list(
        Ticket.objects.values(
            "id", "project_id", "kind", "received_at", "completed_at", "assignee_id", "subject_staff_id"
        )
    )

    def handler(t):
        # An assignee, else whoever completed the current round (none once it went back to work).
        return t["assignee_id"] or (handler_now.get(t["id"]) if t["completed_at"] else None)

    out = {g: defaultdict(Counter) for g in ("project", "person", "department")}

    def add(group_keys: dict, month, name, n=1):
        for g, key in group_keys.items():
            out[g][(month, key)][name] += n

    def keys(project, person):
        return {"project": project, "person": person, "department": dept_of.get(person)}

    for time, project, who, satisfied, score in calls:
        add(keys(project, who), month_of(time), "follow_up_calls")
        add(keys(project, who), month_of(time), "follow_up_satisfied", int(satisfied))
        add(keys(project, who), month_of(time), f"score_{score}")
    for time, project, who in reworks:
        add(keys(project, who), month_of(time), "rework")
    for t in tickets:
        who = handler(t)
        if t["completed_at"] is not None:
            add(keys(t["project_id"], who), month_of(t["completed_at"]), "completed")
        if t["kind"] == Kind.COMPLAINT:
            add(keys(t["project_id"], who), month_of(t["received_at"]), "complaints")
            if t["subject_staff_id"]:
                named = t["subject_staff_id"]
                add(keys(t["project_id"], named), month_of(t["received_at"]), "complaints_named")
    # Households: units with an occupancy covering the month's last day.
    occupied = defaultdict(set)
    for project, unit, start, end in Occupancy.objects.filter(company=tw.company).values_list(
        "project_id", "unit_id", "start_on", "end_on"
    ):
        for first in MONTHS:
            day = month_end(first)
            if start <= day and (end is None or end >= day):
                occupied[(first, project)].add(unit)
    homes = {k: len(v) for k, v in occupied.items()}
    serves = defaultdict(set)
    for staff_id, project_id in StaffMember.projects.through.objects.filter(
        project__company=tw.company
    ).values_list("staffmember_id", "project_id"):
        serves[staff_id].add(project_id)
    projects = {p for _m, p in homes}
    for g, rows in out.items():
        for (first, key), r in rows.items():
            if g == "project":
                r["households"] = homes.get((first, key), 0)
            elif g == "person":
                r["households"] = sum(homes.get((first, p), 0) for p in serves.get(key, ()))
            else:
                r["households"] = sum(homes.get((first, p), 0) for p in projects)
    return out


def shown(row: dict) -> Counter:
    """The same measures as the figures show them."""
    c = Counter(
        completed=row["completed"],
        follow_up_calls=row["follow_up_calls"],
        follow_up_satisfied=row["follow_up_satisfied"],
        rework=row["rework"],
        complaints=row["complaints"],
        complaints_named=row["complaints_named"],
        households=row["households"],
    )
    for score, n in enumerate(row["follow_up_score"]["distribution"], start=1):
        c[f"score_{score}"] = n
    return +c  # zeros dropped, as in the recompute


def group_key(group_by: str, key):
    if key is None:
        return None
    return key if group_by == "department" else int(key)


def figures_of(user, group_by: str) -> dict:
    params = selectors.figure_params(group_by=group_by, period="month", start=FIRST, end=LAST)
    return selectors.figures(user, params)


def compare(tw, expected: dict) -> None:
    for group_by in ("project", "person", "department"):
        data = figures_of(tw.admin, group_by)
        # Rows with nothing of these figures but households (a group with only deadlines done, or
        # nothing at all) are left out on both sides.
        got = {(r["period"], group_key(group_by, r["key"])): shown(r) for r in data["rows"]}
        got = {k: v for k, v in got.items() if set(v) - {"households"}}
        want = {k: +Counter(v) for k, v in expected[group_by].items() if k[0] in MONTHS}
        want = {k: v for k, v in want.items() if set(v) - {"households"}}
        assert got == want, group_by
        for r in data["rows"]:
            homes = r["households"]
            assert r["complaints_per_1000"] == (round(r["complaints"] * 1000 / homes, 2) if homes else None)
            calls = r["follow_up_calls"]
            assert r["follow_up_satisfied_rate"] == (
                round(r["follow_up_satisfied"] / calls, 4) if calls else None
            )


def compare_staff(tw, expected: dict) -> None:
    """The staff figures of March: the same calls, rework and complaints per person."""
    query = staff_figures.figure_query(tw.admin, start="2026-03-01", end="2026-03-31")
    rows = {r["staff_id"]: r for r in staff_figures.staff_figures(tw.admin, query)}
    march = {key: v for (first, key), v in expected["person"].items() if first == MONTHS[1]}
    for staff_id, r in rows.items():
        want = march.get(staff_id, Counter())
        assert (r["answered"], r["satisfied"]) == (want["follow_up_calls"], want["follow_up_satisfied"])
        assert r["rework"] == want["rework"]
        assert r["handled"] == want["completed"]
        assert r["complaints_assigned"] == want["complaints"]
        assert r["complaints"] == want["complaints_named"]


@settings(
    max_examples=6,
    deadline=None,
    # No shrinking: each example is a few dozen service calls, and shrinking one takes minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_figures_match_an_independent_recompute(tw, data):
    choose = data.draw
    with transaction.atomic():
        clock = [at(25, 9, month=2)]
        for _n in range(choose(st.integers(2, 5))):
            complaint = choose(st.booleans())
            drive(tw, choose, clock, complaint=complaint, named=complaint and choose(st.booleans()))
            clock[0] -= choose(st.integers(0, 3 * 24 * 60)) * M  # requests overlap in time
        for _n in range(choose(st.integers(0, 3))):
            move(tw, choose)
        expected = recompute(tw)
        compare(tw, expected)
        compare_staff(tw, expected)
        live = {g: figures_of(tw.admin, g)["rows"] for g in ("project", "person", "department")}
        rollup.rollup(
            tw.company, [FIRST + datetime.timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
        )
        for g, rows in live.items():
            rolled = figures_of(tw.admin, g)["rows"]
            assert [(r["period"], r["key"], shown(r)) for r in rolled] == [
                (r["period"], r["key"], shown(r)) for r in rows
            ], f"roll-up by {g}"
        transaction.set_rollback(True)


# The API, the page and the export show the same rows ------------------------------------------


@pytest.fixture
def history(tw):
    """A March with each case of the brief: an unsatisfied call and its rework, a reopen, a
    complaint the desk resolves itself, a complaint naming the technician, a household moving out
    on 15 March, one moving in in April; and a complaint in February."""
    receive(tw, when=at(20, 9, month=2), kind=Kind.COMPLAINT, description="二月的投诉")
    t = receive(tw, when=at(2, 9), resident_id=tw.resident.pk)
    t = act(tw, tw.desk, t, Action.DISPATCH, when=at(2, 9, 1), assignee_id=tw.staff["technician"].pk)
    t = act(tw, tw.technician, t, Action.ACCEPT, when=at(2, 9, 5))
    t = act(tw, tw.technician, t, Action.ARRIVE, when=at(2, 9, 10))
    t = act(tw, tw.technician, t, Action.COMPLETE, when=at(2, 11), resolution="已修好")
    t = act(tw, tw.desk, t, Action.FOLLOW_UP, when=at(3, 9), satisfied=False, score=1, root_cause="仍漏水")
    t = act(
        tw,
        tw.desk,
        t,
        Action.DISPATCH,
        when=at(3, 10),
        assignee_id=tw.staff["technician"].pk,
        root_cause="老化",
    )
    t = act(tw, tw.technician, t, Action.ACCEPT, when=at(3, 10, 5))
    t = act(tw, tw.technician, t, Action.ARRIVE, when=at(3, 10, 10))
    t = act(tw, tw.technician, t, Action.COMPLETE, when=at(3, 12), resolution="已返修")
    t = act(tw, tw.resident_user, t, Action.REOPEN, when=at(4, 8), reason="又漏了")
    c = receive(tw, when=at(5, 9), resident_id=tw.resident.pk, kind=Kind.COMPLAINT, description="噪音")
    act(tw, tw.desk, c, Action.COMPLETE, when=at(5, 10), resolution="已协调")
    receive(
        tw,
        when=at(6, 9),
        kind=Kind.COMPLAINT,
        description="态度差",
        subject_staff_id=tw.staff["technician"].pk,
    )
    unit = f.UnitFactory(building=tw.building)
    f.OccupancyFactory(unit=unit, start_on=datetime.date(2025, 1, 1), end_on=datetime.date(2026, 3, 15))
    f.OccupancyFactory(unit=f.UnitFactory(building=tw.building), start_on=datetime.date(2026, 4, 2))
    return tw


def test_a_failed_call_and_its_rework_count_in_march(history):
    rows = {r["label"]: r for r in figures_of(history.admin, "person")["rows"] if r["period"].month == 3}
    tech = rows["维修工"]
    assert (tech["follow_up_calls"], tech["follow_up_satisfied"], tech["rework"]) == (1, 0, 2)
    assert tech["follow_up_score"]["distribution"] == [1, 0, 0, 0, 0]
    query = staff_figures.figure_query(history.admin, start="2026-03-01", end="2026-03-31")
    staff = {r["name"]: r for r in staff_figures.staff_figures(history.admin, query)}
    assert (staff["维修工"]["answered"], staff["维修工"]["satisfied_rate"], staff["维修工"]["rework"]) == (
        1,
        0.0,
        2,
    )


def test_the_desk_resolving_a_complaint_is_the_desks_department(history):
    rows = {r["label"]: r for r in figures_of(history.admin, "department")["rows"] if r["period"].month == 3}
    service = rows[str(Department.SERVICE.label)]
    assert (service["completed"], service["complaints"]) == (1, 1)
    assert rows["未指派"]["complaints"] == 1  # the named complaint nobody handles yet
    assert rows[str(Department.ENGINEERING.label)]["complaints_named"] == 1


def test_households_are_those_of_each_month(history):
    rows = {
        r["period"].month: r
        for r in figures_of(history.admin, "project")["rows"]
        if r["key"] == str(history.project.pk)
    }
    # The world's two households since 2024, the one that left on 15 March, the one from 2 April.
    assert rows[2]["households"] == 3
    assert rows[3]["households"] == 2
    by_person = {r["label"]: r for r in figures_of(history.admin, "person")["rows"] if r["period"].month == 3}
    # The technician serves P1 only: P1's households, not the company's.
    assert by_person["维修工"]["households"] == 2
    assert by_person["维修工"]["complaints_named_per_1000"] == 500.0


def test_api_page_and_export_show_the_same_rows(history, client):
    data = figures_of(history.admin, "person")
    query = {"group_by": "person", "period": "month", "from": FIRST.isoformat(), "to": LAST.isoformat()}
    body = Api(history.admin).get("figures", **query).json()
    fields = (
        "follow_up_calls",
        "follow_up_satisfied",
        "rework",
        "complaints",
        "complaints_named",
        "households",
    )
    assert [[r[k] for k in fields] for r in body["rows"]] == [[r[k] for k in fields] for r in data["rows"]]
    client.force_login(history.admin)
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    page = client.get(f"/boards/figures/?{qs}").content.decode()
    assert "负责投诉" in page and "被投诉(指名)" in page and 'data-testid="figure-hints"' in page
    cells = {
        name: [int(v) for v in re.findall(rf'data-testid="{name}">(\d+)<', page)]
        for name in ("follow-up-calls", "rework", "complaints", "complaints-named", "households")
    }
    assert cells["follow-up-calls"] == [r["follow_up_calls"] for r in data["rows"]]
    assert cells["rework"] == [r["rework"] for r in data["rows"]]
    assert cells["complaints-named"] == [r["complaints_named"] for r in data["rows"]]
    assert cells["households"] == [r["households"] for r in data["rows"]]
    sheet = load_workbook(io.BytesIO(client.get(f"/boards/figures/export.xlsx?{qs}").content)).active
    table = list(sheet.values)
    head = table[0]
    for column, key in (
        ("回访次数", "follow_up_calls"),
        ("返工次数", "rework"),
        ("被投诉(指名)", "complaints_named"),
    ):
        assert [row[head.index(column)] for row in table[1:]] == [r[key] for r in data["rows"]]
    assert [row[head.index("负责投诉")] for row in table[1:]] == [r["complaints"] for r in data["rows"]]
