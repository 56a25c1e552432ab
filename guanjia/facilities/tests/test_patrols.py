"""Patrols: rounds generated once, scans in and out of window and order, missed checkpoints flagged
once with the supervisor notified once, findings entering the service-request flow, figures."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import Conflict
from guanjia.facilities import selectors, services
from guanjia.facilities.choices import RoundStatus
from guanjia.facilities.models import MissedCheckpoint, PatrolRound
from guanjia.facilities.tests.conftest import at
from guanjia.notifications.models import Notification
from guanjia.staff.choices import Department
from guanjia.staff.models import DutyShift, StaffMember
from guanjia.tickets.choices import Channel, Kind
from guanjia.tickets.models import Ticket

DAY = datetime.date(2026, 3, 2)  # a Monday


def night_route(fw):
    security_head = StaffMember.objects.get(user=fw.security_head)
    return services.route_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "夜间巡更",
            "kind": "security_night",
            "department": Department.SECURITY,
            "round_times": "22:00",
            "window_minutes": 60,
            "supervisor_id": security_head.pk,
            "checkpoints": [
                {"name": "东门岗", "place": "东门"},
                {"name": "地库入口", "place": "B1"},
                {"name": "1栋大堂", "place": "1栋一层", "building_id": fw.building.pk},
            ],
        },
    )


@pytest.fixture
def route(fw, frozen):
    frozen(at(DAY - datetime.timedelta(days=2)))
    guard = StaffMember.objects.get(user=fw.guard)
    DutyShift.objects.create(
        company=fw.company,
        project=fw.project,
        staff=guard,
        weekday=0,
        starts_at=datetime.time(20, 0),
        ends_at=datetime.time(8, 0),
    )
    return night_route(fw)


def test_rounds_are_generated_once_per_time_and_assigned_to_the_shift(fw, route):
    now = at(DAY, 12)
    services.generate_rounds(now=now)
    services.generate_rounds(now=now)
    rounds = PatrolRound.objects.filter(route=route).order_by("window_start")
    starts = [r.window_start for r in rounds]
    assert len(starts) == len(set(starts))
    monday = rounds.get(window_start=at(DAY, 22))
    assert monday.window_end == at(DAY, 23)
    assert monday.assignee.user == fw.guard  # on duty Monday 20:00–08:00, security team
    assert monday.checkpoint_count == 3


def _scan(fw, patrol, point, when, frozen, user=None):
    frozen(when)
    return services.round_scan(actor=user or fw.guard, patrol=patrol, code=point.qr_token)


def test_scans_record_time_person_window_and_order(fw, route, frozen):
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    p1, p2, p3 = route.checkpoints.order_by("position")
    first = _scan(fw, patrol, p1, at(DAY, 22) + datetime.timedelta(minutes=5), frozen)
    assert first.in_window and first.in_order and first.scanned_by == fw.guard
    skipped = _scan(fw, patrol, p3, at(DAY, 22) + datetime.timedelta(minutes=15), frozen)
    assert skipped.in_window and not skipped.in_order  # p2 was skipped
    with pytest.raises(Conflict):
        _scan(fw, patrol, p3, at(DAY, 22) + datetime.timedelta(minutes=16), frozen)
    with pytest.raises(ValidationError) as err:
        services.round_scan(actor=fw.guard, patrol=patrol, code="forged")
    assert "code" in err.value.message_dict
    late = _scan(fw, patrol, p2, at(DAY, 23) + datetime.timedelta(minutes=1), frozen)
    assert not late.in_window
    patrol.refresh_from_db()
    assert (patrol.scanned_count, patrol.irregular_count, patrol.status) == (3, 2, RoundStatus.COMPLETED)
    assert not patrol.on_time


def test_missed_checkpoints_are_flagged_once_and_the_supervisor_told_once(fw, route, frozen):
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    p1, p2, p3 = route.checkpoints.order_by("position")
    _scan(fw, patrol, p1, at(DAY, 22) + datetime.timedelta(minutes=5), frozen)
    services.close_rounds(now=at(DAY, 22) + datetime.timedelta(minutes=30))  # closes earlier days only
    patrol.refresh_from_db()
    assert patrol.closed_at is None
    closing = at(DAY, 23) + datetime.timedelta(minutes=1)
    closed_now = services.close_rounds(now=closing)
    assert closed_now >= 1
    assert services.close_rounds(now=closing) == 0
    patrol.refresh_from_db()
    assert patrol.status == RoundStatus.INCOMPLETE and patrol.missed_count == 2
    missed = MissedCheckpoint.objects.filter(round=patrol)
    assert {m.checkpoint_id for m in missed} == {p2.pk, p3.pk}
    assert {m.staff.user for m in missed} == {fw.guard}
    notes = Notification.objects.filter(
        recipient=fw.security_head, dedup_key=f"facilities-round-{patrol.pk}-missed"
    )
    assert notes.filter(channel="in_app").count() == 1
    assert "地库入口" in notes.first().body
    with pytest.raises(Conflict):
        _scan(fw, patrol, p2, closing + datetime.timedelta(minutes=1), frozen)
    figures = selectors.patrol_figures(fw.manager)
    row = next(r for r in figures["routes"] if r["route_id"] == route.pk)
    assert row["missed"] >= 2 and row["on_time"] <= row["rounds"] - 1
    person = next(p for p in figures["people"] if p["staff__name"] == "保安")
    assert person["missed"] >= 2


def test_a_round_with_no_scans_flags_every_checkpoint(fw, route, frozen):
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    services.close_rounds(now=at(DAY + datetime.timedelta(days=1), 3))
    patrol.refresh_from_db()
    assert patrol.missed_count == 3


def test_a_finding_becomes_a_patrol_request_with_the_place(fw, route, frozen):
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    lobby = route.checkpoints.get(position=3)
    frozen(at(DAY, 22) + datetime.timedelta(minutes=20))
    finding = services.finding_report(
        actor=fw.guard, patrol=patrol, checkpoint_id=lobby.pk, description="大堂灯不亮"
    )
    ticket = Ticket.objects.get(pk=finding.ticket_id)
    assert (ticket.kind, ticket.channel) == (Kind.PATROL, Channel.PATROL)
    assert ticket.location == "1栋一层" and ticket.building_id == fw.building.pk
    assert ticket.reporter_staff.user == fw.guard
    with pytest.raises(ValidationError) as err:
        services.finding_report(actor=fw.guard, patrol=patrol, checkpoint_id=lobby.pk, description=" ")
    assert "description" in err.value.message_dict
    services.close_rounds(now=at(DAY + datetime.timedelta(days=1), 3))
    row = next(r for r in selectors.patrol_figures(fw.manager)["routes"] if r["route_id"] == route.pk)
    assert row["findings"] == 1


def test_route_input_is_checked(fw):
    with pytest.raises(ValidationError) as err:
        services.route_create(
            actor=fw.manager,
            data={
                "project_id": fw.project.pk,
                "name": "x",
                "department": "security",
                "round_times": "25:00",
                "checkpoints": [{"name": "a"}],
            },
        )
    assert "round_times" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.route_create(
            actor=fw.manager,
            data={
                "project_id": fw.project.pk,
                "name": "x",
                "department": "security",
                "round_times": "08:00",
                "checkpoints": [],
            },
        )
    assert "checkpoints" in err.value.message_dict


def test_deleting_a_route_during_an_unscanned_round_removes_it_whatever_the_hour(fw, route, frozen):
    """Nothing happened in a round nobody scanned yet, even while it is under way: the route goes
    with it. A round with a scan is history: the route is only deactivated."""
    from guanjia.facilities.models import PatrolRoute

    frozen(at(DAY, 22) + datetime.timedelta(minutes=10))  # tonight's round is under way
    fresh = night_route(fw)
    assert PatrolRound.objects.filter(route=fresh, window_start=at(DAY, 22)).exists()
    services.route_delete(actor=fw.manager, route=fresh)
    assert not PatrolRoute.objects.filter(pk=fresh.pk).exists()

    kept = night_route(fw)
    patrol = PatrolRound.objects.get(route=kept, window_start=at(DAY, 22))
    first = kept.checkpoints.order_by("position").first()
    _scan(fw, patrol, first, at(DAY, 22) + datetime.timedelta(minutes=12), frozen)
    services.route_delete(actor=fw.manager, route=kept)
    kept.refresh_from_db()
    assert not kept.is_active and PatrolRound.objects.filter(pk=patrol.pk).exists()
