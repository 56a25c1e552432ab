"""Demo and scale data: repeatable, realistic, and the demo logins work with the right roles."""

import datetime
import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from guanjia.core.context import Source
from guanjia.core.journal import history_for
from guanjia.core.models import Company, ObjectChange
from guanjia.core.roles import HQ_ROLES, STAFF_ROLES, Role
from guanjia.core.scoping import scope_for
from guanjia.demo.management.commands.seed_demo import DEMO_PASSWORD, demo_logins
from guanjia.estates.choices import ProjectKind, Relation
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit
from guanjia.staff.models import DutyShift, Skill, StaffMember, StaffRole
from guanjia.tickets.choices import Channel, Kind, Status
from guanjia.tickets.models import Ticket, TicketEvent

SMALL = {"units": 60, "buildings": 3, "office_units": 16, "tickets": 40}
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def seed_demo(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def counts() -> dict:
    models = [Company, Project, Building, Unit, Resident, Occupancy, StaffMember, StaffRole, DutyShift, Skill]
    models += [Ticket, TicketEvent]
    return {
        **{m.__name__: m.objects.count() for m in models},
        "users": get_user_model().objects.count(),
        "journal": ObjectChange.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_twice_creates_nothing_the_second_time():
    first_output = seed_demo()
    after_first = counts()
    second_output = seed_demo()

    assert counts() == after_first
    assert after_first["Company"] == 1 and after_first["Project"] == 2
    assert "已存在" in second_output
    # Both runs print the same table of logins: make demo shows it every time.
    assert (
        first_output.splitlines()[-len(demo_logins()) :] == second_output.splitlines()[-len(demo_logins()) :]
    )


@pytest.mark.django_db
def test_demo_has_a_residential_estate_an_office_tower_and_realistic_residents():
    seed_demo(units=120, buildings=4)
    garden = Project.objects.get(code="JY")
    tower = Project.objects.get(code="JD")
    assert garden.kind == ProjectKind.RESIDENTIAL and garden.city and garden.address
    assert tower.kind == ProjectKind.OFFICE
    assert Building.objects.filter(project=garden).count() == 4
    assert Unit.objects.filter(project=garden).count() == 120
    assert Unit.objects.filter(project=tower).count() == 16

    phones = list(Resident.objects.values_list("phone", flat=True))
    assert all(MOBILE.match(p) for p in phones)
    assert len(phones) == len(set(phones))
    names = Resident.objects.values_list("name", flat=True)
    assert all(2 <= len(n) <= 4 and not n.isascii() for n in names)

    relations = set(Occupancy.objects.filter(project=garden).values_list("relation", flat=True))
    assert relations == {Relation.OWNER, Relation.TENANT, Relation.FAMILY}
    lived_in = Unit.objects.filter(project=garden, occupancies__isnull=False).distinct().count()
    assert lived_in > 120 * 0.7
    office_contacts = Resident.objects.filter(project=tower)
    assert office_contacts.exists()
    assert all("公司" in r.note or "事务所" in r.note for r in office_contacts)


@pytest.mark.django_db
def test_demo_staff_cover_every_role_with_butlers_skills_and_a_night_shift():
    seed_demo()
    held = set(StaffRole.objects.values_list("role", flat=True))
    assert held == set(STAFF_ROLES)
    garden = Project.objects.get(code="JY")
    covered = set(Building.objects.filter(project=garden, butlers__isnull=False).values_list("id", flat=True))
    assert covered == set(Building.objects.filter(project=garden).values_list("id", flat=True))
    technicians = StaffMember.objects.with_role(Role.TECHNICIAN)
    assert all(t.skills.exists() for t in technicians)
    assert all(m.department and m.position for m in StaffMember.objects.all())
    shifts = list(DutyShift.objects.filter(project=garden))
    assert {s.weekday for s in shifts} == set(range(7))
    assert any(s.ends_at < s.starts_at for s in shifts), "a night shift runs past midnight"


@pytest.mark.django_db
def test_bulk_created_demo_rows_have_history_written_by_the_command():
    seed_demo()
    unit = Unit.objects.first()
    entries = list(history_for(unit))  # newest first; the demo may change the unit later (renovation)
    assert entries[-1].action == ObjectChange.Action.CREATE
    assert {e.source for e in entries} == {Source.COMMAND}
    assert {e.company_id for e in entries} == {unit.company_id}


@pytest.mark.django_db
def test_every_demo_login_authenticates_with_its_role():
    output = seed_demo()
    request = RequestFactory().post("/login/")
    logins = demo_logins()
    assert {role for _u, role, _l in logins} == set(Role.values)
    for username, role, _label in logins:
        assert re.search(rf"^\s*{username}\s+{DEMO_PASSWORD}\s+{role}\b", output, re.M), username
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        scope = scope_for(user)
        assert role in scope.roles, username
        assert scope.is_hq == (role in HQ_ROLES)
        if role == Role.RESIDENT:
            assert scope.is_resident and Resident.objects.get(user=user).occupancies.exists()
        else:
            assert scope.project_ids, f"{username} serves at least one project"
    assert authenticate(request, username="desk", password="wrong-password") is None


@pytest.mark.django_db
def test_seed_demo_refuses_when_a_demo_username_is_taken_and_creates_nothing():
    get_user_model().objects.create_user(username="admin", password="x-someone-else")
    with pytest.raises(CommandError, match="admin"):
        seed_demo()
    assert not Company.objects.exists() and not Unit.objects.exists()


STAGES = [
    "received_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "completed_at",
    "followed_up_at",
    "closed_at",
]


@pytest.fixture
def requests_only(monkeypatch):
    """Only the request seeder: the module seeders (facilities, quality …) raise requests of their own
    (failed checks, patrol findings) and are tested in their apps."""
    monkeypatch.setattr("guanjia.demo.management.commands.seed_demo.seed_demo_modules", lambda company: {})


@pytest.mark.django_db
def test_demo_requests_are_in_every_state_of_every_kind_laid_out_over_past_months(requests_only):
    seed_demo()
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 40
    assert {t.status for t in tickets} == set(Status.values)
    assert {t.kind for t in tickets} == set(Kind.values)
    assert {t.channel for t in tickets} >= {Channel.PHONE, Channel.PATROL, Channel.PORTAL}
    now = timezone.now()
    received = [t.received_at for t in tickets]
    assert max(received) < now and min(received) > now - datetime.timedelta(days=121)
    assert max(received) - min(received) > datetime.timedelta(days=20), "spread over months"
    for t in tickets:
        # Each stage a realistic while after the one before, none in the future.
        moments = [getattr(t, stage) for stage in STAGES if getattr(t, stage)]
        assert moments == sorted(moments) and moments[-1] < now, t.number
        if t.status == Status.CLOSED:
            assert t.followed_up_at is not None and t.closed_at - t.completed_at < datetime.timedelta(days=4)
        if t.status == Status.CANCELLED:
            assert t.cancel_reason
        events = list(TicketEvent.objects.filter(ticket=t).order_by("time", "id"))
        assert events[0].action == "create" and events[-1].to_status == t.status
        assert [e.time for e in events] == sorted(e.time for e in events)
        assert t.description and t.first_contact_id
    # The demo resident follows their own requests in the portal.
    resident = Resident.objects.get(user__username="resident")
    assert Ticket.objects.filter(reporter_resident=resident).exists()


@pytest.mark.django_db
def test_demo_made_before_requests_existed_gains_them_once(requests_only):
    seed_demo(tickets=0)
    assert not Ticket.objects.exists()
    assert "补充 12 条演示报事" in seed_demo(tickets=12)
    assert Ticket.objects.count() == 12
    seed_demo(tickets=12)
    assert Ticket.objects.count() == 12


@pytest.mark.django_db
def test_seed_scale_creates_projects_times_units_with_residents_and_two_logins():
    call_command("seed_scale", projects=3, units_per_project=25, stdout=io.StringIO())
    company = Company.objects.get()
    assert Project.objects.filter(company=company).count() == 3
    assert Unit.objects.filter(company=company).count() == 75
    assert Resident.objects.filter(company=company).count() > 40
    for project in Project.objects.all():
        assert Unit.objects.filter(project=project).count() == 25

    hq = scope_for(get_user_model().objects.get(username=f"{company.short_code.lower()}-hq"))
    desk = scope_for(get_user_model().objects.get(username=f"{company.short_code.lower()}-desk"))
    assert hq.is_hq
    assert len(desk.project_ids) == 1 and not desk.is_hq

    # Each project has its technicians and rules: a repair received there is auto-dispatched to one.
    from guanjia.tickets.models import TicketCategory
    from guanjia.tickets.services import ticket_create

    unit = Unit.objects.filter(project_id__in=desk.project_ids).first()
    leaf = TicketCategory.objects.filter(company=company, parent__isnull=False).first()
    ticket = ticket_create(
        actor=get_user_model().objects.get(username=f"{company.short_code.lower()}-desk"),
        data={"unit_id": unit.pk, "category_id": leaf.pk, "description": "漏水", "kind": "home_repair"},
    )
    assert ticket.status == "dispatched"
    assert ticket.assignee.projects.filter(pk=unit.project_id).exists()

    # Again into the same company: more projects, no clash of codes, names or phones.
    call_command("seed_scale", projects=2, units_per_project=10, company=company.name, stdout=io.StringIO())
    assert Company.objects.count() == 1
    assert Project.objects.filter(company=company).count() == 5
    assert Unit.objects.filter(company=company).count() == 95
    phones = list(Resident.objects.values_list("phone", flat=True))
    assert len(phones) == len(set(phones))


@pytest.mark.django_db
def test_seed_scale_rejects_nonsense_sizes():
    with pytest.raises(CommandError, match="--projects"):
        call_command("seed_scale", projects=0, units_per_project=10, stdout=io.StringIO())
    assert not Company.objects.exists()
