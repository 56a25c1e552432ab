"""A request's photos are private: only someone who sees the request gets the bytes, on the local
disk and on object storage (core.media)."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from guanjia.core import media
from guanjia.tickets import services
from guanjia.tickets.models import TicketPhoto
from guanjia.tickets.photos import ticket_add_photo

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("leak.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def photo(tw):
    ticket = services.ticket_create(
        actor=tw.resident_user,
        data={"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"},
    )
    return ticket_add_photo(actor=tw.resident_user, ticket=ticket, upload=_png())


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_a_photo_is_served_only_to_those_who_see_its_request(client, tw, photo):
    url = media.private_url(photo.image)
    assert url == f"/media/{photo.image}"
    with default_storage.open(photo.image, "rb") as fh:
        stored = fh.read()

    anonymous = _get(client, None, url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")
    # Another company, another project of the same company, another resident: as if it did not exist.
    for outsider in (tw.foreign_admin, tw.sibling_desk, tw.other_resident_user):
        assert _get(client, outsider, url).status_code == 404, outsider
    # The reporter in the portal, the project's desk, HQ: the bytes.
    for insider in (tw.resident_user, tw.desk, tw.hq):
        response = _get(client, insider, url)
        assert response.status_code == 200, insider
        assert b"".join(response.streaming_content) == stored
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"].startswith("private")
    thumb = _get(client, tw.desk, media.private_url(photo.thumbnail))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_names_outside_a_record_or_the_storage_are_not_served(client, tw, photo):
    client.force_login(tw.admin)
    for name in ("tickets/../../settings.py", "secret/file.png", f"{photo.image}.bak", "/etc/passwd"):
        assert client.get(f"/media/{name}").status_code == 404, name
    assert media.may_see(tw.admin, "tickets/../" + photo.image) is False


def test_the_pages_and_the_api_link_to_the_checked_address(client, tw, photo):
    client.force_login(tw.desk)
    page = client.get(f"/tickets/{photo.ticket_id}/").content.decode()
    assert f'src="/media/{photo.thumbnail}"' in page
    detail = client.get(f"/api/v1/tickets/{photo.ticket_id}").json()
    assert {p["thumbnail_url"] for p in detail["photos"]} == {f"/media/{photo.thumbnail}"}


@override_settings(MEDIA_ACCEL_REDIRECT="/protected-media/")
def test_behind_nginx_the_checked_file_is_sent_by_nginx(client, tw, photo):
    client.force_login(tw.desk)
    response = client.get(media.private_url(photo.image))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{photo.image}"
    assert response.content == b""
    client.force_login(tw.foreign_admin)
    response = client.get(media.private_url(photo.image))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "guanjia-media",
            "endpoint_url": "http://127.0.0.1:8333",
            "access_key": "test-access",
            "secret_key": "test-secret",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def test_on_object_storage_a_checked_user_gets_a_link_that_expires(client, tw, photo, settings):
    """Presigning is local (no request to the store); that the store refuses an expired link is
    proved against SeaweedFS by the production CI job (.ci/production)."""
    settings.MEDIA_LINK_SECONDS = 300
    with override_settings(STORAGES=S3):
        assert media.on_object_storage()
        client.force_login(tw.resident_user)
        response = client.get(media.private_url(photo.image))
        assert response.status_code == 302
        link = urlsplit(response.url)
        assert (link.scheme, link.netloc, link.path) == (
            "http",
            "127.0.0.1:8333",
            f"/guanjia-media/{photo.image}",
        )
        query = parse_qs(link.query)
        assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert query["X-Amz-Credential"][0].startswith("test-access/") and query["X-Amz-Signature"]
        assert response["Cache-Control"] == "private, max-age=270"
        client.force_login(tw.foreign_admin)
        assert client.get(media.private_url(photo.image)).status_code == 404
    assert not media.on_object_storage()


def test_every_stored_photo_is_under_a_registered_record():
    registered = {(e.prefix, e.model._meta.label) for e in media._registry.values()}
    assert {
        ("tickets/", "tickets.TicketPhoto"),
        ("quality/", "quality.QualityPhoto"),
        ("facilities/", "facilities.TaskPhoto"),
        ("facilities/", "facilities.EquipmentFile"),
        ("emergencies/", "emergencies.IncidentLog"),
        ("emergencies/", "emergencies.SupportingDocument"),
        ("imports/", "dataio.ImportJob"),
    } <= registered
    assert TicketPhoto in {e.model for e in media._registry.values()}


def test_the_object_store_down_refuses_the_photo_and_saves_nothing(client, tw, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    ticket = services.ticket_create(
        actor=tw.resident_user,
        data={"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"},
    )
    saved = []
    real_save = default_storage.save

    def save(name, content, **kwargs):
        if saved:  # the photo is stored, then the store goes away before the thumbnail
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:8333/guanjia-media")
        saved.append(real_save(name, content, **kwargs))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", save)
    client.force_login(tw.resident_user)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/photos", {"file": _png()})
    assert response.status_code == 422
    assert "文件存储暂时不可用" in response.json()["errors"]["file"][0]
    assert not TicketPhoto.objects.filter(ticket=ticket).exists()
    assert saved and not default_storage.exists(saved[0])  # what was stored is removed again
