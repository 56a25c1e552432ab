"""A notification is read in the reader's language, whatever language its writer had: the phrase and
its parameters are stored, not the text. Rows written before (text only) still read as written; a
pushed message (SMS, WeCom, e-mail) is in the recipient's language, zh-hans by default."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from guanjia.notifications import services
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Channel, Notification
from guanjia.staff.models import StaffMember
from guanjia.testing.api import Api
from guanjia.tickets.choices import Action

pytestmark = pytest.mark.django_db


def urgent(world, **kwargs):
    """ "紧急工单 JY-42 已派给您", with a translatable parameter in its body (an action's label)."""
    kwargs.setdefault("channels", [Channel.IN_APP])
    return services.notify(
        recipients=[world.technician],
        subject=Message(gettext_lazy("紧急工单 %(number)s 已派给您"), number="JY-42"),
        body=Message("%(number)s %(what)s", number="JY-42", what=Action.DISPATCH.label),
        url="/tickets/42/",
        **kwargs,
    )


def read_api(user, language: str) -> dict:
    api = Api(user)
    api.headers["Accept-Language"] = language
    return api.get("notifications").json()["items"][0]


def read_page(user, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get("/notifications/").content.decode()


def test_the_same_notification_reads_in_chinese_and_in_english(world):
    with translation.override("en"):  # written by someone working in English …
        urgent(world)
    assert Notification.objects.get().subject == "紧急工单 JY-42 已派给您"  # … kept in the site's language
    chinese = read_api(world.technician, "zh-hans")
    assert (chinese["subject"], chinese["body"]) == ("紧急工单 JY-42 已派给您", "JY-42 派工")
    english = read_api(world.technician, "en")
    assert english["subject"] == "Urgent request JY-42 has been sent to you"
    assert english["body"] == "JY-42 Dispatch"
    assert "Urgent request JY-42 has been sent to you" in read_page(world.technician, "en")
    assert "紧急工单 JY-42 已派给您" in read_page(world.technician, "zh-hans")


def test_rows_written_before_keep_their_text_in_every_language(world):
    (old,) = services.notify(
        recipients=[world.technician], subject="工单已派给您", body="请处理", channels=[Channel.IN_APP]
    )
    Notification.objects.filter(pk=old.pk).update(message={})  # as the migration left older rows
    for language in ("zh-hans", "en"):
        item = read_api(world.technician, language)
        assert (item["subject"], item["body"]) == ("工单已派给您", "请处理")
        assert "工单已派给您" in read_page(world.technician, language)


def test_a_phrase_that_no_longer_fits_reads_as_stored(world):
    (row,) = urgent(world)
    Notification.objects.filter(pk=row.pk).update(
        message={"subject": {"t": "紧急工单 %(number)s 已派给您", "p": {"renamed": "JY-42"}}}
    )
    assert read_api(world.technician, "en")["subject"] == "紧急工单 JY-42 已派给您"


def test_pushed_messages_go_out_in_the_recipients_language(world, django_capture_on_commit_callbacks):
    world.technician.email = "tech@example.com"
    world.technician.save(update_fields=["email"])
    StaffMember.objects.filter(user=world.technician).update(phone="13900000001")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        urgent(world, channels=[Channel.EMAIL])
    (sent,) = mail.outbox
    assert sent.subject == "紧急工单 JY-42 已派给您" and sent.body.startswith("JY-42 派工")
    # A person known to read English gets it in English.
    row = Notification.objects.get(channel=Channel.EMAIL)
    world.technician.language = "en"
    assert row.text_for(world.technician) == ("Urgent request JY-42 has been sent to you", "JY-42 Dispatch")
