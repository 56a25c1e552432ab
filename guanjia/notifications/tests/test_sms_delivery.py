"""After sending: the providers' delivery reports are recorded once on the notification they name; a
month's figures per channel and project (SMS messages and billed segments) for administrators and
project managers of their projects; the outbox shows administrators what went out, or would have."""

import json

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.notifications import services
from guanjia.notifications.messages import Message
from guanjia.notifications.models import (
    Channel,
    ChannelAddress,
    Notification,
    Report,
    SmsSignature,
    SmsTemplate,
    State,
)
from guanjia.notifications.sms.text import segments_of
from guanjia.staff.models import StaffMember
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-report-token"


def sms_row(
    world, *, project=None, company=None, state=State.SENT, message_id="", segments=1, recipient=None
):
    return Notification.objects.create(
        company=company or world.company,
        recipient=recipient or world.technician,
        channel=Channel.SMS,
        kind="billing.reminder",
        subject="缴费提醒",
        project=project if project is not None else world.project,
        state=state,
        provider_message_id=message_id,
        segments=segments,
        sent_at=timezone.now() if state == State.SENT else None,
    )


@pytest.fixture
def reports(settings):
    settings.GUANJIA_SMS_REPORT_TOKEN = TOKEN


def post(client, provider, body, token=TOKEN):
    return client.post(
        f"/notifications/sms/report/{provider}/{token}/", json.dumps(body), content_type="application/json"
    )


# Delivery reports --------------------------------------------------------------------------------


def test_tencent_reports_are_recorded_once(world, client, reports):
    delivered = sms_row(world, message_id="2640:1045710669157053657849499619")
    lost = sms_row(world, message_id="2640:1045710669157053657849499620")
    body = [
        {
            "user_receive_time": "2026-12-03 08:03:04",
            "nationcode": "86",
            "mobile": "13900000001",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": delivered.provider_message_id,
        },
        {
            "user_receive_time": "2026-12-03 08:05:00",
            "nationcode": "86",
            "mobile": "13900000001",
            "report_status": "FAIL",
            "errmsg": "MK:0001",
            "description": "用户手机关机或停机",
            "sid": lost.provider_message_id,
        },
    ]
    response = post(client, "tencent", body)
    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.report == Report.DELIVERED
    assert timezone.localtime(delivered.reported_at).strftime("%Y-%m-%d %H:%M:%S") == "2026-12-03 08:03:04"
    assert lost.report == Report.UNDELIVERED and "停机" in lost.report_error
    # The provider retries: the same report again, or a contradicting one, changes nothing.
    body[0]["report_status"] = "FAIL"
    assert post(client, "tencent", body).status_code == 200
    delivered.refresh_from_db()
    assert delivered.report == Report.DELIVERED


def test_aliyun_reports_find_the_message_by_biz_id_or_out_id(world, client, reports):
    by_biz = sms_row(world, message_id="900619746936498440^0")
    by_out = sms_row(world, message_id="")
    body = [
        {
            "phone_number": "13900000001",
            "send_time": "2026-12-03 09:00:00",
            "report_time": "2026-12-03 09:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": by_biz.provider_message_id,
            "out_id": f"guanjia-{by_biz.pk}",
        },
        {
            "phone_number": "13900000001",
            "send_time": "2026-12-03 09:00:00",
            "report_time": "2026-12-03 09:01:00",
            "success": False,
            "err_code": "MN:0001",
            "err_msg": "空号",
            "sms_size": "1",
            "biz_id": "",
            "out_id": f"guanjia-{by_out.pk}",
        },
    ]
    response = post(client, "aliyun", body)
    assert response.json() == {"code": 0, "msg": "成功"}
    by_biz.refresh_from_db()
    by_out.refresh_from_db()
    assert by_biz.report == Report.DELIVERED
    assert (by_out.report, by_out.report_error) == (Report.UNDELIVERED, "MN:0001 空号")


def test_a_report_without_the_secret_token_is_not_found_and_changes_nothing(world, client, settings):
    row = sms_row(world, message_id="2640:1")
    body = [{"sid": "2640:1", "report_status": "SUCCESS", "user_receive_time": "2026-12-03 08:00:00"}]
    settings.GUANJIA_SMS_REPORT_TOKEN = ""
    assert post(client, "tencent", body, token="anything").status_code == 404
    settings.GUANJIA_SMS_REPORT_TOKEN = TOKEN
    assert post(client, "tencent", body, token="wrong").status_code == 404
    assert post(client, "nobody", body).status_code == 404
    assert (
        client.post(
            f"/notifications/sms/report/tencent/{TOKEN}/", "not json", content_type="text/plain"
        ).status_code
        == 400
    )
    row.refresh_from_db()
    assert row.report == ""


# The month's figures ----------------------------------------------------------------------------


def test_month_figures_per_channel_with_sms_count_and_segments(world, client, django_assert_max_num_queries):
    sms_row(world, segments=1)
    sms_row(world, segments=3)
    sms_row(world, state=State.FAILED, segments=0)
    sms_row(world, project=world.sibling_project, segments=2)
    sms_row(world, company=world.other_company, project=world.foreign_project, recipient=world.foreign_admin)
    Notification.objects.filter(segments=3).update(report=Report.UNDELIVERED, report_error="停机")
    client.force_login(world.admin)
    with django_assert_max_num_queries(20):
        page = client.get(f"/notifications/delivery/?project={world.project.pk}")
    assert page.status_code == 200
    assert page.context["sms_messages"] == 2
    assert page.context["sms_segments"] == 4
    assert page.context["failed"] == 1
    [sms] = page.context["channels"]
    assert (sms["total"], sms["sent"], sms["failed"], sms["undelivered"]) == (3, 2, 1, 1)
    everything = client.get("/notifications/delivery/")
    assert everything.context["sms_messages"] == 3 and everything.context["sms_segments"] == 6
    api = Api(world.admin).get("notifications/delivery", project=world.project.pk)
    assert api.json()["sms_segments"] == 4 and api.json()["channels"][0]["channel"] == "sms"


