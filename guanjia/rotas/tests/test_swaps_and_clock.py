import datetime

import pytest
from django.utils import timezone

from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.rotas import services
from guanjia.rotas.choices import ShiftStatus, SwapStatus
from guanjia.rotas.models import AttendanceCorrection, AttendanceRule, Shift, ShiftPattern
from guanjia.rotas.tests.conftest import local
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def plan(rw, day, staff, pattern=None):
    return services.shift_assign(
        actor=rw.head, post=rw.gate, pattern_id=(pattern or rw.day).pk, date=day, staff_id=staff.pk
    )


def test_a_swap_is_approved_by_the_head_not_by_the_requester(rw, soon):
    shift = plan(rw, soon, rw.guard1)
    me = Api(rw.guard1.user)
    res = me.post("rotas/swaps", {"shift_id": shift.pk, "taker_id": rw.guard2.pk, "reason": "家中有事"})
    assert res.status_code == 201, res.content
    swap_id = res.json()["id"]
    assert Notification.objects.filter(recipient=rw.head, kind="rotas.swap").exists()
    # The requester cannot approve (no permission), nor the engineering head (not the post's head).
    assert me.post(f"rotas/swaps/{swap_id}/approve", {}).status_code == 403
    assert Api(rw.eng_head).post(f"rotas/swaps/{swap_id}/approve", {}).status_code == 403
    assert Shift.objects.get(pk=shift.pk).staff == rw.guard1
    res = Api(rw.head).post(f"rotas/swaps/{swap_id}/approve", {"note": "同意"})
    assert res.status_code == 200 and res.json()["status"] == SwapStatus.APPROVED
    shift.refresh_from_db()
    assert (shift.staff, shift.swapped_from) == (rw.guard2, rw.guard1)
    # Decided once: a second decision is a conflict.
    assert Api(rw.head).post(f"rotas/swaps/{swap_id}/reject", {}).status_code == 409


def test_a_head_cannot_approve_a_swap_they_asked_for(rw, soon):
    shift = plan(rw, soon, rw.head_member)
    swap = services.swap_request(actor=rw.head, shift=shift, taker_id=rw.guard1.pk, reason="培训")
    with pytest.raises(NotAllowed):
        services.swap_approve(actor=rw.head, swap=swap)


def test_a_swap_to_someone_busy_then_is_refused_naming_the_taker(rw, soon):
    shift = plan(rw, soon, rw.guard1)
    plan(rw, soon, rw.guard2)  # guard2 already works that day shift
    res = Api(rw.guard1.user).post(
        "rotas/swaps", {"shift_id": shift.pk, "taker_id": rw.guard2.pk, "reason": "x"}
    )
    assert res.status_code == 422 and "taker_id" in res.json()["errors"]


@pytest.mark.parametrize("hour", [0, 7, 13, 22])
def test_clock_in_on_time_late_and_absent_at_any_hour(rw, hour):
    """A shift that starts at ``hour`` (Shanghai): on time within the grace, late after it, absent
    when it ended without a clock-in; out clocks the worked minutes."""
    AttendanceRule.objects.create(company=rw.company, grace_minutes=10)
    pattern = ShiftPattern.objects.create(
        company=rw.company,
        name=f"{hour}点班",
        starts_at=datetime.time(hour),
        ends_at=datetime.time((hour + 8) % 24),
    )
    rw.gate.patterns.add(pattern)
    day = datetime.date(2026, 6, 15)
    plan(rw, day, rw.guard1, pattern)
    plan(rw, day, rw.guard2, pattern)
    start = local(day, hour)
    token = rw.gate.qr_token
    shift = services.clock(
        actor=rw.guard1.user, token=token, now=start + datetime.timedelta(minutes=9), lat=31.2, lng=121.5
    )
    assert (shift.status, shift.late_minutes, shift.clock_in_lat) == (ShiftStatus.PRESENT, 0, 31.2)
    shift = services.clock(actor=rw.guard2.user, token=token, now=start + datetime.timedelta(minutes=25))
    assert (shift.status, shift.late_minutes) == (ShiftStatus.LATE, 25)
    shift = services.clock(
        actor=rw.guard2.user, token=token, now=start + datetime.timedelta(hours=8, minutes=30)
    )
    assert shift.worked_minutes == 8 * 60 - 25
    # Planned the next day but never came: absent once the shift is over (the job, twice → once).
    other = plan(rw, day + datetime.timedelta(days=1), rw.guard1, pattern)
    end = other.ends_at
    assert services.mark_absent(now=end - datetime.timedelta(minutes=1)) == 0
    assert services.mark_absent(now=end) == 1
    assert services.mark_absent(now=end) == 0
    assert Shift.objects.get(pk=other.pk).status == ShiftStatus.ABSENT
    assert ObjectChange.objects.filter(object_id=str(other.pk), action="update").exists()


