"""API login: tokens are hashed, expire, can be revoked; password guessing is throttled."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.accounts.models import ApiToken, hash_token
from guanjia.testing.api import Api
from guanjia.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(username, password):
    return Api().post("auth/token", {"username": username, "password": password})


def bearer(raw):
    api = Api()
    api.headers = {"Authorization": f"Bearer {raw}"}
    return api


def test_token_is_issued_once_and_stored_hashed(world):
    response = login(world.desk.username, PASSWORD)
    assert response.status_code == 201
    raw = response.json()["token"]
    token = ApiToken.objects.get(user=world.desk)
    assert token.key_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.values_list("key_hash", "prefix"))
    assert bearer(raw).get("me").json()["username"] == world.desk.username


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(world):
    wrong = login(world.desk.username, "nope")
    unknown = login("nobody-here", "nope")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json()


def test_expired_and_revoked_tokens_are_401(world):
    raw = login(world.desk.username, PASSWORD).json()["token"]
    api = bearer(raw)
    assert api.delete("auth/token").status_code == 204
    assert api.get("me").status_code == 401

    raw = login(world.desk.username, PASSWORD).json()["token"]
    ApiToken.objects.filter(key_hash=hash_token(raw)).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert bearer(raw).get("me").status_code == 401


def test_garbage_bearer_is_401(world):
    assert bearer("gj_not-a-token").get("me").status_code == 401


def test_repeated_wrong_passwords_lock_the_account_for_a_while(world):
    statuses = [login(world.desk.username, "guess").status_code for _ in range(5)]
    assert statuses == [403, 403, 403, 403, 429]
    # Even the right password is refused while locked out.
    locked = login(world.desk.username, PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    # Another account from the same address is unaffected.
    assert login(world.manager.username, PASSWORD).status_code == 201


def test_session_auth_requires_csrf_for_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/buildings", {"project_id": world.project.pk, "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_web_login_is_throttled_too(world):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": world.desk.username, "password": "guess"})
    response = client.post("/login/", {"username": world.desk.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 429
