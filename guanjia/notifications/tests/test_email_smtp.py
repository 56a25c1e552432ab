"""E-mail through a real SMTP conversation: Django's SMTP backend, configured by the EMAIL_*
settings, delivers the outbox's message to a local SMTP server — subject, body and link in the
recipient's language (zh-hans), not the language of whoever caused it."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from guanjia.notifications import services
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Channel, Notification, State
from guanjia.notifications.tests.fakes import SmtpFake
from guanjia.tickets.choices import Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    fake = SmtpFake()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", fake.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "guanjia@example.com"
    settings.SITE_URL = "https://guanjia.example.com"
    yield fake
    fake.close()


def test_the_outbox_delivers_through_smtp_in_the_recipients_language(
    emails, smtp, django_capture_on_commit_callbacks
):
    world = emails
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[world.technician],
            subject=Message(gettext_lazy("紧急工单 %(number)s 已派给您"), number="JY-42"),
            body=Message("%(number)s %(what)s", number="JY-42", what=Action.DISPATCH.label),
            url="/tickets/42/",
            related=world.unit,
            channels=(Channel.EMAIL,),
        )
    [(sender, recipients, message)] = smtp.messages
    assert sender == "guanjia@example.com" and recipients == [world.technician.email]
    assert message["Subject"] == "紧急工单 JY-42 已派给您"
    body = message.get_content()
    assert "JY-42 派工" in body and "https://guanjia.example.com/tickets/42/" in body
    row = Notification.objects.get(channel=Channel.EMAIL)
    assert row.state == State.SENT and row.attempts == 1


def test_an_unreachable_smtp_server_is_retried(emails, smtp, settings, django_capture_on_commit_callbacks):
    world = emails
    smtp.close()
    with django_capture_on_commit_callbacks(execute=True):
        [row] = services.notify(
            recipients=[world.technician],
            subject="测试",
            body="",
            related=world.unit,
            channels=(Channel.EMAIL,),
        )
    row.refresh_from_db()
    assert row.state == State.PENDING and row.attempts == 1 and "ConnectionRefusedError" in row.last_error
