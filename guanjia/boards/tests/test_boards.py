"""The project board and the HQ 24-hour board: exact numbers for a small hand-built data set,
overdue read only from stored deadlines, scoping, and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.boards import selectors
from guanjia.boards.tests.conftest import NOW, at, make_deadline, make_ticket
from guanjia.core.errors import NotAllowed, NotFound
from guanjia.core.roles import Role
from guanjia.core.scoping import scope_for
from guanjia.sla.choices import Stage
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.choices import Priority, Status

HOUR = datetime.timedelta(hours=1)


def by_key(items, key="stage"):
    return {i[key]: i["count"] for i in items}


@pytest.fixture
def board_data(bw):
    """P1: four open requests (one urgent), two overdue deadlines, one due within the hour, two
    completions today (one just after midnight in Shanghai), satisfaction from two recent ratings.
    P2: one request with a deadline overdue for a day."""
    p1, desk = bw.project, bw.desk_member
    t1 = make_ticket(p1, first_contact=desk, received_at=NOW - 2 * HOUR, priority=Priority.URGENT)
    make_deadline(t1, Stage.RESPONSE, due_at=NOW - HOUR / 2)
    t2 = make_ticket(p1, first_contact=desk, received_at=NOW - 3 * HOUR, status=Status.DISPATCHED)
    make_deadline(t2, Stage.RESPONSE, due_at=NOW - 2 * HOUR, done_at=NOW - 2.5 * HOUR)
    make_deadline(t2, Stage.ON_SITE, due_at=NOW + HOUR / 3)
    t3 = make_ticket(p1, first_contact=desk, received_at=NOW - 8 * HOUR, status=Status.ON_SITE)
    make_deadline(t3, Stage.COMPLETE, due_at=NOW - 3 * HOUR)
    make_deadline(t3, Stage.FEEDBACK, due_at=NOW + 2 * HOUR)  # neither overdue nor due soon
    make_ticket(
        p1, first_contact=desk, received_at=at(18, 7), status=Status.COMPLETED, completed_at=at(18, 8)
    )
    make_ticket(
        p1,
        first_contact=desk,
        received_at=at(17, 20),
        status=Status.CLOSED,
        completed_at=at(17, 23, 30),  # yesterday in Shanghai
        follow_up_score=5,
        rating=4,
    )
    make_ticket(
        p1,
        first_contact=desk,
        received_at=at(17, 23),
        status=Status.CLOSED,
        completed_at=at(18, 0, 30),  # today in Shanghai, yesterday in UTC
        follow_up_score=3,
        rating=5,
    )
    make_ticket(
        p1,
        first_contact=desk,
        received_at=at(5, 9, month=2),
        status=Status.CLOSED,
        completed_at=at(6, 9, month=2),  # older than 30 days: not in satisfaction
        follow_up_score=1,
        rating=1,
    )
    cancelled = make_ticket(p1, first_contact=desk, received_at=NOW - HOUR, status=Status.CANCELLED)
    make_deadline(cancelled, Stage.RESPONSE, due_at=NOW - HOUR, done_at=NOW - HOUR / 2)
    s1 = make_ticket(bw.sibling_project, first_contact=bw.sibling_member, received_at=NOW - 30 * HOUR)
    make_deadline(s1, Stage.RESPONSE, due_at=NOW - 24 * HOUR)
    return bw


def test_project_board_numbers(board_data):
    w = board_data
    board = selectors.project_board(w.manager, w.project.id, now=NOW)
    assert board["open_total"] == 4
    assert by_key(board["open_by_status"], "status") == {
        "received": 1,
        "dispatched": 1,
        "accepted": 0,
        "on_site": 1,
        "completed": 1,
        "followed_up": 0,
        "on_hold": 0,
        "rework": 0,
    }
    assert board["overdue_total"] == 2
    assert by_key(board["overdue_by_stage"]) == {
        "response": 1,
        "on_site": 0,
        "complete": 1,
        "feedback": 0,
        "follow_up": 0,
    }
    assert board["due_soon_total"] == 1
    assert by_key(board["due_soon_by_stage"])["on_site"] == 1
    assert board["urgent_open"] == 1
    assert board["completed_today"] == 2
    assert board["follow_up_score"] == {"count": 2, "mean": 4.0, "distribution": [0, 0, 1, 0, 1]}
    assert board["rating"] == {"count": 2, "mean": 4.5, "distribution": [0, 0, 0, 1, 1]}


def test_project_board_is_scoped(board_data):
    w = board_data
    with pytest.raises(NotFound):
        selectors.project_board(w.sibling_desk, w.project.id, now=NOW)
    with pytest.raises(NotFound):
        selectors.project_board(w.foreign_admin, w.project.id, now=NOW)
    with pytest.raises(NotAllowed):
        selectors.project_board(w.resident_user, w.project.id, now=NOW)
    sibling = selectors.project_board(w.sibling_desk, w.sibling_project.id, now=NOW)
    assert sibling["overdue_total"] == 1
    assert sibling["open_total"] == 1


def test_hq_board_shows_every_projects_overdue(board_data):
    w = board_data
    board = selectors.hq_board(w.hq, now=NOW)
    rows = {r["project"]["id"]: r for r in board["rows"]}
    assert set(rows) == {w.project.id, w.sibling_project.id}
    p1, p2 = rows[w.project.id], rows[w.sibling_project.id]
    assert (p1["open"], p1["urgent_open"], p1["overdue_total"]) == (4, 1, 2)
    assert by_key(p1["overdue_by_stage"])["complete"] == 1
    assert p1["oldest_overdue"] == NOW - 3 * HOUR
    assert (p2["open"], p2["urgent_open"], p2["overdue_total"]) == (1, 0, 1)
    assert p2["oldest_overdue"] == NOW - 24 * HOUR
    # Worst first: the project overdue for a day heads the board.
    assert board["rows"][0]["project"]["id"] == w.sibling_project.id
    assert board["totals"]["overdue_total"] == 3
    assert by_key(board["totals"]["overdue_by_stage"])["response"] == 2
    # Project staff see their own project only; another company sees nothing of ours.
    assert [r["project"]["id"] for r in selectors.hq_board(w.desk, now=NOW)["rows"]] == [w.project.id]
    assert selectors.hq_board(w.foreign_admin, now=NOW)["totals"]["overdue_total"] == 0


def test_overdue_comes_from_stored_deadlines_alone(bw):
    """A deadline past due in the database is overdue on the boards before any job has run."""
    t = make_ticket(bw.project, first_contact=bw.desk_member, received_at=NOW - HOUR)
    make_deadline(t, Stage.RESPONSE, due_at=NOW - datetime.timedelta(seconds=1))
    assert selectors.project_board(bw.desk, bw.project.id, now=NOW)["overdue_total"] == 1
    assert selectors.hq_board(bw.admin, now=NOW)["totals"]["overdue_total"] == 1
    assert selectors.hq_board(bw.admin, now=NOW - HOUR)["totals"]["overdue_total"] == 0


def _company_with_projects(n):
    company = f.CompanyFactory()
    hq = f.make_staff(company=company, roles=[Role.HQ_CENTER], name="总部")
    for i in range(n):
        project = f.ProjectFactory(company=company)
        for priority in (Priority.URGENT, Priority.NORMAL):
            t = make_ticket(project, first_contact=hq, received_at=NOW - 5 * HOUR, priority=priority)
            make_deadline(t, Stage.RESPONSE, due_at=NOW - (i + 1) * HOUR)
            make_deadline(t, Stage.COMPLETE, due_at=NOW + HOUR)
    return hq.user


@pytest.mark.parametrize("projects", [2, 20])
def test_hq_board_runs_four_queries_whatever_the_number_of_projects(db, projects, django_assert_num_queries):
    user = _company_with_projects(projects)
    scope_for(user)  # the scope is computed once per request, before the board
    with django_assert_num_queries(4):
        board = selectors.hq_board(user, now=NOW)
    assert len(board["rows"]) == projects
    assert board["totals"]["overdue_total"] == 2 * projects
    assert board["rows"][0]["oldest_overdue"] == NOW - projects * HOUR


def test_project_board_runs_six_queries(board_data, django_assert_num_queries):
    scope_for(board_data.manager)
    with django_assert_num_queries(6):
        selectors.project_board(board_data.manager, board_data.project.id, now=NOW)


def _count(call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_pages_and_api_run_the_same_queries_for_2_and_20_projects(db):
    small, large = _company_with_projects(2), _company_with_projects(20)
    counts = {}
    for name, user in (("small", small), ("large", large)):
        api = Api(user)
        client = api.client
        client.force_login(user)
        counts[name] = (
            _count(lambda api=api: api.get("boards/hq")),
            _count(lambda client=client: client.get("/boards/hq/")),
            _count(lambda client=client: client.get("/boards/hq/", headers={"HX-Request": "true"})),
        )
    assert counts["small"] == counts["large"]


def test_api_boards(board_data):
    w = board_data
    body = Api(w.admin).get("boards/hq").json()
    overdue = {r["project"]["id"]: r["overdue_total"] for r in body["rows"]}
    assert overdue[w.project.id] >= 1 and overdue[w.sibling_project.id] == 1
    body = Api(w.manager).get(f"boards/projects/{w.project.id}").json()
    assert body["open_total"] == 4 and body["project"]["name"] == w.project.name
    assert Api(w.sibling_desk).get(f"boards/projects/{w.project.id}").status_code == 404
    assert Api(w.resident_user).get("boards/hq").status_code == 403
    assert Api().get("boards/hq").status_code == 401


def test_hq_page_refreshes_itself_and_lists_both_projects(board_data, client):
    w = board_data
    client.force_login(w.hq)
    page = client.get("/boards/hq/").content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert w.project.name in page and w.sibling_project.name in page
    fragment = client.get("/boards/hq/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and w.sibling_project.name in fragment


def test_board_link_leads_staff_to_their_board(board_data, client):
    w = board_data
    client.force_login(w.hq)
    assert client.get("/boards/").url == "/boards/hq/"
    client.force_login(w.desk)
    page = client.get("/tickets/").content.decode()
    assert 'data-testid="nav-boards"' in page
    assert client.get("/boards/").url == f"/boards/project/{w.project.id}/"
    response = client.get(f"/boards/project/{w.project.id}/")
    assert response.status_code == 200
    assert 'data-testid="open-total">4<' in response.content.decode()
    assert client.get(f"/boards/project/{w.sibling_project.id}/").status_code == 404
