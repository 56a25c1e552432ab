import datetime

import pytest

from guanjia.dispatch.services import choose_assignee
from guanjia.notifications.models import Notification
from guanjia.rotas import services
from guanjia.rotas.choices import CoverStep
from guanjia.rotas.models import CoverAlert, Post, Shift
from guanjia.rotas.selectors import attendance_sheet, department_totals
from guanjia.rotas.tests.conftest import local
from guanjia.staff.choices import Department
from guanjia.staff.models import DutyShift
from guanjia.staff.services import on_duty
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def plan(rw, day, staff, pattern, post=None, actor=None):
    return services.shift_assign(
        actor=actor or rw.head, post=post or rw.gate, pattern_id=pattern.pk, date=day, staff_id=staff.pk
    )


def test_an_uncovered_night_is_flagged_once_before_it_starts_then_escalated(rw):
    day = datetime.date(2026, 6, 15)
    plan(rw, day, rw.guard1, rw.day)  # the day is covered, the night is not
    afternoon = local(day, 15)
    services.flag_cover_gaps(now=afternoon)
    night = CoverAlert.objects.get(post=rw.gate, pattern=rw.night, date=day)
    assert (night.step, night.have, night.need) == (CoverStep.HEAD, 0, 1)
    assert not CoverAlert.objects.filter(pattern=rw.day, date=day).exists()
    told = Notification.objects.filter(recipient=rw.head, kind="rotas.cover_gap")
    n = told.count()
    assert n >= 1
    # Run again (or on a second worker): nobody is told twice.
    services.flag_cover_gaps(now=afternoon + datetime.timedelta(minutes=30))
    assert told.count() == n
    assert not Notification.objects.filter(recipient=rw.manager, kind="rotas.cover_gap").exists()
    # Still uncovered three hours before the start: the project manager.
    services.flag_cover_gaps(now=local(day, 17, 5))
    assert CoverAlert.objects.filter(pattern=rw.night, date=day, step=CoverStep.MANAGER).count() == 1
    assert Notification.objects.filter(recipient=rw.manager, kind="rotas.cover_gap").exists()
    # Covered before the next night: no flag for it after planning; the gap list agrees.
    plan(rw, day + datetime.timedelta(days=1), rw.guard2, rw.night)
    res = Api(rw.head).get(f"rotas/gaps?project_id={rw.project.pk}&date_from={day}&date_to={day}")
    assert [(g["pattern_name"], g["flagged_step"]) for g in res.json()] == [("夜班", 2)]


def test_a_gap_appearing_after_the_start_is_not_flagged_late(rw):
    day = datetime.date(2026, 6, 15)
    assert services.flag_cover_gaps(now=local(day, 21)) >= 0
    assert not CoverAlert.objects.filter(date=day, pattern=rw.night).exists()


def test_on_duty_comes_from_the_rota_and_dispatch_uses_it(rw):
    """Engineering at P1 has a rota: its weekly table no longer answers; security's (no rota) does."""
    day = datetime.date(2026, 11, 25)  # a Wednesday
    at = local(day, 10)
    tech2 = rw.tech.__class__.objects.create(
        company=rw.company,
        user=f.UserFactory(company=rw.company),
        name="维修工二",
        department=Department.ENGINEERING,
    )
    tech2.projects.add(rw.project)
    DutyShift.objects.create(
        company=rw.company,
        project=rw.project,
        staff=rw.tech,
        weekday=2,
        starts_at=datetime.time(8),
        ends_at=datetime.time(20),
    )
    assert on_duty(project=rw.project, at=at) == [rw.tech]
    duty_post = Post.objects.create(
        company=rw.company, project=rw.project, name="工程值班", department=Department.ENGINEERING
    )
    duty_post.patterns.set([rw.day])
    plan(rw, day, tech2, rw.day, post=duty_post, actor=rw.manager)
    assert on_duty(project=rw.project, at=at) == [tech2]
    assert on_duty(project=rw.project, at=local(day, 21)) == []
    # Dispatch picks the one on duty by the rota.
    from guanjia.dispatch.tests.conftest import make_rule, receive
    from guanjia.tickets import services as ticket_services
    from guanjia.tickets.models import TicketCategory

    ticket_services.company_defaults_ensure(company=rw.company)
    rw.plumbing = TicketCategory.objects.get(company=rw.company, name="水电", parent=None)
    rw.leak = TicketCategory.objects.get(company=rw.company, name="漏水")
    make_rule(rw, category=rw.plumbing)
    ticket = receive(rw, auto_dispatch=False)
    member, reason = choose_assignee(ticket, now=at)
    assert member == tech2 and "当班" in reason


def test_the_attendance_sheet_sums_a_month(rw):
    day = datetime.date(2026, 6, 15)
    token = rw.gate.qr_token
    plan(rw, day, rw.guard1, rw.day)
    plan(rw, day, rw.guard2, rw.night)
    plan(rw, day + datetime.timedelta(days=1), rw.guard1, rw.day)
    plan(rw, datetime.date(2026, 7, 1), rw.guard1, rw.day)  # another month
    services.clock(actor=rw.guard1.user, token=token, now=local(day, 7, 55))
    services.clock(actor=rw.guard1.user, token=token, now=local(day, 20, 2))
    services.clock(actor=rw.guard2.user, token=token, now=local(day, 20, 30))
    services.clock(actor=rw.guard2.user, token=token, now=local(day + datetime.timedelta(days=1), 8))
    services.mark_absent(now=local(day + datetime.timedelta(days=2), 0))
    rows = {r["staff__name"]: r for r in attendance_sheet(rw.head, month="2026-06")}
    g1, g2 = rows["保安甲"], rows["保安乙"]
    assert (g1["planned"], g1["worked_minutes"], g1["late"], g1["absent"]) == (2, 720, 0, 1)
    assert (g2["planned"], g2["worked_minutes"], g2["late"], g2["late_minutes"]) == (1, 690, 1, 30)
    assert department_totals(rows.values())[0]["planned"] == 3
    # The API and the .xlsx export say the same; another company's admin gets nothing of it.
    res = Api(rw.head).get("rotas/attendance?month=2026-06")
    assert {r["name"]: r["worked_hours"] for r in res.json()} == {"保安甲": 12.0, "保安乙": 11.5}
    assert Api(rw.foreign_admin).get("rotas/attendance?month=2026-06").json() == []
    assert Api(rw.head).get("rotas/attendance?month=June").status_code == 422
    res = Api(rw.head).get("exports/attendance?month=2026-06&format=xlsx")
    assert res.status_code == 200, res.content
    assert Shift.objects.filter(date__month=6).count() == 3


def test_the_console_pages_render(rw, client, soon):
    plan(rw, soon, rw.guard1, rw.day)
    client.force_login(rw.head)
    for url in [
        "/rotas/",
        f"/rotas/?project={rw.project.pk}&view=month&start={soon}",
        "/rotas/posts/",
        f"/rotas/posts/{rw.gate.pk}/qr/",
        "/rotas/patterns/",
        "/rotas/swaps/",
        "/rotas/attendance/",
        f"/rotas/attendance/{rw.guard1.pk}/",
        "/rotas/me/",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/rotas/?project={rw.project.pk}&start={soon}").content.decode()
    assert "data-gap=" in page  # the night is uncovered
    client.force_login(rw.foreign_admin)
    assert client.get(f"/rotas/posts/{rw.gate.pk}/qr/").status_code == 404
