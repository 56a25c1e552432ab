"""An owner casts a ballot on a 390 px phone; the desk records a paper ballot; the vote closes and
the phone shows the result explained — one vote that fails on participation and one that passes.
Screenshots go to $COMMITTEE_SHOTS (default /tmp/shots/committee; docs/screens/committee/ in the
repository)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.committee import services
from guanjia.committee.models import Vote
from guanjia.committee.tasks import run_jobs
from guanjia.committee.tests.conftest import end_now
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMMITTEE_SHOTS", "/tmp/shots/committee"))


def _vote(cw, title):
    now = timezone.now()
    vote = services.vote_create(
        actor=cw.manager,
        project=cw.project,
        data={
            "title": title,
            "question": "是否同意使用公共收益更换小区门禁系统（人脸识别 + 刷卡）？",
            "starts_at": now - datetime.timedelta(hours=1),
            "ends_at": now + datetime.timedelta(days=7),
        },
    )
    return services.vote_open(actor=cw.manager, vote=vote)


def _cast_on_phone(browser, live_server, user, vote, errors, choice, shot=None):
    phone = Screen(browser, live_server, user, errors, shots=SHOTS)
    phone.goto("/portal/votes/")
    phone.page.get_by_text(vote.title).click()
    phone.page.get_by_test_id(f"choice-{choice}").click()
    if shot:
        phone.shot(shot)
    phone.page.get_by_test_id("ballot-submit").click()
    expect(phone.page.get_by_test_id("my-ballot")).to_be_visible()
    return phone


def test_ballots_on_a_phone_and_two_results(cw, live_server, browser):
    errors: list[str] = []
    failing = _vote(cw, "增设电动自行车充电棚")
    phone = _cast_on_phone(
        browser, live_server, cw.resident_user, failing, errors, "for", shot="phone-ballot"
    )
    phone.shot("phone-ballot-cast")
    phone.context.close()

    passing = _vote(cw, "更换小区门禁系统")
    phone = _cast_on_phone(browser, live_server, cw.resident_user, passing, errors, "for")
    phone.context.close()
    for user in (cw.user_1203, cw.user_1205):
        _cast_on_phone(browser, live_server, user, passing, errors, "for").context.close()
    desk = Screen(browser, live_server, cw.desk, errors, viewport=DESKTOP, shots=SHOTS)
    desk.goto(f"/committee/votes/{passing.pk}/")
    owner = cw.other_unit.occupancies.filter(relation="owner").get().resident_id
    desk.page.select_option("#id_elector", f"{cw.other_unit.pk}:{owner}")
    desk.page.locator("input[name=choice][value=against]").check()
    desk.page.get_by_role("button", name="录入").click()
    expect(desk.page.get_by_test_id("ballots")).to_contain_text("前台")
    desk.shot("desktop-paper-ballot")
    desk.context.close()

    end_now(failing.pk)
    end_now(passing.pk)
    run_jobs()
    assert Vote.objects.get(pk=failing.pk).passed is False
    assert Vote.objects.get(pk=passing.pk).passed is True

    phone = Screen(browser, live_server, cw.resident_user, errors, shots=SHOTS)
    phone.goto(f"/portal/votes/{failing.pk}/")
    expect(phone.page.get_by_test_id("vote-outcome")).to_have_text("未通过")
    expect(phone.page.get_by_test_id("vote-why")).to_contain_text("双三分之二")
    phone.shot("phone-result-fails-on-participation")
    phone.goto(f"/portal/votes/{passing.pk}/")
    expect(phone.page.get_by_test_id("vote-outcome")).to_have_text("通过")
    phone.shot("phone-result-passes")
    phone.context.close()

    manager = Screen(browser, live_server, cw.manager, errors, viewport=DESKTOP, shots=SHOTS)
    manager.goto(f"/committee/votes/{passing.pk}/")
    expect(manager.page.get_by_test_id("threshold-approval_heads")).to_contain_text("达到")
    manager.shot("desktop-result-passes")
    manager.context.close()
    assert not errors, errors
