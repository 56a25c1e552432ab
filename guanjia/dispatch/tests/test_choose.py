"""Who auto-dispatch sends, and why: rules, rota, skills, workload, the department head."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.roles import Role
from guanjia.dispatch.services import choose_assignee
from guanjia.dispatch.tests.conftest import NOW, make_rule, on_duty, receive
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.tickets.choices import Status
from guanjia.tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db


def waiting(world, **data):
    """A request the desk keeps for itself (no auto-dispatch), to ask choose_assignee about."""
    return receive(world, auto_dispatch=False, **data)


def test_a_rule_on_the_top_category_covers_its_sub_categories(dw):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member == dw.tech1
    assert "水电" in reason and "工程" in reason


def test_a_building_rule_beats_the_project_wide_rule(dw):
    make_rule(dw)  # 水电 → engineering, project-wide
    guard = f.make_staff(
        company=dw.company, roles=[Role.SECURITY], projects=[dw.project], department=Department.SECURITY
    )
    on_duty(dw, guard)
    on_duty(dw, dw.tech1)
    make_rule(dw, category=dw.leak, building=dw.building, department=Department.SECURITY)
    # Building 1: its own rule wins.
    assert choose_assignee(waiting(dw), now=NOW)[0] == guard
    # Another building of the project: the project-wide rule.
    elsewhere = f.UnitFactory(building=f.BuildingFactory(project=dw.project))
    assert choose_assignee(waiting(dw, unit_id=elsewhere.pk), now=NOW)[0] == dw.tech1


def test_a_rule_on_the_exact_category_beats_one_on_its_parent(dw):
    make_rule(dw)
    cleaner = f.make_staff(
        company=dw.company, roles=[Role.CLEANING], projects=[dw.project], department=Department.ENVIRONMENT
    )
    on_duty(dw, cleaner)
    on_duty(dw, dw.tech1)
    make_rule(dw, category=dw.leak, department=Department.ENVIRONMENT)
    assert choose_assignee(waiting(dw), now=NOW)[0] == cleaner
    stop = TicketCategory.objects.get(company=dw.company, name="停水")
    assert choose_assignee(waiting(dw, category_id=stop.pk), now=NOW)[0] == dw.tech1


def test_inactive_rules_and_other_projects_rules_do_not_match(dw):
    make_rule(dw, is_active=False)
    make_rule(dw, project=dw.sibling_project)
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member is None
    assert "派工队列" in reason


def test_on_duty_is_preferred_over_off_duty(dw):
    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    dw.tech2.skills.add(dw.water_skill)
    on_duty(dw, dw.tech2)
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member == dw.tech2
    assert "当班" in reason


def test_a_shift_at_another_time_is_not_on_duty(dw):
    make_rule(dw)
    shift = on_duty(dw, dw.tech2)
    shift.weekday = 3  # Thursday
    shift.save()
    dw.tech1.skills.add(dw.water_skill)
    assert choose_assignee(waiting(dw), now=NOW)[0] == dw.tech1


def test_the_matching_skill_is_preferred(dw):
    make_rule(dw)
    dw.tech2.skills.add(dw.water_skill)  # tech1 (lower id) has no 水电
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member == dw.tech2
    assert "具备「水电」技能" in reason


def test_the_rule_can_name_another_skill(dw):
    from guanjia.staff.models import Skill

    pipes = Skill.objects.create(company=dw.company, name="管道")
    make_rule(dw, skill=pipes)
    dw.tech1.skills.add(dw.water_skill)
    dw.tech2.skills.add(pipes)
    assert choose_assignee(waiting(dw), now=NOW)[0] == dw.tech2


def test_the_fewest_open_requests_wins_and_a_tie_goes_to_the_lowest_id(dw):
    make_rule(dw)
    for member in (dw.tech1, dw.tech2):
        member.skills.add(dw.water_skill)
        on_duty(dw, member)
    assert choose_assignee(waiting(dw), now=NOW)[0] == dw.tech1  # tie: lowest id
    busy = waiting(dw)
    Ticket.objects.filter(pk=busy.pk).update(assignee=dw.tech1, status=Status.DISPATCHED)
    done = waiting(dw)
    Ticket.objects.filter(pk=done.pk).update(assignee=dw.tech2, status=Status.CLOSED)  # not open
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member == dw.tech2
    assert "未完成 0 单" in reason


def test_nobody_on_duty_or_skilled_goes_to_the_department_head(dw):
    make_rule(dw)
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member == dw.head
    assert "部门主管" in reason


def test_no_team_and_no_head_waits_in_the_queue(dw):
    make_rule(dw, department=Department.QUALITY)
    member, reason = choose_assignee(waiting(dw), now=NOW)
    assert member is None
    assert "派工队列" in reason


def test_staff_who_left_or_serve_elsewhere_are_not_chosen(dw):
    from django.utils import timezone

    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    dw.tech1.deleted_at = timezone.now()
    dw.tech1.save()
    elsewhere = f.make_staff(
        company=dw.company,
        roles=[Role.TECHNICIAN],
        projects=[dw.sibling_project],
        department=Department.ENGINEERING,
    )
    elsewhere.skills.add(dw.water_skill)
    on_duty(dw, elsewhere, project=dw.sibling_project)
    assert choose_assignee(waiting(dw), now=NOW)[0] == dw.head


def _count_queries(world, ticket):
    with CaptureQueriesContext(connection) as ctx:
        choose_assignee(Ticket.objects.get(pk=ticket.pk), now=NOW)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_team(dw, django_assert_max_num_queries):
    make_rule(dw)
    ticket = waiting(dw)
    small = _count_queries(dw, ticket)
    for n in range(12):
        member = f.make_staff(
            company=dw.company,
            roles=[Role.TECHNICIAN],
            projects=[dw.project],
            department=Department.ENGINEERING,
            name=f"技工{n}",
        )
        member.skills.add(dw.water_skill)
        on_duty(dw, member)
        busy = waiting(dw)
        Ticket.objects.filter(pk=busy.pk).update(assignee=member, status=Status.DISPATCHED)
    assert _count_queries(dw, ticket) == small
    fresh = Ticket.objects.get(pk=ticket.pk)
    # category tree, unit, rules, team, weekly rota, the departments the rotas app plans (kept in the
    # shared cache once a transaction commits; a test's transaction never does)
    with django_assert_max_num_queries(6):
        choose_assignee(fresh, now=NOW)
