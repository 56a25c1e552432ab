"""Figures: exact numbers for a small hand-built month, per grouping and period, in Shanghai time,
the same on SQLite and PostgreSQL; the API, the page with its charts' data, and the .xlsx export."""

import datetime
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape
from openpyxl import load_workbook

from guanjia.boards import figure_table, selectors
from guanjia.boards.api import FigureRow, FiguresOut
from guanjia.boards.tests.conftest import at, make_deadline, make_ticket
from guanjia.core.scoping import scope_for
from guanjia.sla.choices import Stage
from guanjia.testing.api import Api
from guanjia.tickets.choices import Kind, Status
from guanjia.tickets.models import TicketCategory

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def params(group_by="project", period="month", **dates):
    dates = {**MARCH, **dates}
    return selectors.figure_params(group_by=group_by, period=period, **dates)


@pytest.fixture
def fig(bw):
    """March 2026. P1 (2 households): four completions, two complaints, three done deadlines.
    P2 (1 household): one complaint completed. One completion falls on 28 February in Shanghai."""
    p1, desk, tech = bw.project, bw.desk_member, bw.tech_member
    closed = {"status": Status.CLOSED}
    leak = TicketCategory.objects.create(company=p1.company, name="漏水")
    a = make_ticket(
        p1,
        first_contact=desk,
        assignee=tech,
        category=leak,
        received_at=at(2, 9),
        arrived_at=at(2, 9, 30),
        completed_at=at(2, 11),
        followed_up_at=at(3, 10),
        follow_up_score=5,
        rating=4,
        **closed,
    )
    b = make_ticket(
        p1,
        first_contact=desk,
        assignee=tech,
        received_at=at(10, 8),
        arrived_at=at(10, 9),
        completed_at=at(10, 12),
        rework_count=1,
        status=Status.COMPLETED,
    )
    make_ticket(
        p1,
        first_contact=desk,
        kind=Kind.COMPLAINT,
        received_at=at(12, 10),
        completed_at=at(12, 11),
        followed_up_at=at(13, 9),
        follow_up_score=3,
        **closed,
    )
    make_ticket(p1, first_contact=desk, kind=Kind.COMPLAINT, received_at=at(15, 10))
    # 1 March 00:30 in Shanghai is still 28 February in UTC: it belongs to March.
    make_ticket(p1, first_contact=desk, received_at=at(1, 0, 0), completed_at=at(1, 0, 30), **closed)
    # 28 February 23:00 in Shanghai: outside March.
    make_ticket(p1, first_contact=desk, received_at=at(28, 22, month=2), completed_at=at(28, 23, month=2))
    make_deadline(a, Stage.RESPONSE, due_at=at(2, 9, 15), done_at=at(2, 9, 10))
    make_deadline(a, Stage.COMPLETE, due_at=at(2, 12), done_at=at(2, 11))
    make_deadline(b, Stage.RESPONSE, due_at=at(10, 8, 30), done_at=at(10, 8, 50))
    make_deadline(b, Stage.COMPLETE, due_at=at(10, 10))  # still running late: missed on 10 March
    make_ticket(
        bw.sibling_project,
        first_contact=bw.sibling_member,
        kind=Kind.COMPLAINT,
        received_at=at(20, 9),
        completed_at=at(20, 10),
        follow_up_score=2,
        **closed,
    )
    return bw


def stage_rates(row):
    return {s["stage"]: (s["on_time"], s["done"], s["rate"]) for s in row["on_time"]}


def test_monthly_figures_by_project(fig):
    data = selectors.figures(fig.admin, params())
    rows = {r["label"]: r for r in data["rows"]}
    assert set(rows) == {fig.project.name, fig.sibling_project.name}
    p1 = rows[fig.project.name]
    assert p1["period"] == datetime.date(2026, 3, 1)
    assert p1["completed"] == 4
    assert stage_rates(p1)["response"] == (1, 2, 0.5)
    assert stage_rates(p1)["complete"] == (1, 2, 0.5)
    assert stage_rates(p1)["on_site"] == (0, 0, None)
    assert p1["follow_up_rate"] == 0.5
    assert p1["rework_rate"] == 0.25
    assert p1["follow_up_score"] == {"count": 2, "mean": 4.0, "distribution": [0, 0, 1, 0, 1]}
    assert p1["rating"] == {"count": 1, "mean": 4.0, "distribution": [0, 0, 0, 1, 0]}
    assert (p1["complaints"], p1["households"], p1["complaints_per_1000"]) == (2, 2, 1000.0)
    # The first round's clocks (each started two hours before it was due): response 115 and
    # 140 minutes, completion 60; no on-site clock.
    assert (p1["response_minutes"], p1["arrive_minutes"], p1["complete_minutes"]) == (127.5, None, 60.0)
    p2 = rows[fig.sibling_project.name]
    assert (p2["completed"], p2["complaints"], p2["households"], p2["complaints_per_1000"]) == (
        1,
        1,
        1,
        1000.0,
    )
    assert p2["follow_up_rate"] == 0.0 and p2["arrive_minutes"] is None and p2["complete_minutes"] is None


