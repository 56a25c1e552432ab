"""First-contact accountability (首问负责) counts for the person who owns the request, not only the
assignee (issue 22, item 9): requests owned, hand-overs given, and follow-up calls the owner made
themselves — in the figures, the API, the export and a ranking sheet's frozen rows."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from guanjia.evaluation import figures, services
from guanjia.evaluation.models import RankingRow
from guanjia.evaluation.tests.conftest import M, at, repair
from guanjia.sla.tests.helpers import act, receive
from guanjia.testing.api import Api
from guanjia.tickets.choices import Action

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def desk_work(work):
    """The work of March (every request received by the desk: a, b, technician2's repair, the
    complaint of 20 March), plus d: received on 25 March and handed over to the butler, and e:
    repaired by technician2 and called back by the project manager instead of its owner."""
    tw = work
    d = receive(tw, when=at(25, 9), resident_id=tw.resident.pk)
    act(
        tw,
        tw.desk,
        d,
        Action.HANDOVER,
        when=at(25, 10),
        first_contact_id=tw.staff["butler"].pk,
        reason="业主是管家的对接户",
    )
    e = repair(tw, start=at(26, 9), accept_after=5 * M, complete_after=60 * M, tech="technician2")
    act(tw, tw.manager, e, Action.FOLLOW_UP, when=at(27, 9), satisfied=True, score=5)
    return tw


def _march(user, **kw):
    query = figures.figure_query(user, start=MARCH["from"], end=MARCH["to"], **kw)
    return {r["name"]: r for r in figures.staff_figures(user, query)}


def _counts(row):
    return row["first_contact_owned"], row["handed_over"], row["owner_followed_up"]


def test_first_contact_owned_handed_over_and_followed_up_are_counted_per_person(desk_work):
    rows = _march(desk_work.manager, project_id=desk_work.project.pk)
    # Owned: a, b, technician2's repair, the complaint and e (d went to the butler); one hand-over;
    # the desk called a and b back itself, e was called back by the manager.
    assert _counts(rows["前台"]) == (5, 1, 2)
    assert _counts(rows["楼栋管家"]) == (1, 0, 0)
    assert _counts(rows["维修工"]) == (0, 0, 0)  # the assignee's work stays in "handled"
    assert rows["维修工"]["handled"] == 2


def test_api_and_export_carry_the_first_contact_counts(desk_work):
    body = Api(desk_work.manager).get("staff-figures", project=desk_work.project.pk, **MARCH).json()
    desk = next(r for r in body["rows"] if r["name"] == "前台")
    assert _counts(desk) == (5, 1, 2)

    client = Client()
    client.force_login(desk_work.manager)
    page = client.get("/staff/figures/", {"project": desk_work.project.pk, **MARCH})
    assert "首问受理" in page.content.decode()
    response = client.get("/staff/figures/export.xlsx", {"project": desk_work.project.pk, **MARCH})
    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = table[0]
    desk_row = next(row for row in table[1:] if row[0] == "前台")
    assert [desk_row[header.index(h)] for h in ("首问受理", "首问移交", "首问回访")] == [5, 1, 2]
    assert client.get("/staff/figures/export.xlsx", {"from": "2026-13-01"}).status_code == 422


def test_a_ranking_sheet_freezes_the_first_contact_counts(desk_work):
    sheet = services.ranking_draft(actor=desk_work.manager, project=desk_work.project, quarter="2026Q1")
    row = RankingRow.objects.get(sheet=sheet, staff=desk_work.staff["desk"])
    assert (row.first_contact_owned, row.handed_over, row.owner_followed_up) == (5, 1, 2)
    listed = Api(desk_work.manager).get(f"ranking-sheets/{sheet.pk}")
    assert listed.status_code == 200, listed.content
    rows = {r["staff_name"]: r for r in listed.json()["rows"]}
    assert _counts(rows["前台"]) == (5, 1, 2)
