"""Costs with residents' charges kept apart (and the .xlsx of the totals), the supervisor's "today"
page for patrols, and the facilities links on the estates project page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.facilities import selectors, services
from guanjia.facilities.models import MaintenanceTask, PatrolRound
from guanjia.facilities.tests.conftest import at
from guanjia.facilities.tests.test_maintenance import JAN1, _do, _results, weekly_plan
from guanjia.facilities.tests.test_patrols import night_route
from guanjia.tickets.models import Ticket, TicketCharge, TicketMaterial

pytestmark = pytest.mark.django_db


def _repair_with_money(fw, frozen):
    frozen(at(JAN1))
    plan = weekly_plan(fw)
    _do(fw, MaintenanceTask.objects.get(plan=plan), _results(fw, leak="fail"))
    ticket = Ticket.objects.get()
    common = {"company": fw.company, "project": fw.project, "ticket": ticket}
    TicketMaterial.objects.create(**common, name="机械密封", quantity=1, cost=Decimal("180.00"))
    TicketCharge.objects.create(
        **common,
        description="上门维修",
        quantity=1,
        unit_price=Decimal("60.00"),
        amount=Decimal("60.00"),
        confirmed_at=timezone.now(),
    )
    TicketCharge.objects.create(  # not confirmed: not billed yet, not shown
        **common, description="材料费", quantity=1, unit_price=Decimal("40.00"), amount=Decimal("40.00")
    )
    services.cost_create(
        actor=fw.manager,
        data={"equipment_id": fw.pump.pk, "kind": "repair", "incurred_on": JAN1, "amount": "1000.00"},
    )
    return ticket


def test_confirmed_charges_are_shown_apart_and_never_counted_as_cost(fw, frozen, client):
    ticket = _repair_with_money(fw, frozen)
    for by in ("equipment", "type", "project", "year"):
        rows = selectors.cost_totals(fw.manager, by=by)
        row = rows[0] if by != "year" else next(r for r in rows if r["key"] == ticket.received_at.year)
        assert row["total"] == Decimal("1180.00"), by  # invoice + material, not the 60 billed
        assert row["billed"] == Decimal("60.00"), by
    sums = selectors.cost_sum(selectors.cost_totals(fw.manager, by="type"))
    assert (sums["total"], sums["billed"]) == (Decimal("1180.00"), Decimal("60.00"))
    assert selectors.cost_totals(fw.sibling_desk, by="type") == []
    client.force_login(fw.manager)
    page = client.get(reverse("facilities:costs"), {"by": "type"}).content.decode()
    assert "向业主收费" in page and "60.00" in page and "1180.00" in page
    with CaptureQueriesContext(connection) as queries:
        selectors.cost_totals(fw.manager, by="equipment")
    assert len(queries) <= 6


def test_costs_export_has_a_sheet_per_grouping_with_numbers(fw, frozen, client):
    _repair_with_money(fw, frozen)
    client.force_login(fw.manager)
    response = client.get(reverse("facilities:costs"), {"format": "xlsx", "project": fw.project.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按设备", "按类型", "按项目", "按年度"]
    rows = list(book["按类型"].iter_rows(values_only=True))
    assert rows[0][3] == "成本合计" and "不计入成本" in rows[0][4]
    assert (
        rows[1][0] == "消防"
        and Decimal(str(rows[1][3])) == Decimal("1180")
        and Decimal(str(rows[1][4])) == 60
    )
    assert rows[-1][0] == "总计"
    client.force_login(fw.sibling_desk)
    other = load_workbook(io.BytesIO(client.get(reverse("facilities:costs"), {"format": "xlsx"}).content))
    assert len(list(other["按设备"].iter_rows(values_only=True))) == 2  # header + zero total


def test_today_page_shows_rounds_in_progress_and_missed_per_route_and_person(fw, frozen, client):
    today = timezone.localdate()
    frozen(timezone.now() - datetime.timedelta(days=2))
    route = night_route(fw)
    services.route_update(actor=fw.manager, route=route, data={"round_times": "00:00,00:01"})
    services.generate_rounds(now=timezone.now())
    early = PatrolRound.objects.get(route=route, window_start=at(today, 0))
    services.close_rounds(now=early.window_end)  # nobody walked it: 3 missed
    data = selectors.patrol_today(fw.manager, now=at(today, 0) + datetime.timedelta(minutes=30))
    assert data["missed_total"] >= 3
    assert data["missed_by_route"][0]["round__route__name"] == "夜间巡更"
    assert any(p["n"] >= 3 for p in data["missed_by_person"])
    live = [r for r in data["in_progress"] if r.route_id == route.pk]
    assert live and all(r.closed_at is None for r in live)
    client.force_login(fw.security_head)
    page = client.get(reverse("facilities:patrol_today"))
    html = page.content.decode()
    assert page.status_code == 200 and 'hx-trigger="every 30s"' in html and "夜间巡更" in html
    fragment = client.get(reverse("facilities:patrol_today"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'data-testid="missed-by-route"' in fragment
    client.force_login(fw.sibling_desk)
    assert "夜间巡更" not in client.get(reverse("facilities:patrol_today")).content.decode()
    client.force_login(fw.resident_user)
    assert client.get(reverse("facilities:patrol_today")).status_code == 403


def test_today_page_queries_do_not_grow_with_rounds(fw, frozen):
    frozen(timezone.now() - datetime.timedelta(days=2))
    route = night_route(fw)
    services.route_update(actor=fw.manager, route=route, data={"round_times": "00:00"})
    services.generate_rounds(now=timezone.now())
    with CaptureQueriesContext(connection) as few:
        selectors.patrol_today(fw.manager)
    services.route_update(
        actor=fw.manager, route=route, data={"round_times": "00:00,04:00,08:00,12:00,16:00,20:00"}
    )
    route.rounds.filter(window_start__gt=timezone.now()).delete()
    services.generate_rounds(now=timezone.now())
    with CaptureQueriesContext(connection) as many:
        selectors.patrol_today(fw.manager)
    assert len(many) == len(few)


def test_estates_project_page_links_to_facilities_only_with_the_permission(fw, client):
    url = reverse("project_detail", args=[fw.project.pk])
    client.force_login(fw.manager)
    html = client.get(url).content.decode()
    assert 'data-testid="facilities-links"' in html
    assert f"{reverse('facilities:equipment_list')}?project={fw.project.pk}" in html
    narrowed = client.get(reverse("facilities:route_list"), {"project": fw.project.pk})
    assert narrowed.status_code == 200
    # Without the permission (e.g. a role that sees estates but not facilities) nothing is shown.
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from guanjia.core.roles import Perm

    def render(perms):
        return render_to_string(
            "facilities/_project_links.html",
            {"project": fw.project, "Perm": Perm, "scope": SimpleNamespace(permissions=perms)},
        )

    assert 'data-testid="facilities-links"' in render({Perm.VIEW_FACILITIES, Perm.VIEW_ESTATES})
    assert "facilities-links" not in render({Perm.VIEW_ESTATES})