def test_figures_by_person_and_department(fig):
    rows = {r["label"]: r for r in selectors.figures(fig.admin, params("person"))["rows"]}
    assert rows["维修工"]["completed"] == 2
    assert stage_rates(rows["维修工"])["response"] == (1, 2, 0.5)
    assert rows["未指派"]["completed"] == 3  # P1's complaint and night repair, P2's complaint
    assert rows["未指派"]["complaints"] == 3
    assert rows["未指派"]["households"] == 0  # nobody: no projects served, no households
    assert rows["维修工"]["households"] == 2  # the technician serves P1 (2 households)
    rows = {r["label"]: r for r in selectors.figures(fig.admin, params("department"))["rows"]}
    assert set(rows) == {"工程", "未指派"}
    assert rows["工程"]["rework_rate"] == 0.5
    assert rows["工程"]["response_minutes"] == 127.5
    rows = {r["label"]: r for r in selectors.figures(fig.admin, params("category"))["rows"]}
    assert (rows["漏水"]["completed"], rows["未分类"]["completed"]) == (1, 4)


def test_figures_by_week_and_day_use_shanghai_time(fig):
    weeks = selectors.figures(fig.manager, params(period="week"))["rows"]
    by_week = {r["period"]: r["completed"] for r in weeks}
    # 1 March 2026 is a Sunday: its week starts on Monday 23 February.
    assert by_week == {
        datetime.date(2026, 2, 23): 1,
        datetime.date(2026, 3, 2): 1,
        datetime.date(2026, 3, 9): 2,
    }
    days = selectors.figures(fig.manager, params(period="day", end="2026-03-02"))["rows"]
    assert [(r["period"], r["completed"]) for r in days] == [
        (datetime.date(2026, 3, 1), 1),
        (datetime.date(2026, 3, 2), 1),
    ]
    quarter = selectors.figures(fig.manager, params(period="quarter"))["rows"]
    assert [(r["period"], r["completed"]) for r in quarter] == [(datetime.date(2026, 1, 1), 4)]


@pytest.mark.parametrize("group_by", ["project", "category", "person"])
def test_many_keys_are_named_as_few_are(fig, group_by, monkeypatch):
    """Past ``_LABELS_BY_ID`` keys the names are read for every row the user sees and picked."""
    by_id = {user: selectors.figures(user, params(group_by)) for user in (fig.admin, fig.manager)}
    monkeypatch.setattr(figure_table, "_LABELS_BY_ID", 0)
    for user, table in by_id.items():
        assert selectors.figures(user, params(group_by)) == table
    assert {r["label"] for r in selectors.figures(fig.manager, params())["rows"]} == {fig.project.name}


def test_figures_are_scoped(fig):
    labels = {r["label"] for r in selectors.figures(fig.manager, params())["rows"]}
    assert labels == {fig.project.name}
    assert selectors.figures(fig.foreign_admin, params())["rows"] == []


@pytest.mark.parametrize("group_by", ["project", "department", "category", "person"])
def test_figures_run_a_constant_number_of_queries(fig, group_by, django_assert_num_queries):
    scope_for(fig.admin)
    # rolled-up days, the live aggregates (requests, complaints, named complaints, calls, rework,
    # clocks 3: seven when a complaint's naming falls in the complaint's own row — by project or
    # category — else eight), the times' median and p90, households, names (departments need no name
    # lookup), and by person the projects each serves (their households)
    expected = {"department": 11, "person": 13}.get(group_by, 11)
    with django_assert_num_queries(expected):
        selectors.figures(fig.admin, params(group_by, "day"))


def test_bad_parameters_name_the_field():
    with pytest.raises(ValidationError) as exc:
        selectors.figure_params(group_by="floor")
    assert "group_by" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        selectors.figure_params(start="2026-03-10", end="2026-03-01")
    assert "from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        selectors.figure_params(start="yesterday")
    assert "from" in exc.value.message_dict