def test_a_project_manager_sees_only_their_projects(world, client):
    sms_row(world, segments=1)
    sms_row(world, project=world.sibling_project, segments=5)
    client.force_login(world.manager)
    mine = client.get("/notifications/delivery/")
    assert mine.status_code == 200 and mine.context["sms_segments"] == 1
    assert client.get(f"/notifications/delivery/?project={world.sibling_project.pk}").status_code == 404
    assert client.get(f"/notifications/delivery/?project={world.foreign_project.pk}").status_code == 404
    assert (
        Api(world.manager).get("notifications/delivery", project=world.sibling_project.pk).status_code == 404
    )
    client.force_login(world.desk)
    assert client.get("/notifications/delivery/").status_code == 403
    assert Api(world.desk).get("notifications/delivery").status_code == 403


def test_segments_count_70_characters_then_67_per_part():
    assert [segments_of("字" * n) for n in (0, 1, 70, 71, 134, 135)] == [0, 1, 1, 2, 2, 3]


# The outbox --------------------------------------------------------------------------------------


def test_outbox_shows_each_pushed_message_as_the_channel_carries_it(
    world, client, django_capture_on_commit_callbacks
):
    StaffMember.objects.filter(user=world.technician).update(phone="13900000001")
    world.technician.refresh_from_db()
    ChannelAddress.objects.create(
        company=world.company, user=world.technician, channel="wecom", address="tech01"
    )
    SmsSignature.objects.create(company=world.company, name="金苑物业")
    SmsTemplate.objects.create(
        company=world.company,
        kind="billing.reminder",
        template_id="1234567",
        variables=["unit", "amount"],
        content="{1}尚欠{2}元",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[world.technician],
            subject=Message(
                gettext_lazy("缴费提醒：%(unit)s %(period)s 账单"), unit="1-101", period="2026-11"
            ),
            body=Message(
                gettext_lazy(
                    "您的 %(period)s 账单尚有 %(amount)s 元未缴，缴费截止日为 %(due)s。如已缴费请忽略。"
                ),
                period="2026-11",
                amount="356.20",
                due="2026-12-15",
            ),
            related=world.unit,
            channels=(Channel.IN_APP, Channel.SMS, Channel.WECOM),
            kind="billing.reminder",
        )
    sms_row(world, company=world.other_company, project=world.foreign_project, recipient=world.foreign_admin)
    client.force_login(world.admin)
    page = client.get("/notifications/outbox/")
    assert page.status_code == 200
    rows = {n.channel: text for n, _language, text in page.context["rows"]}
    assert set(rows) == {"sms", "wecom"}  # push channels of this company only
    assert rows["sms"] == "【金苑物业】1-101尚欠356.20元"
    assert "缴费提醒：1-101 2026-11 账单" in rows["wecom"]
    assert "【金苑物业】1-101尚欠356.20元" in page.content.decode()
    assert client.get("/notifications/outbox/?channel=wecom").context["rows"][0][0].channel == "wecom"
    client.force_login(world.manager)
    assert client.get("/notifications/outbox/").status_code == 403


def test_the_demos_templates_show_an_emergency_call_as_the_phone_shows_it(world, client):
    from guanjia.notifications.seeding import seed_demo_sms

    assert seed_demo_sms(world.company, rng=None) == {"sms_templates": 6}
    assert seed_demo_sms(world.company, rng=None) == {"sms_templates": 0}
    StaffMember.objects.filter(user=world.technician).update(phone="13900000001")
    world.technician.refresh_from_db()
    services.notify(
        recipients=[world.technician],
        subject=Message(
            gettext_lazy("【%(label)s】%(kind)s %(level)s：%(place)s"),
            label=gettext_lazy("突发事件"),
            kind="火警",
            level="一级",
            place="3号楼地下车库",
        ),
        body="",
        related=world.unit,
        channels=(Channel.SMS,),
        kind="emergencies.summon",
        urgent=True,
    )
    client.force_login(world.admin)
    [(_row, _language, text)] = client.get("/notifications/outbox/").context["rows"]
    assert text == f"【{world.company.name[:20]}】【突发事件】火警：3号楼地下车库，请立即响应并打开职责清单。"


def test_a_month_that_is_no_month_is_refused_naming_the_field(world):
    response = Api(world.admin).get("notifications/delivery", month="2026-13")
    assert response.status_code == 422
    assert "month" in response.json()["errors"]


def test_the_outbox_costs_the_same_for_one_row_as_for_a_page(world, client, django_assert_max_num_queries):
    SmsTemplate.objects.create(
        company=world.company, kind="billing.reminder", template_id="1", variables=["unit"]
    )
    sms_row(world)
    client.force_login(world.admin)
    client.get("/notifications/outbox/")  # warm the scope cache
    with django_assert_max_num_queries(12) as one:
        client.get("/notifications/outbox/")
    for _ in range(20):
        sms_row(world, recipient=world.manager)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/notifications/outbox/")
    assert len(page.context["rows"]) == 21 or page.context["page"].paginator.count == 21