def test_clocking_at_another_company_or_without_a_shift_is_a_clear_error(rw):
    day = datetime.date(2026, 6, 15)
    plan(rw, day, rw.guard1)
    at = local(day, 8, 5)
    with pytest.raises(Exception) as exc:
        services.clock(actor=rw.guard1.user, token=rw.foreign_post.qr_token, now=at)
    assert "其他公司" in str(exc.value)
    with pytest.raises(Exception) as exc:
        services.clock(actor=rw.guard2.user, token=rw.gate.qr_token, now=at)
    assert "没有可打卡的班次" in str(exc.value)
    res = Api(rw.guard1.user).post("rotas/clock", {"token": "not-a-token"})
    assert res.status_code == 422 and "token" in res.json()["errors"]
    res = Api(rw.foreign_admin).post("rotas/clock", {"token": rw.gate.qr_token})
    assert res.status_code == 422 and "token" in res.json()["errors"]


def test_the_clock_page_needs_a_login_and_clocks_in(rw, client):
    # A 24-hour pattern starting on the current hour: the shift is running now, whatever the hour.
    local_now = timezone.localtime()
    pattern = ShiftPattern.objects.create(
        company=rw.company,
        name="当前班",
        starts_at=datetime.time(local_now.hour),
        ends_at=datetime.time(local_now.hour),
    )
    rw.gate.patterns.add(pattern)
    plan(rw, local_now.date(), rw.guard1, pattern)
    url = f"/rotas/clock/{rw.gate.qr_token}/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(rw.guard1.user)
    page = client.get(url)
    assert page.status_code == 200 and "上班打卡" in page.content.decode()
    res = client.post(url, {"lat": "31.23", "lng": "121.47"})
    assert res.status_code == 302
    shift = Shift.objects.get(staff=rw.guard1)
    assert shift.clock_in_at is not None and shift.clock_in_lng == 121.47


def test_a_head_corrects_attendance_with_a_reason(rw):
    day = datetime.date(2026, 6, 15)
    shift = plan(rw, day, rw.guard1)
    services.mark_absent(now=local(day, 21))
    shift.refresh_from_db()
    res = Api(rw.head).post(f"rotas/shifts/{shift.pk}/correct", {"status": "present"})
    assert res.status_code == 422 and "reason" in res.json()["errors"]
    res = Api(rw.head).post(
        f"rotas/shifts/{shift.pk}/correct",
        {
            "status": "present",
            "clock_in_at": local(day, 8).isoformat(),
            "clock_out_at": local(day, 20).isoformat(),
            "reason": "打卡机故障，已核实在岗",
        },
    )
    assert res.status_code == 200, res.content
    assert res.json()["worked_minutes"] == 720
    assert AttendanceCorrection.objects.get(shift=shift).reason == "打卡机故障，已核实在岗"
    assert (
        Api(rw.guard2.user)
        .post(f"rotas/shifts/{shift.pk}/correct", {"status": "absent", "reason": "x"})
        .status_code
        == 403
    )