def test_figures_api(fig):
    api = Api(fig.admin)
    answer = api.get(
        "figures", group_by="project", period="month", **{"from": "2026-03-01", "to": "2026-03-31"}
    )
    body = answer.json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    # Written by pydantic in one pass (core.api.json_answer): JSON, labels in UTF-8, every
    # figure of the declared schema on every row.
    assert answer["Content-Type"].startswith("application/json")
    assert fig.project.name.encode() in answer.content
    assert set(body["rows"][0]) == set(FigureRow.model_fields)
    assert FiguresOut.model_validate(body).rows
    p1 = next(r for r in body["rows"] if r["label"] == fig.project.name)
    assert p1["completed"] == 4 and p1["complaints_per_1000"] == 1000.0
    bad = api.get("figures", period="year")
    assert bad.status_code == 422 and "period" in bad.json()["errors"]
    bad = api.get("figures", **{"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 422 and "from" in bad.json()["errors"]
    assert Api(fig.resident_user).get("figures").status_code == 403


def test_figures_page_rows_show_the_api_figures(fig, client):
    """The table's rows are written in Python (boards.figure_html): each cell shows the figure the
    API gives — whole percents with the counts in the title, a dash for none — and names escaped."""
    fig.project.name = "金苑<b>&小区"
    fig.project.save(update_fields=["name"])
    query = {"group_by": "project", "period": "month", "from": "2026-03-01", "to": "2026-03-31"}
    rows = Api(fig.admin).get("figures", **query).json()["rows"]
    client.force_login(fig.admin)
    page = client.get("/boards/figures/?" + "&".join(f"{k}={v}" for k, v in query.items())).content.decode()
    assert "金苑&lt;b&gt;&amp;小区" in page and "金苑<b>" not in page
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    assert body.count("<tr>") == len(rows) == 2
    for row, html in zip(rows, body.split("<tr>")[1:], strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
        assert cells[:3] == ["2026-03-01", escape(row["label"]), str(row["completed"])]
        titles = re.findall(
            r'<td class="text-end" title="按时 (\d+) / 判定 (\d+)，超时 (\d+)，取消停止 (\d+)">([^<]*)</td>',
            html,
        )
        assert len(titles) == len(row["on_time"])
        for stage, (on_time, done, missed, stopped, shown) in zip(row["on_time"], titles, strict=True):
            assert [int(on_time), int(done), int(missed), int(stopped)] == [
                stage["on_time"],
                stage["done"],
                stage["missed"],
                stage["stopped"],
            ]
            assert shown == ("—" if stage["rate"] is None else f"{round(stage['rate'] * 100)}%")
        rate = row["follow_up_rate"]
        assert cells[3 + len(row["on_time"])] == ("—" if rate is None else f"{round(rate * 100)}%")
        for t in row["times"]:
            cell = re.search(rf'data-testid="time-{t["stage"]}">([^<]*)<', html).group(1)
            assert cell == (f"{t['mean']} / {t['median']} / {t['p90']}" if t["count"] else "—")
    p1 = next(r for r in rows if r["key"] == str(fig.project.pk))
    assert p1["follow_up_rate"] == 0.5 and ">50%<" in body
    empty = client.get("/boards/figures/?group_by=project&period=month&from=2020-01-01&to=2020-01-31")
    assert "所选区间内没有数据" in empty.content.decode()


def test_figures_page_embeds_chart_data_and_exports_xlsx(fig, client):
    client.force_login(fig.admin)
    query = "group_by=project&period=month&from=2026-03-01&to=2026-03-31"
    page = client.get(f"/boards/figures/?{query}").content.decode()
    assert 'id="figures-data" type="application/json"' in page
    assert "vendor/echarts/echarts-figures.min.js" in page and "boards/figures.js" in page
    assert "<script>" not in page  # no inline script (CSP)
    start = page.index('id="figures-data" type="application/json">') + len(
        'id="figures-data" type="application/json">'
    )
    charts = json.loads(page[start : page.index("</script>", start)])
    assert charts["periods"] == ["2026-03-01"]
    assert {s["name"] for s in charts["charts"][0]["series"]} == {fig.project.name, fig.sibling_project.name}
    response = client.get(f"/boards/figures/export.xlsx?{query}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("周期", "项目", "完工数")
    assert "回访率(%)" in rows[0] and "千户投诉率(投诉)" in rows[0] and "回访次数" in rows[0]
    p1 = next(r for r in rows[1:] if r[1] == fig.project.name)
    assert p1[0] == "2026-03-01" and p1[2] == 4
    assert p1[rows[0].index("回访率(%)")] == 50.0
    bad = client.get("/boards/figures/?period=year")
    assert bad.status_code == 422 and "is-invalid" in bad.content.decode()
